"""Reading course pages: their code fences, the snippets they include, and the expanded code.

A page shows code only through pymdownx.snippets includes. Expansion goes through
pymdownx.snippets' own preprocessor, configured exactly as the site build configures it,
so what the tests see is what a reader sees.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import markdown
import yaml

from . import ROOT

FENCE_OPEN = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^`\n]*)$")
INCLUDE = re.compile(r'^[ \t]*-{1,}8<-{1,}[ \t]+"(?P<spec>[^"]+)"[ \t]*$')
SECTION_MARK = re.compile(
    r"-{1,}8<-{1,}[ \t]+\[[ \t]*(?P<kind>start|end)[ \t]*:[ \t]*(?P<name>[-_0-9a-zA-Z]+)[ \t]*\]"
)
PYTHON_LANGS = {"python", "py", "python3", "pycon"}


@dataclass
class Include:
    """One ``--8<-- "path:section"`` line of a page."""

    spec: str
    line: int

    @property
    def path(self) -> str:
        """The included file, relative to the repository root."""
        return self.spec.rsplit(":", 1)[0] if self.section else self.spec

    @property
    def section(self) -> str | None:
        """The named section, or None when the whole file is included."""
        head, _, tail = self.spec.rpartition(":")
        return tail if head and re.fullmatch(r"[a-zA-Z][-_0-9a-zA-Z]*", tail) else None


@dataclass
class Fence:
    """A fenced code block of a Markdown page, as written (includes not expanded)."""

    info: str
    line: int
    end_line: int
    indent: str
    body: list[str] = field(default_factory=list)
    includes: list[Include] = field(default_factory=list)

    @property
    def lang(self) -> str:
        """The language word of the info string (``python`` in ``python title="x"``)."""
        words = self.info.strip().lstrip(".{").split()
        return words[0].lower() if words else ""

    @property
    def is_python(self) -> bool:
        """Whether the fence shows Python code."""
        return self.lang in PYTHON_LANGS

    @property
    def inline_code(self) -> list[tuple[int, str]]:
        """Lines of the fence that are written inline rather than included: (line, text)."""
        return [
            (self.line + 1 + i, text)
            for i, text in enumerate(self.body)
            if text.strip() and not INCLUDE.match(text)
        ]


def parse_fences(text: str) -> list[Fence]:
    """Finds every fenced code block of a page, with the 1-based line of its opening fence."""
    lines = text.splitlines()
    fences: list[Fence] = []
    i = 0
    while i < len(lines):
        match = FENCE_OPEN.match(lines[i])
        if not match:
            i += 1
            continue
        marker, indent = match["fence"], match["indent"]
        fence = Fence(info=match["info"], line=i + 1, end_line=i + 1, indent=indent)
        i += 1
        while i < len(lines):
            stripped = lines[i].strip()
            if stripped.startswith(marker[0] * len(marker)) and not stripped.strip(marker[0]):
                break
            body_line = lines[i][len(indent) :] if lines[i].startswith(indent) else lines[i]
            fence.body.append(body_line)
            include = INCLUDE.match(body_line)
            if include:
                fence.includes.append(Include(include["spec"], i + 1))
            i += 1
        fence.end_line = i + 1
        fences.append(fence)
        i += 1
    return fences


def snippet_config(base_path: Path) -> dict[str, Any]:
    """mkdocs.yml's pymdownx.snippets options, read from there, with ``base_path`` as the root."""

    class Loader(yaml.SafeLoader):
        """Reads mkdocs.yml's own tags (``!relative``, ``!!python/name:``) as None."""

    Loader.add_multi_constructor("", lambda loader, suffix, node: None)
    config = yaml.load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), Loader)
    options = next(e for e in config["markdown_extensions"] if "pymdownx.snippets" in e)
    return {**options["pymdownx.snippets"], "base_path": [str(base_path)]}


