#!/usr/bin/env bash
# make-legacy-seeds.sh -- write the seed corpus of the legacy fuzz target
# (fixtures/fuzz/legacy/) with iconv.  Each seed is text followed by the 4
# option bytes of fuzz_common.h; the last one is the target's mode (see
# fuzz_legacy.c): 0x00 auto, 0x01 | index << 1 forced to the codec of that
# index in `unbake --list-codecs` order (then utf-16le, utf-16be, utf-16,
# utf-32le, utf-32be).
#
# Usage: bash tests/fuzz/make-legacy-seeds.sh [UNBAKE]   (default build/unbake)
set -euo pipefail
cd "$(dirname "$0")/../.."
unbake=${1:-build/unbake}
out=fixtures/fuzz/legacy
mkdir -p "$out"
mapfile -t codecs < <("$unbake" --list-codecs | awk '{print $1}')
codecs+=(utf-16le utf-16be utf-16 utf-32le utf-32be)

index_of() {
    local i
    for i in "${!codecs[@]}"; do
        [ "${codecs[$i]}" = "$1" ] && { echo "$i"; return; }
    done
    echo "make-legacy-seeds: unknown codec $1" >&2
    exit 1
}

# opts MODE: the 4 option bytes (fill, 4 layers, certain fills only, no bias)
opts() { printf '\x0c\x01\x00'"\\x$(printf %02x "$1")"; }

ru='Съешь же ещё этих мягких французских булок, да выпей чаю.
Широкая электрификация южных губерний даст мощный толчок подъёму сельского хозяйства.
'
zh='我能吞下玻璃而不伤身体。这是一个用于测试的简短中文句子，包含常用汉字。
'
tw='我能吞下玻璃而不傷身體。這是一個用於測試的簡短中文句子，包含常用漢字。
'
ja='私はガラスを食べられます。それは私を傷つけません。日本語の文章です。
'
ko='나는 유리를 먹을 수 있어요. 그래도 아프지 않아요. 한국어 문장입니다.
'
fr='Voix ambiguë d’un cœur qui, au zéphyr, préfère les jattes de kiwis.
Größere Übungen für Straße und Brücke — naïve café, déjà vu.
'

seed() {    # NAME CODEC TEXT [MODE]
    local name=$1 codec=$2 text=$3 mode=${4:-0}
    { printf '%s' "$text" | iconv -f UTF-8 -t "$codec"; opts "$mode"; } > "$out/$name"
}
forced() {  # NAME ICONV-CODEC TEXT UNBAKE-CODEC
    seed "$1" "$2" "$3" $((1 | $(index_of "$4") << 1))
}

seed cp1251 WINDOWS-1251 "$ru"
seed koi8-r KOI8-R "$ru"
seed gbk GBK "$zh"
seed big5 BIG5 "$tw"
seed shift_jis SHIFT_JIS "$ja"
seed euc-kr EUC-KR "$ko"
seed cp1252 WINDOWS-1252 "$fr"
seed utf-16le-bom UTF-16 "$ru$zh"     # glibc writes a BOM, little-endian
seed utf-16le UTF-16LE "$fr$ru"
seed utf-16be UTF-16BE "$ja$fr"
seed utf-32le UTF-32LE "$fr"
forced cp1251.from WINDOWS-1251 "$ru" windows-1251
forced koi8-r.from KOI8-R "$ru" koi8-r
forced gbk.from GBK "$zh" gbk
forced big5.from BIG5 "$tw" big5
forced shift_jis.from SHIFT_JIS "$ja" shift_jis
forced euc-kr.from EUC-KR "$ko" euc-kr
forced cp1252.from WINDOWS-1252 "$fr" windows-1252
forced utf-16le.from UTF-16LE "$fr$ru" utf-16le
forced utf-16be.from UTF-16BE "$ja" utf-16be
forced utf-16-bom.from UTF-16 "$zh" utf-16
# forced with the wrong codec: the text is decoded as asked all the same
forced cp1251-as-koi8-r.from WINDOWS-1251 "$ru" koi8-r
forced gbk-as-big5.from GBK "$zh" big5
forced sjis-as-euc-jp.from SHIFT_JIS "$ja" euc-jp

# mixed: UTF-8 lines with legacy lines between them
{ printf '%s' "$fr"; printf '%s' "$ru" | iconv -f UTF-8 -t WINDOWS-1251; printf '%s' "$zh";
  printf 'caf\xe9 cr\xe8me br\xfbl\xe9e\n'; opts 0; } > "$out/mixed-utf8-cp1251"
{ printf '%s' "$ja"; printf '%s' "$ko" | iconv -f UTF-8 -t EUC-KR; printf '%s' "$ru";
  opts 0; } > "$out/mixed-utf8-euc-kr"
{ printf '%s' "$zh" | iconv -f UTF-8 -t GBK; printf 'Ã©tÃ© â€” dÃ©jÃ  vu\n'; opts 0; } \
    > "$out/mixed-gbk-mojibake"

# UTF-8 seeds the target encodes itself (mode bit 1, codec in bits 2..7)
enc() {     # NAME TEXT CODEC
    printf '%s' "$2" > "$out/$1"
    opts $((2 | $(index_of "$3") << 2)) >> "$out/$1"
}
enc ru.enc-ibm866 "$ru" ibm866
enc ru.enc-iso-8859-5 "$ru" iso-8859-5
enc fr.enc-macintosh "$fr" macintosh
enc ja.enc-euc-jp "$ja" euc-jp
enc tw.enc-big5-hkscs "$tw" big5-hkscs
enc zh.enc-gb18030 "$zh" gb18030
enc fr.enc-utf-16be "$fr" utf-16be
