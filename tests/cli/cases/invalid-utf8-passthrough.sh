# Bytes that are not UTF-8 pass through unchanged, as do NUL bytes.
printf "caf\351 \377\376 ok\000 \300\200 \355\240\200 end" > in.bin
unbake in.bin | cmp - in.bin && echo identical
