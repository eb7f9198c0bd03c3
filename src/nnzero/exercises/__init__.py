"""Checks that learners call on their own answers to the chapters' exercises.

Each chapter has a module ``nnzero.exercises.chNN`` with one ``check_<n>`` function per
exercise. A check prints ``✓ exercise <n>: correct`` when the answer is right and raises
:class:`ExerciseError` with a hint in the learner's language when it is not. The language is
``NNZERO_LANG`` (``ru`` or ``en``), or whatever [`set_language`][nnzero.exercises.set_language]
chose; a chapter's notebook sets it in its first cell. What the checks share (float64, one
tolerance, calling an answer so that any error becomes a hint) is in
``nnzero.exercises._common``.
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
