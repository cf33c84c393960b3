#!/usr/bin/env python3
"""Extract clean plain text from installed Debian packages for the LM.

Usage: extract_text.py OUTDIR PKG:DEFAULT_LANG...

For every package given, the files it installs (dpkg -L) are turned into
plain-text *documents*:

  man pages      rendered with mandoc -T utf8, one paragraph per line
  HTML           text of block elements; <pre>, <code>, tables of code skipped
  fortunes       each fortune file is a document, '%' separators dropped
  unicode-data   emoji-test.txt: one document per emoji subgroup
                 ("<emoji> <name>" lines, the way emoji follow text)
  hunspell       word lists (only for scripts with no running text): words
                 with affix flags removed, in fixed pseudo-random order
  firefox-esr-l10n-*  the language pack's Fluent (.ftl) and .properties
                 files: each message's text, placeables, markup and
                 format specifiers removed, messages with a selector
                 (plural forms) skipped; one document per file.  For
                 Hebrew, the one script here with no running text
                 elsewhere in Debian.  (Fluent and .properties are no
                 gettext catalogs; .po/.mo stay unread.)

Lines that are not clean running text are dropped: U+FFFD, C0/C1 controls,
private use, lines that look like mojibake themselves (a run of Latin-1 /
cp1252 characters that re-encodes to valid multibyte UTF-8), lines with few
letters (code, tables of options).

Documents are split into train / held-out by a hash of "package:path"
(1 in 8 held out), so a document is never in both.  Output:

  OUTDIR/train/<lang>.txt, OUTDIR/heldout/<lang>.txt
      documents separated by a line holding only U+001E (record separator)
  OUTDIR/docs.tsv     lang, split, package, path, characters, one row per
                      document in the order of the .txt files

Gettext catalogs (.po/.mo) are never read.  Everything is deterministic:
files are visited in sorted order and written in hash order.
"""
import gzip
import hashlib
import html.parser
import os
import random
import re
import subprocess
import sys
import unicodedata

HELDOUT_MOD = 8
RS = "\x1e"

# ---------------------------------------------------------------- languages

LANG_ALIASES = {
    "zh_cn": "zh-CN", "zh-cn": "zh-CN", "zh_tw": "zh-TW", "zh-tw": "zh-TW",
    "pt_br": "pt", "pt-br": "pt", "nb_no": "nb", "nn": "nb",
}
KNOWN = set("""en de fr es it pt pl cs sk hu ro nl sv da fi nb id tr vi lt lv
hr sl ca eu gl et ga eo ru uk bg sr mk el ja ko ar fa he hi mr gu pa kn ta te th""".split()) | {"zh-CN", "zh-TW"}


def norm_lang(code):
    c = code.lower()
    if c in LANG_ALIASES:
        return LANG_ALIASES[c]
    base = re.split(r"[-_]", c)[0]
    if base == "zh":
        return "zh-TW" if re.search(r"tw|hk|hant", c) else "zh-CN"
    return base if base in KNOWN else None


def lang_of(path, default):
    """Language of an installed file, from its path; default otherwise."""
    m = re.match(r"/usr/share/man/([^/]+)/man", path)
    if m:
        return norm_lang(m.group(1))
    if re.match(r"/usr/share/man/man", path):
        return "en"
    for part in path.split("/")[3:-1]:
        lang = norm_lang(part)
        if lang and (len(part) in (2, 5) or "-" in part or "_" in part):
            return lang
    m = re.search(r"\.([a-z]{2}(?:[-_][a-zA-Z]{2})?)\.html$", path)
    if m:
        return norm_lang(m.group(1))
    return default


# ---------------------------------------------------------------- filters

LETTER = re.compile(r"\w", re.UNICODE)
LATIN1ISH = re.compile("[\u0080-\u00ff\u0152\u0153\u0160\u0161\u0178\u017d\u017e"
                       "\u0192\u02c6\u02dc\u2013\u2014\u2018-\u201e\u2020-\u2022"
                       "\u2026\u2030\u2039\u203a\u20ac\u2122]{2,}")


