# A UTF-8 byte order mark is kept, unless --strip-bom.
printf "\357\273\277hello\n" > bom.txt
unbake bom.txt | od -An -tx1
unbake --strip-bom bom.txt | od -An -tx1
