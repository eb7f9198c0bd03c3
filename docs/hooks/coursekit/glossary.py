"""The learners' glossary: ``docs/glossary/<chapter>.yml`` lists the terms each chapter defines.

From these files come the glossary page of each language (definition and a link to the section
that introduces the term), the tooltips of chapter pages (on Russian pages with the English
term too) and the checks: every term is used where it is defined, and a chapter that uses a
term before the chapter defining it links to the definition. ``docs/glossary.tsv`` stays the
translators' sheet (variants to avoid), shown on a page of its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from . import LANGUAGES
from .checks import glossary as translators_sheet
from .checks import prose_lines
from .pages import parse_fences

GLOSSARY_DIR = Path("docs") / "glossary"
REQUIRED = ("en", "ru", "anchor", "def_en", "def_ru")
CHAPTER = re.compile(r"^ch(\d+)_")
LINK = re.compile(r"\[[^\]]*\]\([^)]*\)")


@dataclass
class Term:
    """One term of the glossary."""

    chapter: str  # page stem, e.g. "ch03_gradients"
    line: int  # line of the entry in its .yml
    names: dict[str, str]  # lang -> the term
    definitions: dict[str, str]  # lang -> one or two sentences
    anchor: str
    forms: dict[str, list[str]] = field(default_factory=dict)

    @property
    def slug(self) -> str:
        """The term's anchor on the glossary page, the same in every language."""
        return re.sub(r"[^a-z0-9]+", "-", self.names["en"].lower()).strip("-")

    @property
    def source(self) -> str:
        """``docs/glossary/<chapter>.yml:<line>``."""
        return f"{GLOSSARY_DIR.as_posix()}/{self.chapter}.yml:{self.line}"

    def spellings(self, lang: str) -> list[str]:
        """Every way the term is written in ``lang``, capitalised forms included."""
        base = [self.names[lang], *self.forms.get(lang, [])]
        result: list[str] = []
        for word in base:
            for variant in (word, word[:1].upper() + word[1:]):
                if variant not in result:
                    result.append(variant)
        return result


def chapter_number(stem: str) -> int:
    """2 for ``ch02_neuron``; a large number for pages that are not chapters."""
    match = CHAPTER.match(stem)
    return int(match[1]) if match else 10**6


def _entry_lines(text: str) -> list[int]:
    return [n for n, line in enumerate(text.splitlines(), 1) if line.startswith("- ")]


def load(root: Path) -> tuple[list[Term], list[str]]:
    """Every term, in chapter order, and the problems found while reading the files."""
    terms, problems = [], []
    for path in sorted((root / GLOSSARY_DIR).glob("*.yml"), key=lambda p: chapter_number(p.stem)):
        text = path.read_text(encoding="utf-8")
        where = f"{GLOSSARY_DIR.as_posix()}/{path.name}"
        try:
            entries = yaml.safe_load(text) or []
        except yaml.YAMLError as error:
            problems.append(f"{where}:1: not valid YAML: {error}")
            continue
        lines = _entry_lines(text)
        for index, entry in enumerate(entries):
            line = lines[index] if index < len(lines) else 1
            missing = [key for key in REQUIRED if not (entry or {}).get(key)]
            if missing:
                problems.append(f"{where}:{line}: the term lacks {', '.join(missing)}")
                continue
            terms.append(
                Term(
                    chapter=path.stem,
                    line=line,
                    names={lang: str(entry[lang]) for lang in LANGUAGES},
                    definitions={lang: str(entry[f"def_{lang}"]).strip() for lang in LANGUAGES},
                    anchor=str(entry["anchor"]),
                    forms={
                        lang: [str(f) for f in entry.get(f"forms_{lang}") or []]
                        for lang in LANGUAGES
                    },
                )
            )
    return terms, problems


def tooltip(term: Term, lang: str) -> str:
    """The text of a term's tooltip: its definition (after the English term, on other pages)."""
    text = " ".join(term.definitions[lang].split())
    return f"{term.names['en']} — {text}" if lang != "en" else text


UNTOUCHABLE = re.compile(  # code, math (display math spans lines), links, tags, [[…]], bold
    r"`[^`\n]*`|\$\$?[^$]*\$\$?|!?\[[^\]\n]*\]\([^)\n]*\)|<[^>\n]+>|\[\[[^\]\n]*\]\]|\*\*[^*\n]+\*\*"
)
NOT_PROSE = re.compile(r"^\s*(#|!!!|\?\?\?|===|\||<|\*\[|--8<--|!\[)")
NOT_A_TERM = "<!-- not a term -->"  # right after a word: this occurrence gets no tooltip


