"""Reading a chapter's printed output in its tests."""

import re

NUMBER = re.compile(r"(?<![A-Za-z])[-+]?(?:nan|inf)(?![A-Za-z])|[-+]?\d+\.?\d*(?:e[-+]?\d+)?")


def floats(text: str) -> list[float]:
    """Every number in ``text``, a standalone ``nan`` and ``inf`` included."""
    return [float(t) for t in NUMBER.findall(text)]


def line_with(output: str, start: str) -> str:
    """The one line of ``output`` that starts with ``start``."""
    lines = [line for line in output.splitlines() if line.startswith(start)]
    assert len(lines) == 1, (start, output)
    return lines[0]
