#!/usr/bin/env python3
"""Pick clean test text from HELD-OUT documents: fixtures/clean/<lang>.txt.

Usage: make_fixtures.py CORPUS_DIR OUT_DIR

CORPUS_DIR is what scripts/corpora.sh wrote.  For each language, held-out
documents (never trained on) are scanned in a fixed order of preferred
packages; consecutive prose paragraphs of one document (two at most) are
taken until the file holds 1.5-4 KB.  Paragraphs that look like code or
option lists, or that hold characters tests should not have to round-trip
(NBSP, zero-width and bidi controls, BOM), are skipped.  SOURCES.md records
package, version, document and license for every file.

tricky.txt and he.txt are not generated: they are written by hand (see
SOURCES.md).
"""
import os
import re
import sys

LANGS = ["zh-CN", "zh-TW", "ja", "ko", "ru", "uk", "bg", "el", "he", "ar", "fa", "hi",
         "tr", "vi", "de", "fr", "es", "it", "pt", "pl", "cs", "hu", "nl", "sv", "en", "emoji"]
PREFER = ["gnome-user-docs", "debian-handbook", "debian-reference", "debian-faq",
          "installation-guide", "maint-guide", "fortunes", "gimp-help", "manpages"]
RS = "\x1e"
MIN, MAX = 1500, 4000
BAD_CHARS = re.compile("[\u00a0\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\u00ad]")
CODEY = re.compile(r"[<>{}\[\]|\\_=#$@^~*/]|--|\.\w+\(|https?:|www\.|\w\.\w+/")


HEADER = """# Clean text fixtures

Natural running text for round-trip tests: garble it through a codec, repair
it, expect the same bytes; repairing it as it is must change nothing.  Each
`<lang>.txt` was picked by `scripts/make_fixtures.py` from documents that
`scripts/corpora.sh` put in the HELD-OUT split, so the language model never
trained on them.  Lines holding NBSP, zero-width or bidi controls, BOM or
soft hyphens were skipped; text is NFC, LF line ends, final newline.

"""

FOOTER = """
Written for unbake (not from a Debian package, never trained on; same
license as unbake):

| file | what |
|---|---|
| tricky.txt | clean lines that look odd: ALL-CAPS Portuguese, French, German, Greek and Vietnamese; currency (€ £ $ ¥ ₩ R$), math (− ≤ ∈ ℝ ∑ √ ½ ²), arrows, typographic quotes, box drawing (light and double), mixed scripts on one line, Turkish dotted/dotless i, emoji with VS16 |
| he.txt | Hebrew prose: Debian ships no Hebrew running text (only word lists), so this was written by hand |
"""


def prose(line, lang):
    if lang == "emoji":
        # "<name> <emoji>" / "<emoji> <name>" lines, as written by extract_text.py
        return not BAD_CHARS.search(line.replace("\u200d", "")) and len(line) >= 3
    if not (40 <= len(line.encode()) <= 700) or BAD_CHARS.search(line) or CODEY.search(line):
        return False
    letters = sum(ch.isalpha() for ch in line)
    if letters < 0.6 * len(line.replace(" ", "")):
        return False
    if lang not in ("en", "de", "fr", "es", "it", "pt", "pl", "cs", "hu", "nl", "sv", "tr", "vi"):
        # mostly the language's own script, not untranslated English
        ascii_letters = sum(ch.isascii() and ch.isalpha() for ch in line)
        if ascii_letters > 0.3 * letters:
            return False
    return line[-1] in ".!?。！？:：)）»\"”'’" or lang in ("he",)


def package_version(corpus):
    v = {}
    with open(os.path.join(corpus, "packages.txt"), encoding="utf-8") as f:
        for line in f:
            p, ver = line.split()
            v[p] = ver
    return v


def license_of(pkg):
    try:
        with open(f"/usr/share/doc/{pkg}/copyright", encoding="utf-8", errors="replace") as f:
            for line in f:
                if line.startswith("License:"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "see /usr/share/doc/%s/copyright" % pkg


def heldout_docs(corpus, lang):
    rows = []
    with open(os.path.join(corpus, "docs.tsv"), encoding="utf-8") as f:
        for line in f:
            l, split, pkg, doc, _ = line.rstrip("\n").split("\t")
            if l == lang and split == "heldout":
                rows.append((pkg, doc))
    path = os.path.join(corpus, "heldout", f"{lang}.txt")
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as f:
        texts = f.read().split("\n" + RS + "\n")
    return [(pkg, doc, t.split("\n")) for (pkg, doc), t in zip(rows, texts)]


def rank(pkg):
    for i, p in enumerate(PREFER):
        if pkg.startswith(p):
            return i
    return len(PREFER)


def pick(docs, lang):
    """Longest prose runs from the best-ranked documents."""
    chosen, size = [], 0
    for pkg, doc, lines in sorted(docs, key=lambda d: (rank(d[0]), d[1])):
        run = [l for l in lines if prose(l, lang)]
        if len("\n".join(run).encode()) < (30 if lang == "emoji" else 200):
            continue
        take = []
        for l in run:
            n = len(l.encode()) + 1
            if size + n > MAX:
                break
            take.append(l)
            size += n
        if take:
            chosen.append((pkg, doc, take))
        if size >= MIN or len(chosen) == (12 if lang == "emoji" else 6):
            break
    return chosen, size


def main():
    corpus, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    versions = package_version(corpus)
    rows = []
    for lang in LANGS:
        chosen, size = pick(heldout_docs(corpus, lang), lang)
        if size < MIN:
            print(f"make_fixtures: {lang}: only {size} bytes, skipped", file=sys.stderr)
            continue
        with open(os.path.join(out, f"{lang}.txt"), "w", encoding="utf-8") as f:
            for _, _, lines in chosen:
                f.write("\n".join(lines) + "\n")
        for pkg, doc, lines in chosen:
            rows.append((lang, pkg, versions.get(pkg, "?"), doc, license_of(pkg)))
        print(f"make_fixtures: {lang}: {size} bytes", file=sys.stderr)
    with open(os.path.join(out, "SOURCES.md"), "w", encoding="utf-8") as f:
        f.write(HEADER)
        f.write("| file | package | version | document | license |\n|---|---|---|---|---|\n")
        for lang, pkg, ver, doc, lic in rows:
            f.write(f"| {lang}.txt | {pkg} | {ver} | `{doc}` | {lic} |\n")
        f.write(FOOTER)


if __name__ == "__main__":
    main()
