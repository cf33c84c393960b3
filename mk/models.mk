# models.mk -- the character language model (see docs/model.md), the
# word lexicon (src/lib/lex.h) and the languages' letter frequencies
# (src/lib/langs.h).
#
#   make models       install the corpus packages, extract text, train,
#                     write models/unbake.lm (via models/unbake.lm.new),
#                     models/unbake.words (via models/unbake.words.new) and
#                     src/lib/langs_tables.c
#   make langs        only src/lib/langs_tables.c, from the corpus as it is
#                     (extracted first if there is none)
#   make models-eval  held-out bits per character, per language
#
# The trainer and the lexicon's generator are deterministic: the same
# packages give the same bytes.

LM_TRAIN_FLAGS := --cap 5M --cap-he-words 800k --cap-zh-words 500k --cap-sk-words 500k \
                  --min-char 3 --load 0.85 --prune3 30 --prune2 15 --prune3-other 5 --prune2-other 2.5
LM_SRC := src/gen/train_lm.c src/lib/model.c src/lib/uclass.c
LM_CORPUS := $(B)/corpus
# about 300 KB: with the model, all of models/ stays under 8 MB
WORDS_FLAGS := --bytes 295904 --min-count 3
WORDS_SRC := src/gen/gen_words.c src/lib/lex.c

.PHONY: models models-eval corpora langs

# -ffp-contract=off: no fused multiply-add, so the trained bytes do not
# depend on the CPU's FMA support.
$(B)/gen/train_lm: $(LM_SRC) src/lib/model.h src/lib/uclass.h
	@mkdir -p $(dir $@)
	$(CC) -O2 -g -ffp-contract=off -std=c11 -D_GNU_SOURCE -Iinclude -Isrc/lib $(WARN) \
	    -o $@ $(LM_SRC) -lunistring -lm

$(B)/gen/gen_words: $(WORDS_SRC) src/lib/lex.h
	@mkdir -p $(dir $@)
	$(CC) -O2 -g -ffp-contract=off -std=c11 -D_GNU_SOURCE -Iinclude -Isrc/lib $(WARN) \
	    -o $@ $(WORDS_SRC) -licuuc -lm -lpthread

$(B)/gen/gen_langs: src/gen/gen_langs.c src/lib/alphabet_tables.c src/lib/alphabet.h src/lib/langs.h
	@mkdir -p $(dir $@)
	$(CC) -O2 -g -std=c11 -D_GNU_SOURCE -Iinclude -Isrc/lib $(WARN) \
	    -o $@ src/gen/gen_langs.c src/lib/alphabet_tables.c -licuuc -lm

corpora:
	bash scripts/corpora.sh $(LM_CORPUS)

models: $(B)/gen/train_lm $(B)/gen/gen_words $(B)/gen/gen_langs corpora
	$(B)/gen/train_lm $(LM_TRAIN_FLAGS) $(LM_CORPUS) models/unbake.lm.new
	mv models/unbake.lm.new models/unbake.lm
	$(B)/gen/gen_words $(WORDS_FLAGS) $(LM_CORPUS) models/unbake.words.new
	mv models/unbake.words.new models/unbake.words
	$(B)/gen/gen_langs $(LM_CORPUS) > src/lib/langs_tables.c.new
	mv src/lib/langs_tables.c.new src/lib/langs_tables.c

langs: $(B)/gen/gen_langs
	@test -d $(LM_CORPUS)/train || bash scripts/corpora.sh $(LM_CORPUS)
	$(B)/gen/gen_langs $(LM_CORPUS) > src/lib/langs_tables.c.new
	mv src/lib/langs_tables.c.new src/lib/langs_tables.c

models-eval: $(B)/gen/train_lm
	@test -d $(LM_CORPUS)/heldout || bash scripts/corpora.sh $(LM_CORPUS)
	$(B)/gen/train_lm --eval models/unbake.lm $(LM_CORPUS)/heldout

# .incbin is invisible to -MMD: rebuild the blob object when the model changes.
$(B)/src/lib/model_blob.o: models/unbake.lm
$(B)/src/lib/words_blob.o: models/unbake.words
