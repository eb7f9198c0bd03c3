"""The test every chapter's exercise checks share: a wrong answer is refused with its hint in each
language the hints are written in."""

import re
from collections.abc import Callable, Sequence
from typing import Any

import pytest

from nnzero.exercises import ExerciseError, hints_in


def wrong_answers_get_hints(cases: Sequence[tuple[Callable[..., Any], Any, str, str]]):
    """A test over rows ``(check, answer, ru_hint, en_hint)``; a tuple answer is passed as several
    arguments. Each hint is matched literally, in its language."""

    @pytest.mark.parametrize(
        ("check", "answer", "ru", "en"), cases, ids=lambda v: getattr(v, "__name__", None)
    )
    def test(check: Callable[..., Any], answer: Any, ru: str, en: str) -> None:
        args = answer if isinstance(answer, tuple) else (answer,)
        for lang, hint in (("ru", ru), ("en", en)):
            with hints_in(lang), pytest.raises(ExerciseError, match=re.escape(hint)):
                check(*args)

    return test
