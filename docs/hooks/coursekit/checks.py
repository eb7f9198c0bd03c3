"""Static checks of the course's sources. Each returns a list of problems, one message each.

Every message starts with ``file:line`` and says what to do. ``make test`` runs them all
(tests/test_pages.py); the tests of bad changes run them on broken copies.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterator
from pathlib import Path

from . import LANGUAGES
from .claims import unproven_claims
from .pages import SECTION_MARK, Fence, parse_fences, sections

FIRST, SECOND = LANGUAGES  # every page of the one is compared with the other's
CELL = re.compile(r"^# %%")


def pages(root: Path, lang: str) -> list[str]:
    """The pages of one language, as paths relative to docs/<lang>."""
    base = root / "docs" / lang
    return sorted(p.relative_to(base).as_posix() for p in base.rglob("*.md"))


def _fences(root: Path, lang: str, page: str) -> list[Fence]:
    return parse_fences((root / "docs" / lang / page).read_text(encoding="utf-8"))


def each_page(root: Path) -> Iterator[tuple[str, str, str]]:
    """``(language, page, text)`` for every page of every language."""
    for lang in LANGUAGES:
        for page in pages(root, lang):
            yield lang, page, (root / "docs" / lang / page).read_text(encoding="utf-8")


def inline_code(page: str, text: str) -> str | None:
    """The message for Python written in ``page`` instead of included, if there is any."""
    found = [f.inline_code[0] for f in parse_fences(text) if f.is_python and f.inline_code]
    if not found:
        return None
    line, code = found[0]
    return (
        f"{page}:{line}: Python written inline ({code.strip()!r}); move it to a section of "
        'snippets/<chapter>.py and include it: --8<-- "snippets/<chapter>.py:<section>"'
    )


def missing_translations(root: Path) -> list[str]:
    """Pages that exist in one language only and are not listed as work in progress."""
    from .translations import load

    problems = []
    work_in_progress: dict[str, list[str]] = load(root)["work_in_progress"]
    first, second = set(pages(root, FIRST)), set(pages(root, SECOND))
    for lang, other, only in ((FIRST, SECOND, first - second), (SECOND, FIRST, second - first)):
        for page in sorted(only):
            if page in work_in_progress.get(other, []):
                continue
            problems.append(
                f"docs/{lang}/{page}:1: there is no docs/{other}/{page}: translate it (same file "
                f'name), or list it under "work_in_progress" → "{other}" in docs/translations.json '
                "while the translation is under way"
            )
    return problems


def include_differences(root: Path) -> list[str]:
    """Page pairs whose code includes differ in content or order: the first difference."""
    problems = []
    for page in sorted(set(pages(root, FIRST)) & set(pages(root, SECOND))):
        one, two = (
            [(inc.spec, inc.line) for f in _fences(root, lang, page) for inc in f.includes]
            for lang in LANGUAGES
        )
        problems += _first_difference(page, "include", one, two)
    return problems


def inline_python(root: Path) -> list[str]:
    """Python written inline in a page instead of included from snippets/ or src/."""
    found = (inline_code(f"docs/{lang}/{page}", text) for lang, page, text in each_page(root))
    return [problem for problem in found if problem]


def broken_includes(root: Path) -> list[str]:
    """Includes of a missing file or section."""
    problems = []
    for lang, page, text in each_page(root):
        for inc in (inc for fence in parse_fences(text) for inc in fence.includes):
            where, target = f"docs/{lang}/{page}:{inc.line}", root / inc.path
            if not target.is_file():
                problems.append(f"{where}: includes {inc.path}, which does not exist")
                continue
            try:
                names = [s.name for s in sections(target)] if inc.section else []
            except ValueError as error:
                problems.append(f"{where}: {error}")
                continue
            if inc.section and inc.section not in names:
                problems.append(
                    f"{where}: {inc.path} has no section {inc.section!r} "
                    f"(it has: {', '.join(names) or 'none'})"
                )
    return problems


def program_layout(root: Path) -> list[str]:
    """Chapter programs: code only inside sections, one section per ``# %%`` cell."""
    problems = []
    for program in sorted((root / "snippets").glob("*.py")):
        rel = program.relative_to(root).as_posix()
        try:
            found = sections(program)
        except ValueError as error:
            problems.append(str(error))
            continue
        inside = {line for s in found for line in range(s.start, s.end + 1)}
        cells_with_section: dict[int, int] = {}
        cell = 0
        for number, line in enumerate(program.read_text(encoding="utf-8").splitlines(), 1):
            if CELL.match(line):
                cell = number
                continue
            mark = SECTION_MARK.search(line)
            if mark and mark["kind"] == "start":
                if cell in cells_with_section:
                    problems.append(
                        f"{rel}:{number}: a second section in the cell that starts at line {cell}; "
                        "put '# %%' before it (one section per cell: the notebook's cells)"
                    )
                cells_with_section[cell] = number
            stripped = line.strip()
            if number not in inside and stripped and not stripped.startswith("#"):
                problems.append(
                    f"{rel}:{number}: code outside a named section; pages show only sections, "
                    "so wrap it in # --8<-- [start:name] ... # --8<-- [end:name]"
                )
    return problems