def mark_first_uses(markdown: str, terms: list[Term], lang: str) -> str:
    """Gives the first use of each term on a page a tooltip with its definition.

    Only the first use, in prose (not in headings, code, math, links or bold definitions), so
    that the page stays readable; Material's ``content.tooltips`` shows the ``<abbr>``'s title.
    At each place the longest term wins («батч-нормализация», not «батч»), and the words of a
    term never get a tooltip of their own; ``word<!-- not a term -->`` marks a word used in
    another sense.
    """
    by_spelling: dict[str, Term] = {}
    for term in terms:
        for spelling in term.spellings(lang):
            by_spelling.setdefault(spelling, term)
    if not by_spelling:
        return markdown
    # One alternation, longest spelling first: at each position the longest term matches.
    alternatives = "|".join(re.escape(s) for s in sorted(by_spelling, key=len, reverse=True))
    pattern = re.compile(rf"(?<![\w-])(?:{alternatives})(?![\w-])")
    fenced = {n for f in parse_fences(markdown) for n in range(f.line, f.end_line + 1)}
    lines = markdown.split("\n")
    prose = "\n".join(
        "\0" * len(line) if n in fenced or NOT_PROSE.match(line) else line
        for n, line in enumerate(lines, 1)
    )
    masked = UNTOUCHABLE.sub(lambda m: "\0" * len(m[0]), prose)  # no match reaches into them
    chosen, marked = [], set()
    for match in pattern.finditer(masked):
        term = by_spelling[match[0]]
        if not markdown.startswith(NOT_A_TERM, match.end()) and term.slug not in marked:
            marked.add(term.slug)
            chosen.append((match, term))
    for match, term in reversed(chosen):
        title = tooltip(term, lang).replace("&", "&amp;").replace('"', "&quot;")
        abbr = f'<abbr title="{title}">{match[0]}</abbr>'
        markdown = markdown[: match.start()] + abbr + markdown[match.end() :]
    return markdown.replace(NOT_A_TERM, "")


def page(terms: list[Term], lang: str, title: str, intro: str, chapter_label: str) -> str:
    """The glossary page of one language, alphabetical, each term linking to its section."""
    lines = [f"# {title}", "", intro, ""]

    def order(term: Term) -> tuple[bool, str]:  # the page's own alphabet first
        name = term.names[lang].lower()
        return (lang != "en" and name[:1].isascii(), name)

    for term in sorted(terms, key=order):
        name = term.names[lang]
        extra = f" ({term.names['en']})" if name != term.names["en"] else ""
        number = chapter_number(term.chapter)
        link = f"[{chapter_label.format(number=number)}]({term.chapter}.md#{term.anchor})"
        lines += [
            f'<span id="{term.slug}"></span>**{name}**{extra}',
            f":   {term.definitions[lang]} {link}",
            "",
        ]
    return "\n".join(lines) + "\n"


def _headings(text: str) -> set[str]:
    return set(re.findall(r"^#{1,6} .*\{#([-\w]+)\}\s*$", text, re.MULTILINE))


def problems(root: Path) -> list[str]:
    """Terms that are malformed, unused where they are defined, or used before it unlinked."""
    terms, found = load(root)
    sheet = {row["en"]: row for row in translators_sheet(root)}
    seen: dict[str, Term] = {}
    for term in terms:
        if term.slug in seen:
            found.append(
                f"{term.source}: {term.names['en']!r} is also defined in {seen[term.slug].source}"
            )
        seen[term.slug] = term
        row = sheet.get(term.names["en"])
        if row and row["ru"] != term.names["ru"]:
            found.append(
                f"{term.source}: ru is {term.names['ru']!r}, but docs/glossary.tsv says "
                f"{row['ru']!r} for {term.names['en']!r}: use one of them in both"
            )
        for lang in LANGUAGES:
            path = root / "docs" / lang / f"{term.chapter}.md"
            if not path.is_file():
                found.append(f"{term.source}: there is no docs/{lang}/{term.chapter}.md")
                continue
            text = path.read_text(encoding="utf-8")
            if term.anchor not in _headings(text):
                found.append(
                    f"{term.source}: docs/{lang}/{term.chapter}.md has no heading "
                    f"{{#{term.anchor}}}"
                )
            prose = "\n".join(line for _, line in prose_lines(text))
            if not any(_pattern(s).search(prose) for s in term.spellings(lang)):
                found.append(
                    f"{term.source}: docs/{lang}/{term.chapter}.md never uses "
                    f"{term.names[lang]!r} (or a form listed in forms_{lang}); the glossary "
                    "lists only terms the course uses"
                )
    found += _used_before_defined(root, terms)
    return found


def _pattern(spelling: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w-]){re.escape(spelling)}(?![\w-])")


def _used_before_defined(root: Path, terms: list[Term]) -> list[str]:
    """The first mention of a term in a chapter before the one defining it must be a link."""
    found = []
    for lang in LANGUAGES:
        for path in sorted((root / "docs" / lang).glob("ch*.md")):
            number = chapter_number(path.stem)
            text = re.sub(rf"[\w-]+{NOT_A_TERM}", "", path.read_text(encoding="utf-8"))
            lines = prose_lines(text)  # a word marked "not a term" needs no link
            for term in terms:
                if chapter_number(term.chapter) <= number:
                    continue
                patterns = [_pattern(s) for s in term.spellings(lang)]
                for line_number, line in lines:
                    if not any(p.search(line) for p in patterns):
                        continue
                    unlinked = LINK.sub("", line)
                    if any(p.search(unlinked) for p in patterns):
                        found.append(
                            f"docs/{lang}/{path.name}:{line_number}: first mentions "
                            f"«{term.names[lang]}» before chapter {chapter_number(term.chapter)} "
                            f"defines it: define it here, or make this mention a link: "
                            f"[{term.names[lang]}]({term.chapter}.md#{term.anchor})"
                        )
                    break
    return found
