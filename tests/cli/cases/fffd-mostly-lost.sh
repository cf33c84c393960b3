# Legacy text (Shift_JIS, GB18030) read as UTF-8 with replacement: the
# loss is total and the text must stay as it is.  Each run is U+FFFD around
# one surviving character; a lossy single-byte reading (ISO-8859-3,
# windows-1253) that guesses most of the bytes would read the model's own
# text into it.
printf '\357\277\275\357\277\275\357\277\275\357\277\275\314\202\311\216\350\202\252\357\277\275k\357\277\275\357\277\275\357\277\275\304\211\357\277\275\357\277\275x\357\277\275\357\277\275\357\277\275L\357\277\275[\357\277\275\357\277\275\357\277\275\357\277\275\n' > in.txt
printf '\357\277\275\357\277\275\334\275\357\277\275Q\357\277\275\357\277\275\357\277\275}\357\277\275\357\277\275\357\277\275\316\272\357\277\275\357\277\275\357\277\275r\357\277\275\302\243\357\277\275\357\277\275\357\277\275\357\277\275\357\277\275\n' >> in.txt
unbake in.txt | cmp - in.txt && echo kept
