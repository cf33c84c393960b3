# --list-codecs lists the single-byte codecs of the detector, one a line.
unbake --list-codecs > codecs.txt
for c in windows-1252 windows-1251 iso-8859-1 iso-8859-15 macintosh ibm437 ibm850 ibm866 koi8-r koi8-u; do
    grep -qx "$c" codecs.txt && echo "$c"
done
