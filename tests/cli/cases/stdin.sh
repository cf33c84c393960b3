# No operand: standard input to standard output.
printf "Le cafÃ© est fermÃ© tout lâ€™Ã©tÃ©, dÃ©solÃ©.\n" | unbake
