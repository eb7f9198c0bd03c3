"""The tests of a page's claims: ``@claim("<page stem>", "<id>")`` and the page's run.

A sentence marked ``<!-- claim: id -->`` (see ``coursekit.claims``) is proven by a test decorated
with ``@claim``; the test receives the page's run (from the build's cache when fresh).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable

from coursekit import LANGUAGES, ROOT
from coursekit.claims import PRINTED, claim_ids
from coursekit.execute import Executor
from coursekit.pages import Expander, python_blocks, section_of, snippet_config


class Run:
    """A page's run, by section: what the chapter's tests assert claims against."""

    def __init__(self, outputs: dict[str, str], figures: dict[str, int]) -> None:
        self._outputs = outputs
        self._figures = figures

    def output(self, section: str) -> str:
        """What the section printed."""
        if section not in self._outputs:
            raise KeyError(f"the page shows no section {section!r}: {sorted(self._outputs)}")
        return self._outputs[section]

    def numbers(self, section: str) -> list[float]:
        """Every number the section printed, in order."""
        return [float(t) for t in PRINTED.findall(self.output(section))]

    def figures(self, section: str) -> int:
        """How many figures the section showed."""
        self.output(section)
        return self._figures.get(section, 0)


@functools.cache
def page_run(stem: str) -> Run:
    """The run of ``docs/<first language>/<stem>.md`` (from the build's cache when fresh)."""
    page = f"docs/{LANGUAGES[0]}/{stem}.md"
    text = (ROOT / page).read_text(encoding="utf-8")
    blocks = python_blocks(page, text, Expander(snippet_config(ROOT)))
    outputs = Executor(ROOT).run(page, blocks)
    by_section: dict[str, str] = {}
    figures: dict[str, int] = {}
    for block, output in zip(blocks, outputs, strict=True):
        name = section_of(block.includes)
        if name:
            by_section[name] = output.stdout
            figures[name] = len(output.figures)
    return Run(by_section, figures)


def where(stem: str, claim_id: str) -> str:
    """``docs/ru/x.md:12, docs/en/x.md:14``: the lines that make a claim."""
    places = []
    for lang in LANGUAGES:
        path = ROOT / "docs" / lang / f"{stem}.md"
        line = claim_ids(path.read_text(encoding="utf-8")).get(claim_id) if path.is_file() else None
        places.append(
            f"docs/{lang}/{stem}.md:{line}" if line else f"docs/{lang}/{stem}.md (missing!)"
        )
    return ", ".join(places)


def claim(stem: str, claim_id: str) -> Callable[[Callable[[Run], None]], Callable[[], None]]:
    """Marks a test as the proof of a claim of page ``stem``; it receives the page's Run."""

    def decorate(test: Callable[[Run], None]) -> Callable[[], None]:
        @functools.wraps(test)
        def wrapper() -> None:
            try:
                test(page_run(stem))
            except AssertionError as error:
                raise AssertionError(
                    f"{where(stem, claim_id)}: the claim {claim_id!r} no longer holds for the "
                    f"page's run: {error}"
                ) from None

        wrapper.__signature__ = inspect.Signature()  # type: ignore[attr-defined]
        return wrapper

    return decorate