def looks_baked(line):
    """True if some run of cp1252-encodable characters is really UTF-8."""
    for m in LATIN1ISH.finditer(line):
        run = m.group(0)
        try:
            raw = run.encode("cp1252")
        except UnicodeEncodeError:
            try:
                raw = run.encode("latin-1")
            except UnicodeEncodeError:
                continue
        # Find any valid 2..4 byte UTF-8 sequence inside the run.
        if re.search(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}", raw):
            return True
    return False


SCRIPT_OF = {
    "zh-CN": "[\u3400-\u9fff]", "zh-TW": "[\u3400-\u9fff]",
    "ja": "[\u3040-\u30ff\u3400-\u9fff]", "ko": "[\uac00-\ud7af]",
    "ru": "[\u0400-\u04ff]", "uk": "[\u0400-\u04ff]", "bg": "[\u0400-\u04ff]",
    "sr": "[\u0400-\u04ff]", "mk": "[\u0400-\u04ff]", "el": "[\u0370-\u03ff\u1f00-\u1fff]",
    "ar": "[\u0600-\u06ff]", "fa": "[\u0600-\u06ff]", "he": "[\u0590-\u05ff]",
    "hi": "[\u0900-\u097f]", "mr": "[\u0900-\u097f]", "gu": "[\u0a80-\u0aff]",
    "pa": "[\u0a00-\u0a7f]", "kn": "[\u0c80-\u0cff]", "ta": "[\u0b80-\u0bff]",
    "te": "[\u0c00-\u0c7f]", "th": "[\u0e00-\u0e7f]",
}
for _w, _l in (("he-words", "he"), ("zh-words", "zh-CN"),
               ("th-words", "th"), ("hi-words", "hi")):
    SCRIPT_OF[_w] = SCRIPT_OF[_l]
SCRIPT_RE = {k: re.compile(v) for k, v in SCRIPT_OF.items()}


def in_script(line, lang):
    """Lines of a non-Latin-script language must hold some of its script:
    untranslated English paragraphs would otherwise count as that language."""
    r = SCRIPT_RE.get(lang)
    return r is None or r.search(line) is not None


def clean_line(line):
    """Normalise one paragraph; return None to drop it."""
    line = unicodedata.normalize("NFC", line)
    line = line.replace("\t", " ").replace("\u00ad", "")
    # (a run of spaces with an NBSP in it is one NBSP: HTML's "&nbsp; "
    # and French "mot \u00a0:" would teach the model that a space after
    # an NBSP is common, when it is what a lost byte leaves)
    line = re.sub(r"[ \u00a0]{2,}", lambda m: "\u00a0" if "\u00a0" in m.group() else " ",
                  line).strip()
    if len(line) < 2:
        return None
    for ch in line:
        o = ord(ch)
        if o < 0x20 or 0x7F <= o <= 0x9F or ch == "\ufffd" or 0xE000 <= o <= 0xF8FF \
                or 0xD800 <= o <= 0xDFFF or o >= 0xF0000:
            return None
    letters = len(LETTER.findall(line))
    if letters < 0.5 * len(line) * 0.8 or letters < 2:
        return None
    if looks_baked(line):
        return None
    return line


# ---------------------------------------------------------------- readers

def read_bytes(path):
    with open(path, "rb") as f:
        data = f.read()
    if path.endswith(".gz"):
        data = gzip.decompress(data)
    return data


def decode(data, lang):
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    legacy = {"ru": "koi8-r", "uk": "koi8-u", "bg": "cp1251", "pl": "iso-8859-2",
              "cs": "iso-8859-2", "hu": "iso-8859-2", "ro": "iso-8859-16",
              "tr": "iso-8859-9", "el": "iso-8859-7", "ja": "euc-jp",
              "ko": "euc-kr", "zh-CN": "gb18030", "zh-TW": "big5"}.get(lang, "cp1252")
    try:
        return data.decode(legacy)
    except UnicodeDecodeError:
        return None


BACKSPACE = re.compile(r".\x08")


