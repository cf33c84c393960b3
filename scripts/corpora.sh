#!/usr/bin/env bash
# corpora.sh -- install the Debian packages the language model is trained on,
# extract clean plain text from them and split it by document into
# build/corpus/{train,heldout}/<lang>.txt.
#
# Usage: scripts/corpora.sh [OUTDIR]        (default build/corpus)
#
# Writes OUTDIR/packages.txt ("package version" per line, from dpkg-query),
# which the trainer stores in the model as its provenance, and OUTDIR/docs.tsv
# (every document, its language, split and size).  Gettext catalogs (.po/.mo)
# are never read: they are kept for evaluation.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-build/corpus}

# package:default-language.  The language of a file is taken from its path
# (man/<ll>/, html/<ll-CC>/, *.<ll>.html) when it has one.
SOURCES=(
  manpages:en manpages-de:de manpages-fr:fr manpages-es:es manpages-it:it
  manpages-pt-br:pt manpages-pl:pl manpages-cs:cs manpages-hu:hu manpages-ro:ro
  manpages-nl:nl manpages-sv:sv manpages-da:da manpages-fi:fi manpages-nb:nb
  manpages-id:id manpages-tr:tr manpages-vi:vi manpages-el:el manpages-ru:ru
  manpages-uk:uk manpages-sr:sr manpages-mk:mk manpages-ja:ja manpages-zh:zh-CN
  debian-reference-en:en debian-reference-de:de debian-reference-fr:fr
  debian-reference-es:es debian-reference-it:it debian-reference-pt:pt
  debian-reference-ja:ja debian-reference-zh-cn:zh-CN debian-reference-zh-tw:zh-TW
  maint-guide-zh-cn:zh-CN debian-handbook:en debian-faq:en
  installation-guide-amd64:en
  gimp-help-ko:ko gimp-help-ja:ja gimp-help-zh-cn:zh-CN gimp-help-ru:ru
  gimp-help-uk:uk gimp-help-el:el gimp-help-fa:fa gimp-help-hr:hr gimp-help-lt:lt
  fortunes-ru:ru fortunes-bg:bg fortunes-de:de fortunes-it:it fortunes-es:es
  fortunes-cs:cs fortunes-pl:pl fortunes:en fortunes-br:pt fortunes-zh:zh-CN
  gnome-user-docs:en
  gimp-help-en:en gimp-help-de:de gimp-help-fr:fr gimp-help-es:es gimp-help-it:it
  gimp-help-nl:nl gimp-help-pt-br:pt gimp-help-sv:sv gimp-help-ca:ca gimp-help-cs:cs
  gimp-help-da:da gimp-help-fi:fi gimp-help-hu:hu gimp-help-ro:ro gimp-help-sl:sl
  gimp-help-nn:nb
  debian-faq-de:de debian-faq-fr:fr debian-faq-it:it debian-faq-ja:ja debian-faq-ko:ko
  debian-faq-nl:nl debian-faq-pt:pt debian-faq-ru:ru debian-faq-zh-cn:zh-CN
  maint-guide-zh-tw:zh-TW maint-guide-ca:ca maint-guide-de:de maint-guide-es:es
  maint-guide-fr:fr maint-guide-it:it maint-guide-ja:ja maint-guide-ru:ru maint-guide-vi:vi
  developers-reference:en developers-reference-de:de developers-reference-fr:fr
  developers-reference-it:it developers-reference-ja:ja developers-reference-ru:ru
  debian-reference-id:id harden-doc:en
  fortunes-debian-hints:en fortunes-mario:pt fortunes-bofh-excuses:en fortune-anarchism:en
  fortunes-ga:ga fortunes-eo:eo
  firefox-esr-l10n-he:he
  hunspell-he:he-words hunspell-th:th-words hunspell-hi:hi-words hunspell-sk:sk-words
  python3-jieba:zh-words
  unicode-data:emoji
)
TOOLS=(mandoc python3)

pkgs=()
for s in "${SOURCES[@]}"; do pkgs+=("${s%%:*}"); done
missing=()
for p in "${pkgs[@]}" "${TOOLS[@]}"; do
  dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null | grep -q '^ii' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "corpora: installing ${missing[*]}" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >&2
fi

rm -rf "$OUT.tmp"
mkdir -p "$OUT.tmp"
for p in "${pkgs[@]}"; do dpkg-query -W -f='${Package} ${Version}\n' "$p"; done \
  > "$OUT.tmp/packages.txt"
echo "corpora: packages used:" >&2
sed 's/^/  /' "$OUT.tmp/packages.txt" >&2
LC_ALL=C.UTF-8 /usr/bin/python3 scripts/extract_text.py "$OUT.tmp" "${SOURCES[@]}"
rm -rf "$OUT"
mv "$OUT.tmp" "$OUT"
echo "corpora: characters per language (train, held-out):" >&2
for f in "$OUT"/train/*.txt; do
  l=$(basename "$f" .txt)
  h="$OUT/heldout/$l.txt"
  printf '  %-6s %10s %10s\n' "$l" "$(wc -m < "$f")" "$( [ -f "$h" ] && wc -m < "$h" || echo 0)" >&2
done
