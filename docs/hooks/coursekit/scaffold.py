"""``make new-chapter N=16 SLUG=slug``: writes every file a new chapter needs, ready to build.

The files come from ``.github/chapter-template/``: each ``*.tmpl`` there is written to the same
path without the suffix, with ``{n}`` (16), ``{nn}`` (16, two digits), ``{name}``
(``ch16_slug``) and ``{title}`` filled in (``{{`` and ``}}`` stand for braces). The program has
its imports, one section and an exercise; both pages have the title, the summary and the
exercises; the record, nav entries and the exercise check's wrong answers are added here. So
the chapter passes the checks as written, and the author replaces the placeholders.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from .records import record_path, render

TEMPLATE = Path(".github") / "chapter-template"
WRONG_ANSWERS = "wrong-answers.py.tmpl"  # inserted into EXERCISE_TESTS, not written as a file
EXERCISE_TESTS = "tests/test_exercise_checks.py"  # every check against at least two wrong answers
CHAPTER_NAV = re.compile(r"^(\s+- )ch\d\d_\w+\.md$", re.MULTILINE)


def scaffold(root: Path, number: int, slug: str) -> list[str]:
    """Writes the new chapter under ``root``; returns the paths written, relative to it."""
    if not re.fullmatch(r"[a-z][a-z0-9_]*", slug) or not 1 <= number <= 99:
        raise ValueError("N is a number from 1 to 99, SLUG lower_snake_case")
    values = dict(n=number, nn=f"{number:02d}", name=f"ch{number:02d}_{slug}", title="Title")
    templates = {
        source.relative_to(root / TEMPLATE).as_posix(): source.read_text(encoding="utf-8")
        for source in sorted((root / TEMPLATE).rglob("*.tmpl"))
    }
    wrong = templates.pop(WRONG_ANSWERS).format(**values)
    texts = {
        path.removesuffix(".tmpl").format(**values): text.format(**values)
        for path, text in templates.items()
    }
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
    (root / EXERCISE_TESTS).write_text(tests[:at] + wrong + tests[at:], "utf-8")
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
