# Emoji (UTF-8 F0 9F ..) read as Shift_JIS/cp932: the first two bytes become
# a user-defined (private-use) character, the rest kanji or half-width kana,
# so the run begins with a private-use character.  A run of private-use
# characters alone is an icon font's and stays as it is.
printf 'dolphin \356\201\236\346\210\220 and seal \356\201\236\357\275\246\357\275\255\n' > in.txt
printf '\356\202\240 main \356\202\260 \356\200\200\356\200\201\356\200\202\n' >> in.txt
unbake in.txt
unbake in.txt | tail -n 1 | cmp - <(tail -n 1 in.txt) && echo icons kept
