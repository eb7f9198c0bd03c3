"""The font the formulas are set in: Latin Modern Math, cut down to the characters a course uses.

Formulas reach the page as MathML (``coursekit.katex``), which browsers lay out with an OpenType
math font; the site serves its own (``assets/fonts/latinmodern-math.woff2``) so every reader sees
the same. ``covers`` tells which characters it lacks, and the build fails on a formula that uses
one. To add characters, extend ``CHARACTERS`` and run, once, on a machine with Debian's
``fonts-lmodern``::

    PYTHONPATH=docs/hooks .venv/bin/python -m coursekit.mathfont
"""

from __future__ import annotations

import sys
from functools import cache
from pathlib import Path

from . import ROOT

FONT = ROOT / "docs" / "overrides" / "assets" / "fonts" / "latinmodern-math.woff2"
SOURCE = Path("/usr/share/texmf/fonts/opentype/public/lm-math/latinmodern-math.otf")
# Basic Latin; the italic Latin and Greek that MathML gives a one-letter <mi> (U+1D434...);
# bold small Latin; upright Greek capitals; and the operators, arrows, brackets and spaces of school
# mathematics. Each alphabet costs about 10-20 KB, so only what formulas are likely to use.
CHARACTERS = (
    "U+0020-007E,U+00A0,U+00AC,U+00B1,U+00B7,U+00D7,U+00F7,"
    "U+0393,U+0394,U+0398,U+039B,U+039E,U+03A0,U+03A3,U+03A6,U+03A8,U+03A9,"
    "U+2000-200B,U+2016,U+2026,U+2032,U+2033,U+2061-2064,"
    "U+210E,U+2113,U+211D,"
    "U+2190-2194,U+21A6,U+21D2,U+21D4,"
    "U+2200,U+2202,U+2203,U+2205,U+2207-2209,U+220F,U+2211-2213,U+2218,U+221A,U+221D,"
    "U+221E,U+2223,U+2225,U+2227-222B,U+2248,U+2260,U+2261,U+2264,U+2265,"
    "U+2282,U+2286,U+2299,U+22A4,U+22C5,U+22EE,U+22EF,"
    "U+2308-230B,U+27E8,U+27E9,"
    "U+1D41A-1D433,U+1D434-1D467,U+1D6FC-1D71B"
)
ITALIC = {  # what MathML Core draws for a one-letter <mi>: the mathematical italic letter
    **{chr(c): chr(0x1D434 + c - ord("A")) for c in range(ord("A"), ord("Z") + 1)},
    **{chr(c): chr(0x1D44E + c - ord("a")) for c in range(ord("a"), ord("z") + 1)},
    **{chr(c): chr(0x1D6FC + c - 0x03B1) for c in range(0x03B1, 0x03CA)},
    "h": "\u210e",
}


@cache
def _codepoints(font: Path = FONT) -> frozenset[int]:
    # fontTools comes with matplotlib; reading woff2 needs brotli (both in the dev extra).
    from fontTools.ttLib import TTFont  # type: ignore[import-untyped]

    with TTFont(font) as ttf:
        return frozenset(ttf.getBestCmap())


def missing(text: str, italic: bool = False, font: Path = FONT) -> list[str]:
    """The characters of ``text`` the math font has no glyph for, each once, in order.

    With ``italic``, ``text`` is a one-letter identifier, which MathML draws in italic.
    """
    have = _codepoints(font)
    seen: dict[str, None] = {}
    for char in text:
        drawn = ITALIC.get(char, char) if italic else char
        if ord(drawn) not in have and not char.isspace():
            seen.setdefault(char)
    return list(seen)


def main() -> int:
    """Writes the cut-down font from Debian's Latin Modern Math."""
    from fontTools import subset  # type: ignore[import-untyped]

    if not SOURCE.is_file():
        print(f"{SOURCE} is missing: apt-get install fonts-lmodern", file=sys.stderr)
        return 1
    subset.main(
        [
            str(SOURCE),
            f"--unicodes={CHARACTERS}",
            "--layout-features=*",  # ssty and the other math features
            "--no-hinting",  # screens that use CFF hints are rare; 12 KB less
            "--desubroutinize",  # compresses better as woff2
            "--flavor=woff2",
            f"--output-file={FONT}",
        ]
    )
    print(f"{FONT.relative_to(ROOT)}: {FONT.stat().st_size // 1024} KB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
