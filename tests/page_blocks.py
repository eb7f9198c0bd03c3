"""pytest-codeblocks over the pages as readers see them: includes expanded, blocks run in order.

pytest-codeblocks reads a page's code blocks and its markers (``<!--pytest.mark.skip-->``,
``<!--pytest-codeblocks:expected-output-->`` ...), but it reads the raw Markdown, where a
block holds only an ``--8<--`` line. Here each page is first expanded with pymdownx.snippets'
own preprocessor, then handed to pytest-codeblocks. The blocks of a page, the library's
listings included, run in order in one fresh interpreter — what a reader gets by pasting them
one after another (only an excerpt, titled so, is not run again: see ``pages.excerpts``) —
through the build's executor and cache, so a chapter that the build already ran is not run
again.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path
from typing import Any

import pytest
from coursekit import LANGUAGES, ROOT
from coursekit.execute import BlockOutput, ExecutionError, Executor
from coursekit.pages import PYTHON_LANGS, CodeBlock, Expander, python_blocks, snippet_config
from pytest_codeblocks.main import extract_from_buffer
from pytest_codeblocks.plugin import TestBlock

_runs: dict[str, tuple[list[BlockOutput], ExecutionError | None]] = {}


def _is_page(path: Path) -> bool:
    return path.suffix == ".md" and any(
        path.resolve().is_relative_to(ROOT / "docs" / lang) for lang in LANGUAGES
    )


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    """Collects every page of docs/ru and docs/en."""
    if _is_page(file_path):
        return ExpandedPage.from_parent(parent, path=file_path)
    return None


class ExpandedPage(pytest.File):
    """A page, includes expanded, whose Python blocks pytest-codeblocks reads."""

    def collect(self) -> Any:
        """Yields one pytest-codeblocks item per Python block."""
        expander = Expander(snippet_config(ROOT))
        text = self.path.read_text(encoding="utf-8")
        page = self.path.resolve().relative_to(ROOT).as_posix()
        blocks = python_blocks(page, text, expander)
        expanded = "\n".join(expander.expand(text.splitlines())) + "\n"
        seen = [
            b
            for b in extract_from_buffer(io.StringIO(expanded))
            if (b.syntax or "").split(" ")[0].lower() in PYTHON_LANGS
        ]
        if len(seen) != len(blocks):
            raise pytest.UsageError(f"{page}: pytest-codeblocks and the site see different blocks")
        for index, (block, parsed) in enumerate(zip(blocks, seen, strict=True)):
            item = PageBlock.from_parent(self, name=f"line {block.line}", obj=parsed)
            item.page_blocks = blocks
            item.index = index
            for mark in parsed.marks:
                item.add_marker(eval(mark, {"sys": sys, "pytest": pytest}))
            yield item


class PageBlock(TestBlock):
    """One block of a page; the page's blocks run together, once."""

    page_blocks: list[CodeBlock]
    index: int

    def runtest(self) -> None:
        """Fails if this block raised, or printed other than its expected output."""
        page = self.page_blocks[0].page
        if page not in _runs:
            try:
                _runs[page] = (Executor(ROOT).run(page, self.page_blocks), None)
            except ExecutionError as raised:
                _runs[page] = (raised.outputs, raised)
        outputs, error = _runs[page]
        if error is not None and error.index == self.index:
            raise RuntimeError(str(error))
        if error is not None and error.index < self.index:
            pytest.skip(
                f"an earlier block of {page} failed (line {self.page_blocks[error.index].line})"
            )
        expected = self.obj.expected_output
        if expected is not None and outputs[self.index].stdout != expected:
            raise RuntimeError(
                f"{self.page_blocks[self.index].where}: expected output\n{expected}\n"
                f"but the block printed\n{outputs[self.index].stdout}"
            )

    def reportinfo(self) -> tuple[Path, int, str]:
        """Where the block is, for pytest's report."""
        return (
            self.path,
            self.page_blocks[self.index].line - 1,
            "code block (run as a reader would)",
        )
