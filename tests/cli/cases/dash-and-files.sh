# "-" is standard input, between files, in order.
printf "Une idÃ©e trÃ¨s simple.\n" > a.txt
printf "Ãªtre ou ne pas Ãªtre.\n" > b.txt
printf "Grand-mÃ¨re a dÃ©jÃ\302\240 mangÃ©.\n" | unbake a.txt - b.txt
