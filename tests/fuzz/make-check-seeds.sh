#!/usr/bin/env bash
# make-check-seeds.sh -- write the seed corpus of the check fuzz target
# (fixtures/fuzz/check/).  A seed is 6 header bytes (see fuzz_check.c:
# function and kind, layers / CESU-8 / inner windows-1252 / how the run is
# made, the codec of each layer, a mutation) and the repair text; for the
# lossy and bytes kinds each character is followed by a byte saying what
# happened to it (0: nothing; high nibble the loss, low bits the bytes of
# the character it hit; 0xF0 and up: kept as UTF-8).  Codec numbers are
# hypothesis ids: the single-byte codecs in codec_list.h order (0
# windows-1252, 1 iso-8859-1, 2 windows-1251, 10 macintosh, 14 koi8-r), the
# multibyte ones by their index in mbcs.h (0 gbk, 2 big5, 4 shift_jis, 6
# euc-kr).
set -euo pipefail
cd "$(dirname "$0")/../.."
out=fixtures/fuzz/check
mkdir -p "$out"
seed() { printf "$2" > "$out/$1"; }

# ub_check_forward: utf-8 read as single-byte codecs
seed utf8-cp1252 '\x00\x00\x00\x00\x00\x00café déjà vu — “quotes” ½ €'
seed utf8-cp1251 '\x00\x00\x02\x00\x00\x00Съешь же ещё этих мягких булок'
seed utf8-2layers '\x00\x01\x00\x00\x00\x00naïve façade, Straße'
seed utf8-cp1251-cp1252 '\x00\x01\x00\x02\x00\x00Привет, мир'
seed utf8-3layers '\x00\x02\x00\x00\x00\x00é'
seed utf8-cesu '\x00\x04\x00\x00\x00\x00emoji 😀 and 𝄞 and \xc3\xa9'
seed utf8-inner-legacy '\x00\x20\x00\x00\x00\x00café €20 – “ok”'
seed utf8-koi8r-mac '\x00\x01\x0a\x0e\x00\x00Широкая электрификация'
seed utf8-mutated '\x00\x40\x00\x00\x00\x07café déjà vu'
seed utf8-raw '\x00\x80\x00\x00\x00\x80é\xc3\x83\xc2\xa9'
# legacy: text in a codec read as iso-8859-1
seed legacy-cp1251 '\x01\x00\x02\x00\x00\x00Привет, мир'
seed legacy-cp1252 '\x01\x00\x00\x00\x00\x00“Smart” quotes – and €'
# ub_check_forward_lossy: per-byte losses (high nibble 1 dropped, 2 '?',
# 3 U+FFFD, 4 NBSP as space; low bits the UTF-8 bytes it hits)
seed lossy-fffd '\x02\x00\x00\x00\x00\x00c\x00a\x00f\x00\xc3\xa9\x32 \x00v\x00u\x00'
seed lossy-drop '\x02\x00\x00\x00\x00\x00d\x00\xc3\xa9\x12j\x00\xc3\xa0\x22 \x00\xc2\xa0\x42'
seed lossy-keep '\x02\x00\x02\x00\x00\x00\xd0\x9f\x00\xd1\x80\x21\xd0\xb8\xf0\xd0\xb2\x00'
seed lossy-2layers '\x02\x01\x00\x00\x00\x00\xc3\xa9\x00\xc3\xa8\x12'
# ub_check_forward_mbcs: utf-8 read as a multibyte codec, lossless and
# with each convention (byte 0 bits 3..4)
seed mbcs-gbk '\x03\x00\x00\x00\x00\x00café déjà vu, naïve'
seed mbcs-sjis '\x03\x00\x04\x00\x00\x00café über, naïve'
seed mbcs-big5 '\x03\x00\x02\x00\x00\x00café über, naïve'
seed mbcs-cjk-gbk '\x03\x00\x00\x00\x00\x00我能吞下玻璃而不伤身体'
seed mbcs-euc-kr-icu '\x04\x00\x06\x00\x00\x00한국어 문장'
seed mbcs-gbk-python '\x0c\x00\x00\x00\x00\x00中文 テスト'
seed mbcs-sjis-win '\x14\x00\x04\x00\x00\x00日本語 ü'
seed mbcs-big5-drop '\x1c\x00\x02\x00\x00\x00繁體 é'
# ub_check_forward_bytes: legacy bytes among utf-8
seed bytes-cp1251 '\x05\x00\x02\x00\x00\x00\xd0\x9f\x00\xd1\x80\x00\xd0\xb8\x00\xd0\xb2\x00 \x00\xc3\xa9\xf0'
seed bytes-gbk '\x06\x00\x00\x00\x00\x00中文字符'
seed bytes-sjis '\x06\x00\x04\x00\x00\x00ｶﾀｶﾅ 漢字'
# unbake_fix_buffer: reports replayed (text, then 4 option bytes)
seed fix-cp1252 '\x07Ã©tÃ© â€” dÃ©jÃ  vu, naÃ¯ve cafÃ©\n\x0c\x01\x00\x00'
seed fix-cp1251 '\x07Ð¡ÑŠÐµÑˆÑŒ Ð¶Ðµ ÐµÑ‰Ñ‘ Ñ�Ñ‚Ð¸Ñ…\n\x0c\x01\x00\x00'
seed fix-2layers '\x07ÃƒÂ©tÃƒÂ© and cafÃƒÂ©\n\x0c\x01\x00\x00'
seed fix-mixed '\x07clean ünïcode, then â€œquotedâ€\x9d and Ã¼ber\n\x0c\x01\x00\x00'
