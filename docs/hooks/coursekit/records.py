"""Recorded outputs: ``snippets/<chapter>.out`` holds what each section of the program printed.

The record is in the repository, so a pull request that changes an output shows the change in
its diff. Every build compares its run with the record: numbers within ``RELATIVE_TOLERANCE``
(set here and nowhere else), all other text exactly. ``make record`` rewrites the records.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

RELATIVE_TOLERANCE = 1e-6
"""Two printed numbers agree when they differ by at most this much relative to the larger
(or by 1e-12 absolutely, for numbers near zero)."""
ABSOLUTE_TOLERANCE = 1e-12
HEADER = "# --8<-- section: "
TIMED = "_timed"
"""A section whose name ends in ``_timed`` prints measured times: its numbers are not compared
with the record (its text still is), since no two runs take the same time."""
NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|nan|inf")


def record_path(program: str) -> str:
    """``snippets/x.out`` for ``snippets/x.py``."""
    return program.removesuffix(".py") + ".out"


def render(outputs: dict[str, str], figures: dict[str, int]) -> str:
    """The text of a record: each section's name, then what it printed, then its figures."""
    parts = []
    for section, stdout in outputs.items():
        parts.append(f"{HEADER}{section}\n")
        parts.append(stdout if stdout.endswith("\n") or not stdout else stdout + "\n")
        count = figures.get(section, 0)
        if count:
            parts.append(f"[{count} figure{'s' if count > 1 else ''}]\n")
    return "".join(parts)


def parse(text: str) -> dict[str, list[str]]:
    """A record's lines by section."""
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in text.splitlines():
        if line.startswith(HEADER):
            current = sections.setdefault(line[len(HEADER) :].strip(), [])
        elif current is not None:
            current.append(line)
    return sections


def _close(a: str, b: str) -> bool:
    x, y = float(a), float(b)
    if math.isnan(x) or math.isnan(y):
        return math.isnan(x) and math.isnan(y)
    return math.isclose(x, y, rel_tol=RELATIVE_TOLERANCE, abs_tol=ABSOLUTE_TOLERANCE)


def lines_agree(now: str, recorded: str, timed: bool = False) -> bool:
    """Whether two lines say the same: equal text, numbers within tolerance (any, if timed)."""
    if now == recorded:
        return True
    # The text around the numbers, spaces collapsed: a wider number shifts its column.
    if NUMBER.sub("#", now).split() != NUMBER.sub("#", recorded).split():
        return False
    return timed or all(
        _close(a, b) for a, b in zip(NUMBER.findall(now), NUMBER.findall(recorded), strict=True)
    )


@dataclass
class Difference:
    """The first line where a run and its record disagree."""

    section: str
    line: int  # 1-based line of the record file
    now: str | None
    recorded: str | None


def first_difference(now_text: str, record_text: str) -> Difference | None:
    """Where the run (rendered as a record) first disagrees with the record, if anywhere."""
    now, recorded = parse(now_text), parse(record_text)
    record_lines = record_text.splitlines()
    for section in list(dict.fromkeys([*now, *recorded])):
        start = next(
            (i + 1 for i, ln in enumerate(record_lines) if ln == HEADER + section),
            len(record_lines),
        )
        a, b = now.get(section), recorded.get(section)
        if a is None or b is None:
            return Difference(
                section, start, "(section runs)" if a else None, "(section)" if b else None
            )
        for index in range(max(len(a), len(b))):
            x = a[index] if index < len(a) else None
            y = b[index] if index < len(b) else None
            if x is None or y is None or not lines_agree(x, y, section.endswith(TIMED)):
                return Difference(section, start + 1 + index, x, y)
    return None


def compare(root: Path, program: str, now_text: str) -> str | None:
    """A message naming the first difference between a run and ``program``'s record, or None."""
    path = root / record_path(program)
    if not path.is_file():
        return (
            f"{record_path(program)}:1: there is no record of {program}'s outputs: "
            "run `make record` and commit it"
        )
    diff = first_difference(now_text, path.read_text(encoding="utf-8"))
    if diff is None:
        return None
    return (
        f"{record_path(program)}:{diff.line}: section {diff.section!r} now prints "
        f"{diff.now if diff.now is not None else '(nothing more)'!r}, the record says "
        f"{diff.recorded if diff.recorded is not None else '(nothing more)'!r}; if the change is "
        "intended, run `make record`, commit the record and review both languages of the page"
    )
