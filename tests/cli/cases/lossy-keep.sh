# --lossy=keep leaves runs that lost bytes as they are, and still
# repairs the lossless ones.  The closing quote lost its last byte (0x9D is
# undefined in windows-1252).
printf "He said â€œhello thereâ€ and left the cafÃ© early.\n" | unbake --lossy=keep