def pages_show_whole_programs(root: Path) -> list[str]:
    """A page that includes a chapter program includes every section of it, in order."""
    problems = []
    for lang, page, text in each_page(root):
        shown: dict[str, list[tuple[str, int]]] = {}
        for inc in (inc for fence in parse_fences(text) for inc in fence.includes):
            if inc.path.startswith("snippets/") and inc.section:
                shown.setdefault(inc.path, []).append((inc.section, inc.line))
        for program, included in shown.items():
            if not (root / program).is_file():
                continue
            try:
                expected = [s.name for s in sections(root / program)]
            except ValueError:
                continue
            names = [name for name, _ in included]
            if names == expected:
                continue
            where = f"docs/{lang}/{page}"
            for index, name in enumerate(expected):
                if index >= len(names) or names[index] != name:
                    line = included[index][1] if index < len(included) else included[-1][1]
                    got = names[index] if index < len(names) else "nothing"
                    problems.append(
                        f"{where}:{line}: expected section {name!r} of {program} here "
                        f"(#{index + 1} of {len(expected)}), found {got!r}: a chapter page "
                        "shows every section of its program, in order, so that its blocks run "
                        "as the program does"
                    )
                    break
            else:
                extra = included[len(expected)]
                problems.append(
                    f"{where}:{extra[1]}: section {extra[0]!r} of {program} is shown twice "
                    "or out of order"
                )
    return problems