def man_text(path, lang):
    data = read_bytes(path)
    if decode(data, lang) is None:
        return []
    try:
        out = subprocess.run(["mandoc", "-T", "utf8", "-O", "width=1000"],
                             input=data, capture_output=True, timeout=60).stdout
    except subprocess.TimeoutExpired:
        return []
    text = BACKSPACE.sub("", out.decode("utf-8", "replace"))
    lines = text.split("\n")
    # Drop the header and footer lines (NAME(1) ... NAME(1)).
    lines = [l for l in lines if not re.match(r"^\S+\(\w+\)\s{3,}.*\S+\(\w+\)\s*$", l)
             and not re.match(r"^\S+\s{3,}\S.*\s{3,}\S+\(\w+\)\s*$", l)]
    return lines


BLOCK = {"p", "div", "li", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6", "td",
         "th", "tr", "br", "title", "blockquote", "section", "article", "caption",
         "figcaption", "table", "ul", "ol", "dl"}
SKIP = {"pre", "code", "script", "style", "tt", "kbd", "samp", "screen",
        "programlisting", "head"}


class HTMLText(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.lines, self.cur, self.skip = [], [], 0

    def flush(self):
        s = "".join(self.cur).replace("\n", " ")
        if s.strip():
            self.lines.append(s)
        self.cur = []

    def handle_starttag(self, tag, attrs):
        if tag in SKIP:
            self.skip += 1
        elif tag in BLOCK:
            self.flush()

    def handle_endtag(self, tag):
        if tag in SKIP:
            self.skip = max(0, self.skip - 1)
        elif tag in BLOCK:
            self.flush()

    def handle_data(self, data):
        if not self.skip:
            self.cur.append(data)


def html_text(path, lang):
    data = read_bytes(path)
    m = re.search(rb'charset=["\']?([A-Za-z0-9_-]+)', data[:2048])
    text = None
    if m:
        try:
            text = data.decode(m.group(1).decode("ascii"))
        except (LookupError, UnicodeDecodeError):
            text = None
    if text is None:
        text = decode(data, lang)
    if text is None:
        return []
    p = HTMLText()
    p.feed(text)
    p.close()
    p.flush()
    return p.lines


MALLARD_BLOCK = {"p", "title", "desc", "td", "th", "subtitle"}
MALLARD_SKIP = {"code", "cmd", "screen", "sys", "output", "input", "var", "info",
                "media", "links", "credit", "license", "revision", "comment"}


def mallard_text(path, lang):
    """Text of the block elements of a Mallard (.page) help page."""
    import xml.etree.ElementTree as ET
    try:
        root = ET.fromstring(read_bytes(path))
    except ET.ParseError:
        return []
    lines = []

    def text_of(el):
        parts = [el.text or ""]
        for ch in el:
            if ch.tag.split("}")[-1] not in MALLARD_SKIP:
                parts.append(text_of(ch))
            parts.append(ch.tail or "")
        return "".join(parts)

    def walk(el):
        tag = el.tag.split("}")[-1]
        if tag in MALLARD_SKIP:
            return
        if tag in MALLARD_BLOCK:
            lines.append(re.sub(r"\s+", " ", text_of(el)))
            return
        for ch in el:
            walk(ch)

    walk(root)
    return lines


ANSI = re.compile(r"\x1b\[[0-9;]*m")
CJK = "\u3000-\u9fff\uff00-\uffef"


def join_lines(lines):
    """Join the wrapped lines of one paragraph (no space between CJK lines)."""
    out = ""
    for l in lines:
        if out and not (re.search(f"[{CJK}]$", out) and re.match(f"[{CJK}]", l)):
            out += " "
        out += l
    return out


def fortune_docs(path, lang):
    text = decode(read_bytes(path), lang)
    if text is None:
        return []
    text = ANSI.sub("", text)
    # A fortune is a paragraph; its lines are joined like the rest.
    # Fortune files are big; 100 fortunes make a document, so the
    # train/held-out split does not hang on a handful of files.
    paras = []
    for fortune in re.split(r"\n%\n", text):
        lines = [l.strip() for l in fortune.split("\n")]
        if any(re.match(r"^--|^\u2014", l) for l in lines):
            lines = [l for l in lines if not re.match(r"^--|^\u2014", l)]
        paras.append(join_lines([l for l in lines if l]))
    return [(f"{path}#{i // 100}", paras[i:i + 100]) for i in range(0, len(paras), 100)]


def emoji_docs(path):
    docs, cur, name = [], [], None
    for line in read_bytes(path).decode("utf-8").split("\n"):
        m = re.match(r"# subgroup: (.*)", line)
        if m:
            if cur:
                docs.append((f"{path}#{name}", cur))
            cur, name = [], m.group(1)
            continue
        m = re.match(r"[0-9A-F ]+;\s*fully-qualified\s*#\s*(\S+)\s+E[\d.]+\s+(.*)", line)
        if m:
            # Emoji after text and text after emoji, as in chat and docs.
            cur.append(f"{m.group(2)} {m.group(1)}")
            cur.append(f"{m.group(1)} {m.group(2)}")
    if cur:
        docs.append((f"{path}#{name}", cur))
    return docs


def hunspell_docs(path, lang):
    text = decode(read_bytes(path), lang)
    if text is None:
        return []
    words = []
    for line in text.split("\n")[1:]:
        w = line.split("/")[0].strip()
        if w and not w.isdigit():
            words.append(w)
    rng = random.Random(20240601)
    rng.shuffle(words)
    docs = []
    for i in range(0, len(words), 3000):
        chunk = words[i:i + 3000]
        lines = [" ".join(chunk[j:j + 12]) for j in range(0, len(chunk), 12)]
        docs.append((f"{path}#{i // 3000}", lines))
    return docs


def word_freq_docs(path, sep, seed):
    """Pseudo-text from a Chinese word list with frequencies (word, then
    frequency, separated by `sep`, as in jieba's dict.txt):
    words drawn by frequency with a fixed seed, 4-12 words to a clause,
    clauses ended by a Chinese comma or full stop.  It brings everyday
    vocabulary the technical manuals lack; it is no running text, so it is
    kept apart (language "zh-words") and capped separately.  (Rime's
    traditional-character essay.txt was tried the same way and made
    Simplified gap filling worse: it promotes traditional variants.)"""
    words, weights = [], []
    for line in read_bytes(path).decode("utf-8").split("\n"):
        f = line.split(sep)
        if len(f) >= 2 and f[1].strip().isdigit() and re.fullmatch(f"[{CJK}]+", f[0]):
            words.append(f[0])
            weights.append(int(f[1]))
    cum, total = [], 0
    for w in weights:
        total += w
        cum.append(total)
    rng = random.Random(seed)
    docs = []
    for d in range(1200):
        lines = []
        for _ in range(20):
            para = ""
            for _ in range(rng.randint(2, 5)):
                para += "".join(rng.choices(words, cum_weights=cum, k=rng.randint(4, 12)))
                para += "，" if rng.random() < 0.6 else "。"
            lines.append(para[:-1] + "。")
        docs.append((f"{path}#{d}", lines))
    return docs


# ---------------------------------------------------------------- main

FTL_MSG = re.compile(r"^(-?[A-Za-z][\w-]*)\s*=\s?(.*)$")
FTL_ATTR = re.compile(r"^\s+\.[A-Za-z][\w-]*\s*=\s?(.*)$")


def l10n_text(value):
    """The words of one message: placeables, tags, %S / %1$S / #1 gone."""
    value = re.sub(r"\{[^{}]*\}", " ", value)
    value = re.sub(r"<[^<>]*>", "", value)
    value = re.sub(r"%(\d\$)?[SsDd@]|#\d", " ", value)
    value = value.replace("\\n", " ")
    return re.sub(r"\s+", " ", value).strip()


def ftl_messages(text):
    """The values and attributes of a Fluent file, continuation lines
    joined; a message with a selector ('->') is skipped whole."""
    out, cur = [], None
    def flush():
        if cur is not None and "->" not in cur:
            out.append(cur)
    for line in text.split("\n"):
        m = FTL_MSG.match(line)
        a = FTL_ATTR.match(line)
        if m:
            flush()
            cur = m.group(2)
        elif a:
            flush()
            cur = a.group(1)
        elif line.startswith((" ", "\t")) and cur is not None and line.strip():
            cur += " " + line.strip()
        else:
            flush()
            cur = None
    flush()
    return out


def properties_messages(text):
    return [l.split("=", 1)[1] for l in text.split("\n")
            if "=" in l and not l.lstrip().startswith(("#", "!"))]


def l10n_docs(path):
    """Documents of a Firefox language pack (.xpi, a zip file)."""
    import zipfile
    with zipfile.ZipFile(path) as z:
        for name in sorted(z.namelist()):
            if name.endswith(".ftl"):
                msgs = ftl_messages(z.read(name).decode("utf-8", "replace"))
            elif name.endswith(".properties"):
                msgs = properties_messages(z.read(name).decode("utf-8", "replace"))
            else:
                continue
            lines = [t for t in (l10n_text(m) for m in msgs) if t]
            if lines:
                yield f"{path}!{name}", lines


def package_files(pkg):
    out = subprocess.run(["dpkg", "-L", pkg], capture_output=True, text=True, check=True)
    return sorted(p for p in out.stdout.split("\n") if p and os.path.isfile(p)
                  and not os.path.islink(p))


def documents(pkg, default_lang):
    """Yield (lang, docid, [lines]) for one package."""
    for path in package_files(pkg):
        if re.search(r"\.(po|mo|pot|gmo)(\.gz)?$", path):
            continue
        lang = lang_of(path, default_lang)
        if lang is None:
            continue
        if pkg == "unicode-data":
            if path.endswith("/emoji/emoji-test.txt"):
                for docid, lines in emoji_docs(path):
                    yield "emoji", docid, lines
            continue
        if pkg.startswith("hunspell-") or pkg.startswith("myspell-"):
            if path.endswith(".dic"):
                for docid, lines in hunspell_docs(path, default_lang):
                    yield default_lang, docid, lines
            continue
        if pkg == "python3-jieba":
            if path.endswith("/jieba/dict.txt"):
                for docid, lines in word_freq_docs(path, " ", 20240602):
                    yield default_lang, docid, lines
            continue
        if pkg.startswith("firefox-esr-l10n-"):
            if path.endswith(".xpi"):
                for docid, lines in l10n_docs(path):
                    yield default_lang, docid, lines
            continue
        if pkg.startswith("fortune"):
            # (X.u8 twins are symlinks to X, skipped by package_files)
            if "/games/fortunes/" in path and not path.endswith(".dat"):
                for docid, lines in fortune_docs(path, lang):
                    yield lang, docid, lines
            continue
        if re.match(r"/usr/share/man/", path) and re.search(r"\.\w+(\.gz)?$", path):
            yield lang, path, man_text(path, lang)
        elif path.endswith(".page"):
            yield lang, path, mallard_text(path, lang)
        elif re.search(r"\.html?(\.gz)?$", path):
            yield lang, path, html_text(path, lang)


def main():
    outdir = sys.argv[1]
    specs = [a.split(":") for a in sys.argv[2:]]
    buckets = {}
    for pkg, default_lang in specs:
        seen = set()
        for lang, docid, lines in documents(pkg, default_lang):
            kept = []
            for l in lines:
                c = clean_line(l)
                if c is not None and not in_script(c, lang):
                    c = None
                # Exact duplicate paragraphs within a package (navigation,
                # repeated boilerplate) are kept once.
                if c is not None and c not in seen:
                    seen.add(c)
                    kept.append(c)
            if not kept:
                continue
            key = f"{pkg}:{docid}"
            h = hashlib.sha1(key.encode()).hexdigest()
            split = "heldout" if int(h[:8], 16) % HELDOUT_MOD == 0 else "train"
            buckets.setdefault((lang, split), []).append((h, pkg, docid, kept))
        print(f"  {pkg}: done", file=sys.stderr)
    for split in ("train", "heldout"):
        os.makedirs(os.path.join(outdir, split), exist_ok=True)
    index = []
    for (lang, split), docs in sorted(buckets.items()):
        docs.sort()
        with open(os.path.join(outdir, split, f"{lang}.txt"), "w", encoding="utf-8") as f:
            for h, pkg, docid, lines in docs:
                f.write("\n".join(lines) + "\n" + RS + "\n")
                index.append((lang, split, pkg, docid, sum(len(l) + 1 for l in lines)))
    # docs.tsv lists documents in the order they appear in the .txt files.
    with open(os.path.join(outdir, "docs.tsv"), "w", encoding="utf-8") as f:
        for row in index:
            f.write("\t".join(str(x) for x in row) + "\n")


if __name__ == "__main__":
    main()
