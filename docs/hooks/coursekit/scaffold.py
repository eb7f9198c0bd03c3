"""``make new-chapter N=16 SLUG=slug``: writes every file a new chapter needs, ready to build.

The program has its imports, one section and an exercise; both pages have the title, the summary
and the exercises; the record, glossary, figure texts, exercise check, tests and nav entries
exist. So the chapter passes the checks as written, and the author replaces the placeholders.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from .records import record_path, render

FILES = {
    "snippets/{name}.py": """\
# Chapter {n}. {title}
# Run from the repository root: python snippets/{name}.py

# %%
# --8<-- [start:imports]
import torch

torch.set_default_dtype(torch.float64)  # double precision everywhere
torch.manual_seed(0)
# --8<-- [end:imports]

# %%
# --8<-- [start:first_step]
print("chapter {n}:", torch.ones(2).sum().item())
# --8<-- [end:first_step]

# %%
# --8<-- [start:exercise_1]
from nnzero.exercises.ch{nn} import check_1


def double(x):
    return 2 * x


check_1(double)
# --8<-- [end:exercise_1]
""",
    "snippets/{name}.figures.tsv": "en\tru\n",
    "docs/glossary/{name}.yml": "# The terms this chapter introduces; see CHAPTERS.md.\n[]\n",
    "src/nnzero/exercises/ch{nn}.py": '''\
"""Checks for the exercises of chapter {n}."""

from __future__ import annotations

from collections.abc import Callable

import torch

from nnzero.exercises._common import F64, call, close, judge


def check_1(double: Callable[[torch.Tensor], torch.Tensor]) -> None:
    """Checks a function that doubles a tensor.

    Args:
        double: Maps a tensor to twice that tensor.
    """
    x = torch.arange(3, dtype=F64)
    ok = close(call(1, double, x), 2 * x)
    judge(1, None if ok else {{"ru": "умножьте вход на 2", "en": "multiply the input by 2"}})
''',
    "tests/test_{name}.py": '''\
"""Chapter {n}: the page's claims about its own run, and the checks of its exercises."""

import pytest
import torch

from nnzero.exercises import ExerciseError, hints_in
from nnzero.exercises.ch{nn} import check_1


def test_exercise_1_accepts_the_solution() -> None:
    check_1(lambda x: 2 * x)


@pytest.mark.parametrize(("lang", "hint"), [("ru", "умножьте"), ("en", "multiply")])
def test_exercise_1_hints_in_both_languages(lang: str, hint: str) -> None:
    with hints_in(lang), pytest.raises(ExerciseError, match=hint):
        check_1(torch.neg)
''',
}
PAGE = """\
# {chapter} {n}. {title}

{intro}

```python
--8<-- "snippets/{name}.py:imports"
```

## {first} {{#first-step}}

```python
--8<-- "snippets/{name}.py:first_step"
```

## {summary} {{#summary}}

{todo}

## {exercises} {{#exercises}}

### 1. {double} {{#exercise-1}}

{task}

??? success "{solution}"

    ```python
    --8<-- "snippets/{name}.py:exercise_1"
    ```
"""
WORDS = {
    "ru": dict(
        chapter="Глава",
        intro="О чём эта глава.",
        first="Первый шаг",
        summary="Итоги",
        todo="Что читатель теперь умеет.",
        exercises="Упражнения",
        double="Удвоение",
        task="Напишите функцию, которая удваивает тензор.",
        solution="Решение",
    ),
    "en": dict(
        chapter="Chapter",
        intro="What this chapter is about.",
        first="A first step",
        summary="Summary",
        todo="What the reader can do now.",
        exercises="Exercises",
        double="Doubling",
        task="Write a function that doubles a tensor.",
        solution="Solution",
    ),
}
CHAPTER_NAV = re.compile(r"^(\s+- )ch\d\d_\w+\.md$", re.MULTILINE)
EXERCISE_TESTS = "tests/test_exercise_checks.py"  # every check against at least two wrong answers
WRONG = """# chapter {n}


@wrong("ch{nn}", 1, "умножьте вход на 2", "multiply the input by 2")
def ch{nn}_negated(x):
    return -x


@wrong("ch{nn}", 1, "умножьте вход на 2", "multiply the input by 2")
def ch{nn}_squared(x):
    return x * x


"""


def scaffold(root: Path, number: int, slug: str) -> list[str]:
    """Writes the new chapter under ``root``; returns the paths written, relative to it."""
    if not re.fullmatch(r"[a-z][a-z0-9_]*", slug) or not 1 <= number <= 99:
        raise ValueError("N is a number from 1 to 99, SLUG lower_snake_case")
    values = dict(n=number, nn=f"{number:02d}", name=f"ch{number:02d}_{slug}", title="Title")
    texts = {path.format(**values): text.format(**values) for path, text in FILES.items()}
    for lang, words in WORDS.items():
        texts[f"docs/{lang}/{values['name']}.md"] = PAGE.format(**values, **words)
    texts[record_path(f"snippets/{values['name']}.py")] = render(
        {
            "imports": "",
            "first_step": f"chapter {number}: 2.0\n",
            "exercise_1": "✓ exercise 1: correct\n",
        },
        {},
    )
    clash = [path for path in texts if (root / path).exists()]
    if clash:
        raise FileExistsError(f"{clash[0]} exists already: choose another N or SLUG")
    for path, text in texts.items():
        (root / path).write_text(text, encoding="utf-8")
    for config in ("mkdocs.yml", "mkdocs.en.yml"):
        text = (root / config).read_text(encoding="utf-8")
        last = list(CHAPTER_NAV.finditer(text))[-1]
        entry = f"\n{last[1]}{values['name']}.md"
        (root / config).write_text(text[: last.end()] + entry + text[last.end() :], "utf-8")
    tests = (root / EXERCISE_TESTS).read_text(encoding="utf-8")
    tests = tests.replace("\n}\n", f'\n    ("ch{values["nn"]}", 1): ("double",),\n}}\n', 1)
    at = tests.index('@pytest.mark.parametrize(("chapter", "number", "answer"')
    (root / EXERCISE_TESTS).write_text(tests[:at] + WRONG.format(**values) + tests[at:], "utf-8")
    return [*texts, "mkdocs.yml", "mkdocs.en.yml", EXERCISE_TESTS]


def main(argv: list[str]) -> int:
    """``python -m coursekit.scaffold N SLUG`` from the repository root."""
    try:
        written = scaffold(Path.cwd(), int(argv[0]), argv[1])
    except (IndexError, ValueError, FileExistsError) as error:
        print(f"make new-chapter N=16 SLUG=some_slug: {error}", file=sys.stderr)
        return 2
    print("\n".join(["written:", *written, "next: CHAPTERS.md; make build"]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