GENERATED_PAGES = ("glossary.md", "translation-status.md", "translators.md")
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*(?:\{#([-\w]+)\})?\s*$")


def _anchors(text: str) -> set[str]:
    from pymdownx.slugs import slugify

    slug = slugify(case="lower")
    found = set()
    for _, line in prose_lines(text):
        heading = HEADING.match(line)
        if heading:
            found.add(heading[3] or slug(heading[2], "-"))
    return found


def broken_links(root: Path) -> list[str]:
    """Relative links to a page, heading or image that does not exist."""
    problems = []
    programs = {p.stem for p in (root / "snippets").glob("*.py")}
    for lang, page, text in each_page(root):
        for number, line in prose_lines(text):
            for match in re.finditer(r"!?\[[^\]]*\]\(([^)\s]+)[^)]*\)", line):
                target = match[1]
                if re.match(r"^[a-z]+:|^/|^<", target):
                    continue
                path, _, anchor = target.partition("#")
                resolved = (Path(page).parent / path).as_posix() if path else page
                where = f"docs/{lang}/{page}:{number}"
                generated = resolved in GENERATED_PAGES or (
                    resolved.startswith(("notebooks/", "figures/"))
                    and resolved.split("/")[1].split(".")[0] in programs
                )
                exists = any((root / "docs" / code / resolved).is_file() for code in LANGUAGES)
                if not (exists or generated):
                    problems.append(f"{where}: links to {target!r}, which does not exist")
                elif anchor and resolved.endswith(".md") and exists:
                    own = root / "docs" / lang / resolved
                    source = own if own.is_file() else root / "docs" / FIRST / resolved
                    if anchor not in _anchors(source.read_text(encoding="utf-8")):
                        problems.append(
                            f"{where}: links to {target!r}, but that page has no heading "
                            f"#{anchor}; give the heading an explicit anchor {{#{anchor}}}"
                        )
    return problems


API_DIRECTIVE = re.compile(r"^:::\s+([A-Za-z_][\w.]*)\s*$")


def _defined_names(body: list[ast.stmt]) -> dict[str, ast.stmt]:
    names: dict[str, ast.stmt] = {}
    for node in body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names[node.name] = node
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names.update({t.id: node for t in targets if isinstance(t, ast.Name)})
    return names


def _resolve(root: Path, dotted: str) -> str | None:
    """None if ``dotted`` names a module of src/ or something defined in one, else why not."""
    parts = dotted.split(".")
    for split in range(len(parts), 0, -1):
        base = root / "src" / Path(*parts[:split])
        module = base / "__init__.py" if base.is_dir() else base.with_suffix(".py")
        if not module.is_file():
            continue
        body = ast.parse(module.read_text(encoding="utf-8")).body
        for name in parts[split:]:
            names = _defined_names(body)
            if name not in names:
                return f"{module.relative_to(root).as_posix()} defines no {name!r}"
            node = names[name]
            body = node.body if isinstance(node, ast.ClassDef) else []
        return None
    return f"no module of src/ is called {'.'.join(parts[:1])!r}"


def api_references(root: Path) -> list[str]:
    """``::: name`` lines (mkdocstrings) that name nothing in src/."""
    return [
        f"docs/{lang}/{page}:{number}: ::: {match[1]} — {why}; "
        "check the name (module.function or module.Class.method)"
        for lang, page, text in each_page(root)
        for number, line in prose_lines(text)
        if (match := API_DIRECTIVE.match(line)) and (why := _resolve(root, match[1]))
    ]


ALL_CHECKS: tuple[Callable[[Path], list[str]], ...] = (
    missing_translations,
    include_differences,
    inline_python,
    broken_includes,
    program_layout,
    pages_show_whole_programs,
)


def run_all(root: Path) -> list[str]:
    """Every problem that every check finds."""
    return [problem for check in ALL_CHECKS for problem in check(root)]


# --- Structure of translations -------------------------------------------------------------

HEADING_ANCHOR = re.compile(r"^#{1,6} .*\{#([-\w]+)\}\s*$")
IMAGE = re.compile(r"!\[[^\]]*\]\(([^)\s]+)[^)]*\)")
LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)[^)]*\)")
ADMONITION = re.compile(r"^\s*(?:!!!|\?\?\?\+?)\s+\w+")
DISPLAY_MATH = re.compile(r"\$\$")
INLINE_MATH = re.compile(r"(?<![\\$])\$(?!\$)(?:[^$\n\\]|\\.)+?(?<![\\$])\$(?!\$)")
CODE_SPAN = re.compile(r"`[^`\n]*`")
COMMENT = re.compile(r"<!--.*?-->")


def prose_lines(text: str, claims: bool = False) -> list[tuple[int, str]]:
    """The lines outside code fences and HTML comments (claims kept if asked), code spans blank."""
    fenced = {n for f in parse_fences(text) for n in range(f.line, f.end_line + 1)}
    result = []
    in_comment = False
    for number, line in enumerate(text.splitlines(), 1):
        if number in fenced or (in_comment and "-->" not in line):
            continue
        if in_comment:
            line, in_comment = line.split("-->", 1)[1], False
        line = COMMENT.sub(
            lambda m: m[0] if claims and m[0].startswith("<!-- claim:") else "", line
        )
        if line.rfind("<!--") > line.rfind("-->"):  # a comment that goes on below
            line, in_comment = line[: line.rfind("<!--")], True
        result.append((number, CODE_SPAN.sub("``", line)))
    return result


