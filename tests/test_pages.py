"""The course's sources keep their promises: each check names the file and line of a problem."""

from pathlib import Path

import pytest
from coursekit import checks

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("check", checks.ALL_CHECKS, ids=lambda c: c.__name__)
def test_sources(check):
    problems = check(ROOT)
    assert not problems, "\n".join(problems)


def test_there_are_chapters_to_check():
    # The checks above pass vacuously on an empty tree: make sure they saw the course.
    assert len(checks.pages(ROOT, "ru")) >= 6
    assert len(list((ROOT / "snippets").glob("ch*.py"))) >= 3
