"""The course's sources keep their promises.

The source checks themselves (``coursekit.checks``, each naming the file and line of a problem)
run once per ``make test``, in ``make lint``, before anything is built; here only that they saw
the course.
"""

from pathlib import Path

from coursekit import checks

ROOT = Path(__file__).resolve().parents[1]


def test_there_are_chapters_to_check():
    # The checks pass vacuously on an empty tree: make sure they see the course.
    assert len(checks.pages(ROOT, checks.FIRST)) >= 6
    assert len(list((ROOT / "snippets").glob("ch*.py"))) >= 3
