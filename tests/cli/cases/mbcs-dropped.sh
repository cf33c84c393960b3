# UTF-8 read as GBK by a decoder that dropped what it could not decode
# (iconv -c, ICU's skip callback): no marker is left, only the last
# character of each run is cut short.  The multibyte search finds the run
# reads as UTF-8 but for that break, and the lossy search fills it.
printf '\345\246\253\342\202\254\351\217\214\343\203\244\347\253\264\346\266\223\345\254\255\356\206\225\347\274\203\356\206\272\342\202\254\n' > in.txt
printf '\351\217\203\343\203\246\346\271\260\347\221\276\347\202\252\344\274\204\351\212\211\345\227\220\345\201\224\351\212\210\345\271\277\345\204\223\351\212\210\346\216\225\343\200\203\347\273\200\346\201\222\344\273\220\351\212\207\344\277\261\344\273\232\351\212\206\n' >> in.txt
unbake in.txt
unbake --lossy=keep in.txt | cmp - in.txt && echo kept
