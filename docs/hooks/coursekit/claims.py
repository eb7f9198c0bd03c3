"""What a page says about its own results, checked against the page's run.

Two kinds of claim:

- A number copied from an output, written ``[[0.9778]]`` (``[[0,9778]]`` with a decimal comma,
  ``[[0.9778 @section]]`` to quote a block other than the nearest one above). It holds when the
  block's output prints a number that, rounded to the digits written, equals it.
- Any other claim ("still converges", "equal to PyTorch"): ``<!-- claim: some-id -->`` at the end
  of its sentence, the same id in both languages, and a test decorated with
  ``@claim("<page stem>", "some-id")`` that asserts it on the page's run.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from . import LANGUAGES
from .pages import parse_fences

MARKER = re.compile(
    r"\[\[\s*(?P<number>[-+−]?[\d.,]+(?:[eE][-+−]?\d+)?)(?P<percent>\s*%)?\s*"
    r"(?:@(?P<section>[\w-]+))?\s*\]\]"
)
CLAIM = re.compile(r"<!--\s*claim:\s*(?P<id>[\w-]+)\s*-->")
PRINTED = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


@dataclass
class NumberMarker:
    """One ``[[…]]`` of a page."""

    line: int
    text: str  # as written, e.g. "0,9778"
    section: str | None
    percent: bool = False  # [[97.78 %]] quotes a printed 0.9778

    @property
    def value(self) -> Decimal:
        """The number written, as a Decimal."""
        value = Decimal(self.text.replace("−", "-").replace(",", "."))
        return value.scaleb(-2) if self.percent else value


def number_markers(text: str) -> list[NumberMarker]:
    """The number markers of a page, outside code fences."""
    fenced = {n for f in parse_fences(text) for n in range(f.line, f.end_line + 1)}
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        if number in fenced:
            continue
        for match in MARKER.finditer(line):
            found.append(
                NumberMarker(number, match["number"], match["section"], bool(match["percent"]))
            )
    return found


def shown(text: str) -> str:
    """The page as a reader sees it: markers replaced by their numbers, claim comments gone."""
    return CLAIM.sub("", MARKER.sub(lambda m: m["number"] + (m["percent"] or ""), text))


def printed_matches(marker: NumberMarker, output: str) -> bool:
    """Whether ``output`` prints a number equal to the marker's once rounded to its digits."""
    try:
        wanted = marker.value
    except InvalidOperation:
        return False
    exponent = wanted.as_tuple().exponent
    assert isinstance(exponent, int)
    scientific = "e" in marker.text.lower()
    for token in PRINTED.findall(output):
        try:
            value = Decimal(token)
            if scientific:
                # 1e-12 matches 1e-12, 1.0e-12 and 1.04e-12: the same digits once rounded.
                digits = len(wanted.as_tuple().digits)
                if f"{value:.{digits - 1}e}" == f"{wanted:.{digits - 1}e}":
                    return True
            elif value.quantize(Decimal(1).scaleb(exponent)) == wanted:
                return True
        except InvalidOperation:
            continue
    return False


def marker_problems(
    page: str,
    text: str,
    output_above: Callable[[int], tuple[str, str] | None],
    output_of: Callable[[str], str | None],
) -> list[str]:
    """Number markers that the run does not bear out, each naming ``page:line``.

    Args:
        page: The page's path, for messages.
        text: The page's Markdown as written.
        output_above: Given a line, the (section, output) of the nearest Python block above it.
        output_of: Given a section name, what it printed (None if the page has no such block).
    """
    problems = []
    for marker in number_markers(text):
        if marker.section:
            output = output_of(marker.section)
            if output is None:
                problems.append(
                    f"{page}:{marker.line}: [[{marker.text} @{marker.section}]] quotes a section "
                    "that no block of this page shows"
                )
                continue
            section = marker.section
        else:
            above = output_above(marker.line)
            if above is None:
                problems.append(
                    f"{page}:{marker.line}: [[{marker.text}]] has no code block above it to quote"
                )
                continue
            section, output = above
        if not printed_matches(marker, output):
            now = output.strip().splitlines()
            problems.append(
                f"{page}:{marker.line}: the page says {marker.text}, but the output of section "
                f"{section!r} no longer prints it; it prints: "
                + (" | ".join(now[:6]) + (" | …" if len(now) > 6 else "") if now else "(nothing)")
            )
    return problems


def claim_ids(text: str) -> dict[str, int]:
    """The claim ids of a page, with the line of each."""
    return {m["id"]: n for n, line in enumerate(text.splitlines(), 1) for m in CLAIM.finditer(line)}


CLAIM_TEST = re.compile(
    r"""@claim\(\s*["'](?P<stem>[\w-]+)["']\s*,\s*["'](?P<id>[\w-]+)["']\s*\)"""
)


def unproven_claims(root: Path) -> list[str]:
    """Claim ids without a test, and tests of claims that a page no longer makes."""
    tested: dict[tuple[str, str], str] = {}
    for test_file in sorted((root / "tests").glob("test_*.py")):
        for number, line in enumerate(test_file.read_text(encoding="utf-8").splitlines(), 1):
            for match in CLAIM_TEST.finditer(line):
                tested[(match["stem"], match["id"])] = f"tests/{test_file.name}:{number}"
    problems = []
    made: set[tuple[str, str]] = set()
    for lang in LANGUAGES:
        for path in sorted((root / "docs" / lang).glob("*.md")):
            for claim_id, at in claim_ids(path.read_text(encoding="utf-8")).items():
                made.add((path.stem, claim_id))
                if (path.stem, claim_id) not in tested:
                    problems.append(
                        f"docs/{lang}/{path.name}:{at}: the claim {claim_id!r} has no test: add "
                        f'@claim("{path.stem}", "{claim_id}") to a test in tests/ that asserts it'
                    )
        for (stem, claim_id), test in tested.items():
            page = root / "docs" / lang / f"{stem}.md"
            if page.is_file() and claim_id not in claim_ids(page.read_text(encoding="utf-8")):
                problems.append(
                    f"{test}: tests the claim {claim_id!r}, which docs/{lang}/{stem}.md does not "
                    f"make: add <!-- claim: {claim_id} --> to the sentence that makes it"
                )
    return problems