class Expander:
    """Expands includes with pymdownx.snippets' own preprocessor."""

    def __init__(self, options: dict[str, Any]) -> None:
        self._md = markdown.Markdown(
            extensions=["pymdownx.snippets"], extension_configs={"pymdownx.snippets": options}
        )
        self._pre = self._md.preprocessors["snippet"]
        self.root = Path(options["base_path"][0])

    def expand(self, lines: list[str]) -> list[str]:
        """Returns the lines with every include replaced by what it includes."""
        return list(self._pre.run(list(lines)))


@dataclass
class CodeBlock:
    """A Python block as a reader sees it: the page line it sits on and its expanded code."""

    page: str
    line: int
    code: str
    includes: list[Include]
    excerpt: bool = False  # repeats lines of a listing above: shown, not run (see excerpts)

    @property
    def where(self) -> str:
        """``docs/ru/page.md:12``: where the block is written."""
        return f"{self.page}:{self.line}"


def is_library_source(includes: list[Include]) -> bool:
    """Whether a block's includes all come from the library's source, ``src/``."""
    return bool(includes) and all(i.path.startswith("src/") for i in includes)


def excerpts(root: Path, fences: list[Fence]) -> set[int]:
    """Lines of the Python fences that show a library section nested in one shown above.

    A few lines of a method, to look at closely: pasted, they would fail. They are not run
    (the listing above ran them), and their title says "excerpt".
    """
    shown: list[tuple[str, Section]] = []
    found = set()
    for fence in (f for f in fences if f.is_python):
        spans = [(i.path, s) for i in fence.includes if i.path.startswith("src/")
                 for s in sections(root / i.path) if s.name == i.section]  # fmt: skip
        if spans and all(
            any(p == q and o.start < s.start and s.end < o.end for q, o in shown) for p, s in spans
        ):
            found.add(fence.line)
        shown += spans
    return found


def python_blocks(page: str, text: str, expander: Expander) -> list[CodeBlock]:
    """The page's Python blocks, in order, with includes expanded."""
    fences = parse_fences(text)
    skipped = excerpts(expander.root, fences)
    blocks = []
    for fence in fences:
        if fence.is_python:
            code = "\n".join(expander.expand(fence.body)).strip("\n") + "\n"
            blocks.append(CodeBlock(page, fence.line, code, fence.includes, fence.line in skipped))
    return blocks


@dataclass
class Section:
    """A named section of a source file, with the 1-based lines of its markers."""

    name: str
    start: int
    end: int


def sections(path: Path) -> list[Section]:
    """The named sections of a file, in order; raises ValueError on unbalanced markers."""
    found: list[Section] = []
    open_sections: dict[str, int] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        mark = SECTION_MARK.search(line)
        if not mark:
            continue
        name = mark["name"]
        if mark["kind"] == "start":
            if name in open_sections or any(s.name == name for s in found):
                raise ValueError(f"{path}:{number}: section {name!r} starts twice")
            open_sections[name] = number
        else:
            if name not in open_sections:
                raise ValueError(f"{path}:{number}: section {name!r} ends but never started")
            found.append(Section(name, open_sections.pop(name), number))
    if open_sections:
        name, number = next(iter(open_sections.items()))
        raise ValueError(f"{path}:{number}: section {name!r} never ends")
    return sorted(found, key=lambda s: s.start)


def section_of(includes: list[Include]) -> str | None:
    """The program section a block shows (its first ``snippets/…:section`` include), if any."""
    for include in includes:
        if include.section and include.path.startswith("snippets/"):
            return include.section
    return None


def fence_keys(fences: list[Fence]) -> list[tuple[str, ...]]:
    """A key per Python fence that does not depend on line numbers.

    The key is what the fence includes, plus a counter when the same includes appear again.
    Outputs are joined to blocks by it, so front matter, moved prose or a blank line can never
    lose or misplace an output.
    """
    seen: dict[tuple[str, ...], int] = {}
    keys = []
    for fence in fences:
        base = tuple(i.spec for i in fence.includes)
        seen[base] = seen.get(base, 0) + 1
        keys.append((*base, f"#{seen[base]}"))
    return keys