def _features(text: str) -> dict[str, list[tuple[str, int]]]:
    found: dict[str, list[tuple[str, int]]] = {
        "formula": [],
        "admonition": [],
        "image": [],
        "link target": [],
        "heading anchor": [],
    }
    in_display = False
    for number, line in prose_lines(text):
        for _ in DISPLAY_MATH.finditer(line):
            if not in_display:
                found["formula"].append(("$$…$$", number))
            in_display = not in_display
        if not in_display:
            found["formula"] += [("$…$", number) for _ in INLINE_MATH.finditer(line)]
        if ADMONITION.match(line):
            found["admonition"].append((line.split()[1], number))
        found["image"] += [(m[1], number) for m in IMAGE.finditer(line)]
        found["link target"] += [(m[1], number) for m in LINK.finditer(line)]
        anchor = HEADING_ANCHOR.match(line)
        if anchor:
            found["heading anchor"].append((anchor[1], number))
    return found


ADVICE = {
    "formula": "both versions show the same formulas: add or remove one so that the counts match",
    "admonition": "both versions have the same notes and tips (!!! / ???), in the same order",
    "image": "both versions show the same figures, in the same order",
    "link target": "both versions link to the same pages and anchors",
    "heading anchor": "give the heading the same explicit anchor in both versions: "
    "## Title {#same-id}",
    "include": "both languages show the same code in the same order",
}


def _first_difference(
    page: str, kind: str, one: list[tuple[str, int]], two: list[tuple[str, int]]
) -> list[str]:
    """The first position where two ordered lists of features differ, as a message."""
    for index in range(max(len(one), len(two))):
        left = one[index] if index < len(one) else None
        right = two[index] if index < len(two) else None
        if left and right and left[0] == right[0]:
            continue
        if left and right:
            where = f"docs/{FIRST}/{page}:{left[1]}"
            what = (
                f"{kind} #{index + 1} is {left[0]!r} here, but {right[0]!r} in the other language"
            )
        else:
            lang, (item, line) = (FIRST, left) if left else (SECOND, right)  # type: ignore[misc]
            where = f"docs/{lang}/{page}:{line}"
            what = f"{kind} {item!r} has no counterpart in the other language"
        return [f"{where}: {what}; {ADVICE[kind]}"]
    return []


def structure_differences(root: Path) -> list[str]:
    """Page pairs that differ in formulas, admonitions, images, link targets or heading anchors."""
    problems = []
    for page in sorted(set(pages(root, FIRST)) & set(pages(root, SECOND))):
        features = {
            lang: _features((root / "docs" / lang / page).read_text(encoding="utf-8"))
            for lang in LANGUAGES
        }
        for kind, one in features[FIRST].items():
            two, advice = features[SECOND][kind], ADVICE[kind]
            if kind in {"formula"}:
                if len(one) != len(two):
                    longer, lang = (one, FIRST) if len(one) > len(two) else (two, SECOND)
                    shorter = two if lang == FIRST else one
                    line = longer[len(shorter)][1] if len(shorter) < len(longer) else 1
                    problems.append(
                        f"docs/{lang}/{page}:{line}: {len(one)} formulas in {FIRST}, "
                        f"{len(two)} in {SECOND} "
                        f"(the first extra one may be here); {advice}"
                    )
                continue
            if kind == "link target":
                one_set, two_set = sorted({t for t, _ in one}), sorted({t for t, _ in two})
                for target, line in one + two:
                    lang = FIRST if (target, line) in one else SECOND
                    other = two_set if lang == FIRST else one_set
                    if target not in other:
                        problems.append(
                            f"docs/{lang}/{page}:{line}: links to {target!r}, which the "
                            f"{SECOND if lang == FIRST else FIRST} version does not; {advice}"
                        )
                        break
                continue
            problems += _first_difference(page, kind, one, two)
    return problems


# --- Terminology ---------------------------------------------------------------------------

