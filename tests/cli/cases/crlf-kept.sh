# CRLF line ends stay CRLF; a file without a final newline stays so.
printf "Une idÃ©e trÃ¨s simple.\r\nDeux idÃ©es.\r\nsans fin de ligne: dÃ©jÃ\302\240" | unbake | od -An -c | tr -s " "
