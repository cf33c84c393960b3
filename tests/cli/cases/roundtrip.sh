# roundtrip --via=CODEC lists the characters that would not survive a
# trip through CODEC, with positions; exit 1 then, 0 when all survive,
# 2 for an unknown codec.
printf "café, naïve\nЖ and € and Ā\n" > a.txt
printf "plain ascii\n" > b.txt
unbake roundtrip --via=windows-1252 a.txt b.txt
echo "exit $?"
unbake roundtrip --via=iso-8859-1 b.txt
echo "exit $?"
unbake roundtrip --via=ISO-8859-15 a.txt
echo "exit $?"
unbake roundtrip --via=no-such-codec a.txt
echo "exit $?"
unbake roundtrip a.txt
echo "exit $?"