GLOSSARY = Path("docs") / "glossary.tsv"
ALLOW = re.compile(r"<!--\s*term-ok:\s*([^>]*?)\s*-->")


def glossary(root: Path) -> list[dict[str, str]]:
    """The term list: one dict per row of docs/glossary.tsv (en, ru, avoid_ru, note)."""
    lines = (root / GLOSSARY).read_text(encoding="utf-8").splitlines()
    header = lines[0].split("\t")
    return [dict(zip(header, line.split("\t"), strict=False)) for line in lines[1:] if line.strip()]


def avoided_terms(root: Path) -> list[str]:
    """Russian prose that uses a variant the glossary says to avoid.

    A deliberate use is allowed by ``<!-- term-ok: лосс -->`` on the same line or the line above.
    """
    variants = []
    for row in glossary(root):
        for variant in filter(None, (v.strip() for v in row.get("avoid_ru", "").split(";"))):
            pattern = re.compile(rf"(?<![\w-]){re.escape(variant)}\w*", re.IGNORECASE)
            variants.append((variant, pattern, row["ru"], row["en"]))
    problems = []
    for page in pages(root, "ru"):
        text = (root / "docs" / "ru" / page).read_text(encoding="utf-8")
        raw = text.splitlines()
        for number, line in prose_lines(text):
            allowed = " ".join(
                ALLOW.findall(raw[number - 1])
                + (ALLOW.findall(raw[number - 2]) if number > 1 else [])
            )
            for variant, pattern, preferred, english in variants:
                match = pattern.search(line)
                if match and variant.lower() not in allowed.lower():
                    problems.append(
                        f"docs/ru/{page}:{number}: «{match[0]}» — the glossary says «{preferred}» "
                        f"({english}); to keep it deliberately, add <!-- term-ok: {variant} --> "
                        "at the end of the line"
                    )
    return problems


def library_sections_shown(root: Path) -> list[str]:
    """Section markers in the library's source only where a page shows them."""
    shown = {
        (inc.path, inc.section)
        for _, _, text in each_page(root)
        for fence in parse_fences(text)
        for inc in fence.includes
    }
    problems = []
    for path in sorted((root / "src").rglob("*.py")):
        relative = path.relative_to(root).as_posix()
        try:
            found = sections(path)
        except ValueError as error:
            problems.append(str(error))
            continue
        for section in found:
            if (relative, section.name) not in shown:
                problems.append(
                    f"{relative}:{section.start}: no page shows the section {section.name!r}: "
                    "include it in a page, or remove its markers"
                )
    return problems


REMOTE = re.compile(
    r"""(?:<(?:script|img|iframe|link|source|video|audio)\b[^>]*?(?:src|href)\s*=\s*["']|"""
    r"""!\[[^\]]*\]\(|@import\s+["']?|url\(\s*["']?)(?P<url>(?:https?:)?//[^"')\s>]+)"""
)


def third_party_in_sources(root: Path) -> list[str]:
    """A page that would make the reader's browser load something from another host."""
    return [
        f"docs/{lang}/{page}:{number}: loads {match['url']} from a third-party "
        "host; put the file under docs/overrides/assets/ and use it from there"
        for lang, page, text in each_page(root)
        for number, line in prose_lines(text)
        for match in REMOTE.finditer(line)
    ]


def glossary_terms(root: Path) -> list[str]:
    """The learners' glossary: well formed, used where defined, linked where used earlier."""
    from .glossary import problems

    return problems(root)


ALL_CHECKS = (
    *ALL_CHECKS,
    structure_differences,
    avoided_terms,
    api_references,
    broken_links,
    unproven_claims,  # every claim of a page has a test, and every claim test a page
    glossary_terms,
    library_sections_shown,
    third_party_in_sources,
)


def main() -> int:
    """``python -m coursekit.checks``: prints every problem; exits 1 if there is any."""
    problems = run_all(Path.cwd())
    for problem in problems:
        print(problem)
    print(f"{len(problems)} problem(s) found" if problems else "sources: all checks pass")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
