"""Checks that learners call on their own answers to the chapters' exercises.

Each chapter has a module ``nnzero.exercises.chNN`` with one ``check_<n>`` function per
exercise. A check prints ``✓ exercise <n>: correct`` when the answer is right and raises
:class:`ExerciseError` with a hint in the learner's language when it is not. The language is
``NNZERO_LANG`` (``ru`` or ``en``), or whatever [`set_language`][nnzero.exercises.set_language]
chose; a chapter's notebook sets it in its first cell.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

LANGUAGES = ("ru", "en")
_chosen: list[str] = []

Hint = dict[str, str]
"""A hint in every language of the course: ``{"ru": "...", "en": "..."}``."""


class ExerciseError(AssertionError):
    """An answer that does not pass its exercise's check; the message is the hint."""


def language() -> str:
    """The language of hints: the last one set, else ``NNZERO_LANG``, else English."""
    lang = _chosen[-1] if _chosen else os.environ.get("NNZERO_LANG", "en")
    return lang if lang in LANGUAGES else "en"


def set_language(lang: str) -> None:
    """Chooses the language of hints (``"ru"`` or ``"en"``)."""
    if lang not in LANGUAGES:
        raise ValueError(f"language must be one of {LANGUAGES}, got {lang!r}")
    _chosen.append(lang)


@contextmanager
def hints_in(lang: str) -> Iterator[None]:
    """Gives hints in ``lang`` inside a ``with`` block (used by the tests)."""
    set_language(lang)
    try:
        yield
    finally:
        _chosen.pop()


def verdict(number: int, ok: bool, hint: Hint) -> None:
    """Prints that exercise ``number`` is solved, or raises ExerciseError with the hint.

    Args:
        number: The exercise's number in its chapter.
        ok: Whether the learner's answer is right.
        hint: What to look at when it is not, in every language of the course.

    Raises:
        ExerciseError: ``ok`` is false; the message is the hint in the chosen language.
    """
    missing = [lang for lang in LANGUAGES if not hint.get(lang)]
    if missing:
        raise ValueError(f"the hint of exercise {number} lacks {', '.join(missing)}")
    if not ok:
        raise ExerciseError(f"✗ exercise {number}: {hint[language()]}")
    print(f"✓ exercise {number}: correct")
