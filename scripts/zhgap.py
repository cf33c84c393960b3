#!/usr/bin/env python3
"""Measure how well unbake fills the gaps of lossy Chinese mojibake.

Usage: zhgap.py [--unbake PATH] [--max-chars N] [--keep DIR] TEXT.txt...

Builds the damage of the real sample the project keeps for evaluation
(Simplified Chinese whose UTF-8 bytes were decoded as Windows-1254: the
bytes cp1254 leaves undefined, 81 8D 8E 8F 90 9D 9E, are dropped, soft
hyphens (byte AD) are stripped, the rest saved again as UTF-8) from clean
text the model was not trained on, runs `unbake` over it and reports

  gaps       characters that lost at least one byte
  exact      gaps whose character came back exactly
  two-byte   gaps that lost two bytes, and how many of those came back
  changed    characters outside the gaps that the repair changed

TEXT files are corpus files as scripts/corpora.sh writes them (documents
separated by a line holding only U+001E); use a held-out file, e.g.
build/corpus/heldout/zh-CN.txt.  Only lines holding Han characters are
used, in file order, up to --max-chars characters.  With --keep DIR the
damaged input, unbake's output and the reference are left in DIR.
"""
import argparse
import difflib
import os
import subprocess
import sys
import tempfile

DROPPED = {0x81, 0x8D, 0x8E, 0x8F, 0x90, 0x9D, 0x9E, 0xAD}


def damage(line):
    """The cp1254 damage of one line: what survives, as text."""
    raw = line.encode("utf-8")
    kept = bytes(b for b in raw if b not in DROPPED)
    return kept.decode("cp1254")


def lost_bytes(ch):
    return sum(1 for b in ch.encode("utf-8") if b in DROPPED)


def has_han(line):
    return any("\u4e00" <= c <= "\u9fff" for c in line)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--unbake", default="build/unbake")
    ap.add_argument("--max-chars", type=int, default=200000)
    ap.add_argument("--keep")
    ap.add_argument("texts", nargs="+")
    a = ap.parse_args()

    lines, total = [], 0
    for path in a.texts:
        with open(path, encoding="utf-8") as f:
            for line in f.read().split("\n"):
                if line == "\x1e" or not has_han(line):
                    continue
                # only lines that lose something, and only what cp1254 can
                # carry back (every line here does: it is UTF-8)
                if not any(lost_bytes(c) for c in line):
                    continue
                lines.append(line)
                total += len(line) + 1
                if total >= a.max_chars:
                    break
        if total >= a.max_chars:
            break

    damaged = [damage(l) for l in lines]
    work = a.keep or tempfile.mkdtemp(prefix="zhgap.")
    os.makedirs(work, exist_ok=True)
    src = os.path.join(work, "damaged.txt")
    with open(src, "w", encoding="utf-8") as f:
        f.write("\n".join(damaged) + "\n")
    with open(os.path.join(work, "reference.txt"), "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    out = subprocess.run([a.unbake, src], capture_output=True, check=True).stdout.decode("utf-8")
    with open(os.path.join(work, "repaired.txt"), "w", encoding="utf-8") as f:
        f.write(out)
    got = out.split("\n")[:len(lines)]
    if len(got) < len(lines):
        got += [""] * (len(lines) - len(got))

    gaps = exact = two = two_ok = changed = misaligned = 0
    for ref, rep in zip(lines, got):
        if len(ref) == len(rep):
            pairs = {i: rep[i] for i in range(len(ref))}
        else:
            misaligned += 1
            pairs = {}
            sm = difflib.SequenceMatcher(None, ref, rep, autojunk=False)
            for tag, i1, i2, j1, j2 in sm.get_opcodes():
                if tag in ("equal", "replace") and i2 - i1 == j2 - j1:
                    for k in range(i2 - i1):
                        pairs[i1 + k] = rep[j1 + k]
        for i, ch in enumerate(ref):
            n = lost_bytes(ch)
            ok = pairs.get(i) == ch
            if n:
                gaps += 1
                exact += ok
                if n >= 2:
                    two += 1
                    two_ok += ok
            elif not ok:
                changed += 1
    pct = 100.0 * exact / gaps if gaps else 0.0
    print(f"lines {len(lines)}, chars {total}, gaps {gaps}, exact {exact} ({pct:.2f}%), "
          f"two-byte {two_ok}/{two}, changed elsewhere {changed}, "
          f"lines of another length {misaligned}")
    if not a.keep:
        for n in ("damaged.txt", "reference.txt", "repaired.txt"):
            os.unlink(os.path.join(work, n))
        os.rmdir(work)


if __name__ == "__main__":
    sys.exit(main())
