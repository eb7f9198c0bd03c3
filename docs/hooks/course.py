"""MkDocs hook of the course: run each chapter once, show its real outputs, publish its notebook.

For every page with Python blocks it
- runs the blocks in order in a fresh interpreter (cached, see coursekit/execute.py) and fails
  the build if one raises;
- puts what each block printed right under it (joined by what the block includes, never by line
  number), and publishes the figures the blocks showed, in the page's language, under
  ``figures/<program>/<section>.svg`` for the page to place;
- compares the run with the program's recorded outputs (``snippets/<program>.out``) and checks
  the numbers the prose quotes (``[[0.95]]``);
- turns the chapter page into a notebook in its language (rendered by mkdocs-jupyter, and written
  without outputs to ``<site>/colab/`` for the deploy to publish where Colab opens it);
- adds the glossary's tooltips to chapter pages.
"""

from __future__ import annotations

import logging
import os
import platform
import re
import sys
from html import escape
from importlib import metadata
from pathlib import Path
from typing import Any

import nbformat
from coursekit import (
    LANGUAGES,
    ROOT,
    alternates,
    book,
    checks,
    claims,
    glossary,
    records,
    search_index,
    theme_css,
    translations,
)
from coursekit.execute import BlockOutput, ExecutionError, Executor
from coursekit.katex import Katex
from coursekit.notebooks import (
    COLAB_BRANCH,
    COLAB_DIR,
    INSTALL,
    NotebookLabels,
    build_notebook,
    lazy_sections,
    strip_front_matter,
    theme_copy_buttons,
)
from coursekit.pages import (
    Expander,
    fence_keys,
    parse_fences,
    python_blocks,
    section_of,
    snippet_config,
)
from coursekit.purge_css import purge_page
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page

log = logging.getLogger("mkdocs.hooks.course")
H1 = re.compile(r"^# (.+)$", re.MULTILINE)
KATEX_JS = "node_modules/katex/dist/katex.min.js"  # package.json pins it; make build installs it
RECORD = os.environ.get("COURSE_RECORD") == "1"  # `make record`: rewrite the recorded outputs

_state: dict[str, Any] = {}


def _language(config: MkDocsConfig) -> str:
    return str(config.theme["language"])


def _page_path(config: MkDocsConfig, src_uri: str) -> str:
    return Path(config.docs_dir, src_uri).resolve().relative_to(ROOT).as_posix()


def versions() -> dict[str, str]:
    """The versions that produced the outputs, shown on each chapter page."""
    return {
        "python": platform.python_version(),
        "torch": metadata.version("torch").split("+")[0],
        "nnzero": metadata.version("nnzero"),
    }


def on_config(config: MkDocsConfig) -> MkDocsConfig:
    """Prepares the expander and the executor for this build."""
    _state.clear()
    _state["expander"] = Expander(snippet_config(ROOT))
    _state["executor"] = Executor(ROOT)
    _state["outputs"] = {}  # page src_uri -> {fence key: BlockOutput}
    _state["figures"] = {}  # page src_uri -> list of figure uris
    _state["notebooks"] = {}  # page src_uri -> (notebook uri, program)
    _state["colab"] = {}  # chapter stem -> the notebook Colab opens (no outputs)
    _state["records"] = {}  # `make record`: snippets/<chapter>.out -> its new text
    terms, problems = glossary.load(ROOT)
    for problem in problems:
        log.warning(problem)
    _state["terms"] = terms
    _state["katex"] = Katex(ROOT / KATEX_JS, ROOT / ".cache")
    _WARNINGS.seen.clear()
    logging.getLogger("mkdocs").addHandler(_WARNINGS)
    return config


class _Warnings(logging.Handler):
    """Keeps the build's warnings, to repeat them at its end (where strict mode aborts)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.seen: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.seen.append(record.getMessage().splitlines()[0])


_WARNINGS = _Warnings()


def on_post_build(config: MkDocsConfig) -> None:
    """Stops the formula typesetter; finishes the search index, the sitemap and the theme's CSS.

    The search index gets the figures' words and is rewritten as UTF-8; the sitemap gets each
    page's language versions; the theme's stylesheets lose the rules no page can use.
    """
    _state["katex"].close()
    colab = Path(config.site_dir) / COLAB_DIR
    colab.mkdir(parents=True, exist_ok=True)
    for stem, text in _state["colab"].items():
        (colab / f"{stem}.ipynb").write_text(text, encoding="utf-8")
    book.finish(Path(config.site_dir))  # after print-site wrote it (plugins come before hooks)
    theme_css.cut_theme_css(Path(config.site_dir))
    alternates.add_to_sitemap(
        Path(config.site_dir),
        config.site_url or "",
        alternates.roots(config.site_url or "", config.extra["alternate"]),
    )
    search_index.finish(Path(config.site_dir))
    logging.getLogger("mkdocs").removeHandler(_WARNINGS)
    if _WARNINGS.seen:
        # Strict mode ends with only a count; the reader needs what to fix, each with file:line.
        summary = "\n".join(f"  - {message}" for message in _WARNINGS.seen)
        print(f"\nThe build's {len(_WARNINGS.seen)} warning(s):\n{summary}\n", file=sys.stderr)
    if _state["records"] and _WARNINGS.seen:
        # A quoted number the new output no longer prints, say: recording would bury it.
        raise PluginError("make record: nothing recorded until the warnings above are fixed")
    for path, text in _state["records"].items():
        path.write_text(text, encoding="utf-8")
        print(f"make record: rewrote {path.relative_to(ROOT)}", file=sys.stderr)


def _program_of(text: str) -> str | None:
    """The chapter program a page includes, if any."""
    found = [i.path for f in parse_fences(text) for i in f.includes]
    return next((path for path in found if path.startswith("snippets/")), None)


def _run_page(config: MkDocsConfig, file: File) -> list[BlockOutput]:
    page = _page_path(config, file.src_uri)
    inline = checks.inline_code(page, file.content_string)
    if inline:
        log.warning(inline)
    blocks = python_blocks(page, file.content_string, _state["expander"])
    if not blocks:
        return []
    try:
        outputs: list[BlockOutput] = _state["executor"].run(page, blocks)
    except ExecutionError as error:
        raise PluginError(str(error)) from None
    return outputs


def _check_record(program: str, sections: dict[str, BlockOutput], lang: str) -> None:
    text = records.render(
        {name: out.stdout for name, out in sections.items()},
        {name: len(out.figures) for name, out in sections.items()},
    )
    path = ROOT / records.record_path(program)
    if RECORD:
        # Rewritten only when it no longer agrees: round-off and times leave it as it was.
        # Written at the end of the build, and only if the build found nothing wrong.
        if lang == LANGUAGES[0] and (
            not path.is_file() or records.first_difference(text, path.read_text("utf-8"))
        ):
            _state["records"][path] = text
        return
    problem = records.compare(ROOT, program, text)
    if problem:
        log.warning(problem)


def _add_notebook(
    config: MkDocsConfig, files: Files, file: File, outputs: dict[tuple[str, ...], BlockOutput]
) -> None:
    text = file.content_string
    program = _program_of(text)
    if not program:
        return
    stem = Path(program).stem
    title_match = H1.search(strip_front_matter(text))
    title = title_match[1].strip() if title_match else stem
    page_url = file.src_uri.removesuffix(".md") + "/"
    texts, page = config.extra["course"], (config.site_url or "") + page_url
    labels = NotebookLabels(
        lang=_language(config),
        intro=texts["notebook_intro"].format(title=title, page=page, version=versions()["nnzero"]),
        setup_comment=texts["notebook_setup"],
        exercise_note=texts["notebook_exercise"],
    )
    # A chapter that uses AutoKeras installs the library with what that needs.
    extras = "[highlevel]" if "autokeras" in (ROOT / program).read_text("utf-8") else ""
    install = INSTALL.format(version=versions()["nnzero"], extras=extras)
    common: dict[str, Any] = dict(text=text, page_url=page_url, labels=labels, install=install)
    common |= dict(site_url=config.site_url or "", expander=_state["expander"], outputs=outputs)
    served = nbformat.writes(build_notebook(**common)) + "\n"
    uri = f"notebooks/{stem}.ipynb"
    # mkdocs-jupyter reads notebooks from disk: write it to the cache (only when it changed).
    notebook_dir = ROOT / ".cache" / "notebooks" / _language(config)
    target = notebook_dir / uri
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.is_file() or target.read_text(encoding="utf-8") != served:
        target.write_text(served, encoding="utf-8")
    files.append(File(uri, str(notebook_dir), config.site_dir, config.use_directory_urls))
    _state["notebooks"][file.src_uri] = (uri, program)
    # The copy Colab opens, without outputs: written into the site (see on_post_build), and
    # published by the deploy on the branch COLAB_BRANCH. It is never kept in the repository.
    _state["colab"][stem] = nbformat.writes(build_notebook(**common, with_outputs=False)) + "\n"


@event_priority(100)  # before mkdocs-jupyter wraps the notebooks
def on_files(files: Files, config: MkDocsConfig) -> Files:
    """Runs every page's code and adds the figures and notebooks it produced."""
    _add_translation_pages(files, config)
    lang = _language(config)
    executor: Executor = _state["executor"]
    for file in list(files.documentation_pages()):
        if not file.src_uri.endswith(".md"):
            continue
        outputs = _run_page(config, file)
        if not outputs:
            continue
        page = _page_path(config, file.src_uri)
        for text in executor.untranslated.get(page, []):
            program = _program_of(file.content_string) or "snippets/<chapter>.py"
            log.warning(
                "%s:1: a figure of %s shows %r, which has no translation: add a row "
                "'%s<TAB><translation>'",
                program.removesuffix(".py") + ".figures.tsv",
                page,
                text,
                text,
            )
        fences = [f for f in parse_fences(file.content_string) if f.is_python]
        keyed = dict(zip(fence_keys(fences), outputs, strict=True))
        _state["outputs"][file.src_uri] = keyed
        by_program: dict[str, dict[str, BlockOutput]] = {}
        figures = []
        for fence, output in zip(fences, outputs, strict=True):
            section = section_of(fence.includes)
            if not section:
                continue
            program = next(i.path for i in fence.includes if i.section == section)
            by_program.setdefault(program, {})[section] = output
            stem = Path(program).stem
            for index, svgs in enumerate(output.figures, start=1):
                suffix = "" if index == 1 else f"-{index}"
                uri = f"figures/{stem}/{section}{suffix}.svg"
                files.append(File.generated(config, uri, content=svgs[lang]))
                figures.append(uri)
        _state["figures"][file.src_uri] = figures
        for program, sections in by_program.items():
            _check_record(program, sections, lang)
        _add_notebook(config, files, file, keyed)
    log.info(
        "course: executed %d page(s) [%s], reused %d from the cache [%s]",
        len(executor.executed),
        ", ".join(executor.executed),
        len(executor.reused),
        ", ".join(executor.reused),
    )
    return files


def _other_language(config: MkDocsConfig) -> str:
    lang = _language(config)
    return next(alt["lang"] for alt in config.extra["alternate"] if alt["lang"] != lang)


def _add_translation_pages(files: Files, config: MkDocsConfig) -> None:
    """Serves untranslated pages from the other language, and generates the status and glossary."""
    lang, other = _language(config), _other_language(config)
    _state["fallback"] = set()
    _state["status"] = {(s.page, s.lang): s for s in translations.statuses(ROOT)}
    own = set(files.src_uris)
    excluded = config.exclude_docs
    for page in checks.pages(ROOT, other):
        if page not in own and not (excluded and excluded.match_file(page)):
            files.append(
                File(page, str(ROOT / "docs" / other), config.site_dir, config.use_directory_urls)
            )
            _state["fallback"].add(page)
    labels = config.extra["course"]
    generated = {
        "translation-status.md": _status_page(labels, lang, excluded),
        "glossary.md": glossary.page(
            _state["terms"],
            lang,
            labels["glossary_title"],
            labels["glossary_intro"],
            labels["chapter_label"],
        ),
        "translators.md": _translators_page(labels, lang),
    }
    for uri, content in generated.items():
        files.append(File.generated(config, uri, content=content))


def _page_title(page: str, lang: str) -> str:
    source = ROOT / "docs" / lang / page
    if not source.is_file():
        source = next(ROOT / "docs" / code / page for code in LANGUAGES if code != lang)
    heading = H1.search(source.read_text(encoding="utf-8"))
    return heading[1].strip() if heading else page


def _status_page(labels: dict[str, Any], lang: str, excluded: Any = None) -> str:
    names = labels["states"]
    lines = [f"# {labels['status_title']}", "", labels["status_intro"], ""]
    header = " | ".join(labels["language_names"][code] for code in LANGUAGES)
    lines += [f"| {labels['status_page']} | {header} |", "| --- |" + " --- |" * len(LANGUAGES)]
    for page in translations.all_pages(ROOT):
        if excluded and excluded.match_file(page):
            continue
        cells = [names[_state["status"][(page, code)].state] for code in LANGUAGES]
        lines.append(f"| [{_page_title(page, lang)}]({page}) `{page}` | {' | '.join(cells)} |")
    return "\n".join(lines) + "\n"


def _translators_page(labels: dict[str, Any], lang: str) -> str:
    rows = checks.glossary(ROOT)
    head = labels["translators_columns"]
    lines = [f"# {labels['translators_title']}", "", labels["translators_intro"], ""]
    lines += ["| " + " | ".join(head) + " |", "| --- " * len(head) + "|"]
    for r in rows:
        avoid = r.get("avoid_ru", "").replace(";", ",")
        lines.append(f"| {r['en']} | {r['ru']} | {avoid} | {r.get('note', '')} |")
    return "\n".join(lines) + "\n"


def _banner(page: Page, config: MkDocsConfig) -> list[str]:
    """The "outdated" or "not translated yet" banner of a page, if it needs one."""
    src_uri = page.file.src_uri
    labels = config.extra["course"]
    lang, other = _language(config), _other_language(config)
    other_root = next(alt["link"] for alt in config.extra["alternate"] if alt["lang"] == other)
    depth = page.url.count("/")
    href = "../" * depth + other_root.removeprefix("./") + page.url
    if src_uri in _state.get("fallback", set()):
        title, text = labels["untranslated_title"], labels["untranslated_text"]
    else:
        status = _state.get("status", {}).get((src_uri, lang))
        if status is None or status.state != translations.OUTDATED:
            return []
        title, text = labels["outdated_title"], labels["outdated_text"]
    link = f'<a href="{href}" hreflang="{other}" target="_self">{labels["fresher_link"]}</a>'
    return [f'!!! warning "{title}"', f"    {text} {link}", ""]


def _output_fence(indent: str, label: str, text: str) -> list[str]:
    ticks = "````" if "```" in text else "```"
    body = [indent + line if line else line for line in text.rstrip("\n").splitlines()]
    return ["", f'{indent}{ticks}text title="{label}"', *body, f"{indent}{ticks}"]


def _check_numbers(
    page_path: str, markdown: str, outputs: dict[tuple[str, ...], BlockOutput]
) -> None:
    fences = [f for f in parse_fences(markdown) if f.is_python]
    keyed = list(zip(fences, fence_keys(fences), strict=True))

    def output_above(line: int) -> tuple[str, str] | None:
        above = [(f, k) for f, k in keyed if f.end_line < line]
        if not above:
            return None
        fence, key = above[-1]
        out = outputs.get(key)
        return (section_of(fence.includes) or f"line {fence.line}", out.stdout if out else "")

    def output_of(section: str) -> str | None:
        for fence, key in keyed:
            if section_of(fence.includes) == section and key in outputs:
                return outputs[key].stdout
        return None

    for problem in claims.marker_problems(page_path, markdown, output_above, output_of):
        log.warning(problem)


def _chapter_note(config: MkDocsConfig, page: Page) -> list[str]:
    """The box under a chapter's title: its program, its notebook (download, Colab), versions."""
    labels = config.extra["course"]
    uri, program = _state["notebooks"][page.file.src_uri]
    stem = Path(program).stem
    repo = (config.repo_url or "").rstrip("/")
    lang = _language(config)
    depth = page.url.count("/")
    download = "../" * depth + f"notebooks/{stem}/{stem}.ipynb"
    colab = (
        "https://colab.research.google.com/github/"
        + repo.removeprefix("https://github.com/")
        + f"/blob/{COLAB_BRANCH}/{lang}/{stem}.ipynb"
    )
    note = labels["notebook_note"].format(
        program=program,
        repo=repo,
        notebook_page=uri,
        download=download,
        colab=colab,
        **versions(),
    )
    return ["", '!!! info ""', *("    " + line for line in note.strip().splitlines()), ""]


def on_page_markdown(markdown: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    """Shows each block's real output under it, checks quoted numbers, links the notebook."""
    src_uri = page.file.src_uri
    page_path = _page_path(config, src_uri)
    labels = config.extra["course"]
    outputs: dict[tuple[str, ...], BlockOutput] = _state["outputs"].get(src_uri, {})
    if outputs:
        _check_numbers(page_path, markdown, outputs)
    lines = markdown.splitlines()
    fences = [f for f in parse_fences(markdown) if f.is_python]
    for fence, key in reversed(list(zip(fences, fence_keys(fences), strict=True))):
        output = outputs.get(key)
        if output and output.stdout.strip():
            lines[fence.end_line : fence.end_line] = _output_fence(
                fence.indent, labels["output_label"], output.stdout
            )
    for uri in _state["figures"].get(src_uri, []):
        if uri not in markdown:
            log.warning(
                "%s: a block draws the figure %s, but the page does not show it: "
                "add ![description](%s)",
                page_path,
                uri,
                uri,
            )
    top: list[str] = []
    banner = _banner(page, config)
    if banner:
        top += ["", *banner]
    if src_uri in _state["notebooks"]:
        top += _chapter_note(config, page)
    if top:
        for index, line in enumerate(lines):
            if line.startswith("# "):
                lines[index + 1 : index + 1] = top
                break
    text = claims.shown("\n".join(lines))
    if src_uri.startswith("ch"):
        text = glossary.mark_first_uses(text, _state["terms"], _language(config))
    return text + "\n"


def on_page_context(
    context: dict[str, Any], page: Page, config: MkDocsConfig, nav: Any
) -> dict[str, Any]:
    """Points "edit this page" at the file to change (a notebook's page, a new translation)."""
    repo = (config.repo_url or "").rstrip("/")
    for source, (uri, _program) in _state["notebooks"].items():
        if page.file.src_uri == uri:
            page.edit_url = f"{repo}/edit/main/docs/{_language(config)}/{source}"
    if page.file.src_uri in _state.get("fallback", set()):
        page.edit_url = f"{repo}/new/main/docs/{_language(config)}?filename={page.file.src_uri}"
    if page.file.generated_by and not page.file.src_uri.startswith("notebooks/"):
        page.edit_url = None
    return context


NOTEBOOK_HEADING = re.compile(r'<h([1-6]) id="[^"]*">(.*?)\s*<a id="([\w-]+)"></a>')
ANCHOR_LINK = re.compile(r'<a class="anchor-link" href="[^"]*">¶</a>')
NO_ALT = 'alt="No description has been provided for this image"'
EMBEDDED_SVG = re.compile(r'<img\b[^>]*\bsrc="data:image/svg\+xml;base64,[^"]*"[^>]*>')


FIGURE_IMG = re.compile(
    r'<img (?P<attrs>[^>]*?)src="(?P<src>[^"]*figures/[^"]+\.svg)"(?P<rest>[^>]*)>'
)
SVG_SIZE = re.compile(r'<svg[^>]*?width="(?P<w>[\d.]+)pt"[^>]*?height="(?P<h>[\d.]+)pt"')


def _sized_figures(html: str, page: Page, files: Files) -> str:
    """Figures load lazily and reserve their space: ``loading="lazy"``, width and height."""

    def size(match: re.Match[str]) -> str:
        file = files.get_file_from_path("figures/" + match["src"].split("figures/", 1)[1])
        extra = ' loading="lazy" decoding="async"'
        if file is not None:
            found = SVG_SIZE.search(file.content_string[:2000])
            if found:  # matplotlib writes points; CSS pixels are 4/3 of a point
                width, height = (round(float(found[k]) * 4 / 3) for k in ("w", "h"))
                extra += f' width="{width}" height="{height}"'
        rest = match["rest"].rstrip(" /")
        return f'<img {match["attrs"]}src="{match["src"]}"{rest}{extra} />'

    return FIGURE_IMG.sub(size, html)


# Pygments wraps every name, space, punctuation mark and operator of a code block in a span:
# over half of a chapter page's elements. Names and spaces have the code's own colour;
# punctuation and operators (`.`, `=`, `+`) take it too, as on GitHub, instead of a lighter grey.
PLAIN_TOKEN = re.compile(r'<span class="[nwpo]">([^<]*)</span>')


@event_priority(50)  # before print-site keeps each page's HTML for the book
def on_page_content(html: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    """Formulas typeset; figures lazy and sized; notebook pages without "¶" links, with alts."""
    html = PLAIN_TOKEN.sub(r"\1", html)
    notebook = any(page.file.src_uri == uri for uri, _ in _state["notebooks"].values())
    html, errors = _state["katex"].typeset(html, notebook=notebook)
    for error in errors:
        log.warning(
            "%s: KaTeX cannot typeset a formula: %s", _page_path(config, page.file.src_uri), error
        )
    if page.file.src_uri in ("translators.md", "translation-status.md"):
        page.meta["search"] = {"exclude": True}  # pages for translators, not for readers
    # One-line API signatures need no copy button (the theme would add one to each of them).
    html = html.replace(
        '<div class="language-python doc-signature highlight">',
        '<div class="language-python doc-signature highlight no-copy">',
    )
    if not notebook:
        if page.file.src_uri.startswith(("ch", "api")):
            # Search finds the prose and the docstrings; code, outputs and signatures would
            # triple the index that every page loads.
            html = html.replace(
                '<div class="language-', '<div data-search-exclude class="language-'
            )
        return _sized_figures(html, page, files)
    # The notebook repeats its chapter's text: search finds the chapter page, not both.
    page.meta["search"] = {"exclude": True}
    cells = nbformat.reads(page.file.content_string, as_version=4).cells
    alts = [
        output.get("metadata", {}).get("image/svg+xml", {}).get("alt", "")
        for cell in cells
        if cell.cell_type == "code"
        for output in cell.outputs
        if "image/svg+xml" in output.get("data", {})
    ]
    chapter = next(src for src, (uri, _) in _state["notebooks"].items() if uri == page.file.src_uri)
    published = _state["figures"].get(chapter, [])
    embedded = EMBEDDED_SVG.findall(html)
    if len(embedded) == len(published) == len(alts):
        # The notebook shows the very figures the chapter published: link them (lazily, sized)
        # instead of repeating each one inline as base64 in the page.
        up = "../" * page.url.count("/")
        for tag, uri, alt in zip(embedded, published, alts, strict=True):
            html = html.replace(tag, f'<img alt="{escape(alt)}" src="{up}{uri}" />', 1)
        html = _sized_figures(html, page, files)
    else:
        for alt in alts:
            html = html.replace(NO_ALT, f'alt="{escape(alt)}"', 1)
    # A heading's id is the site's (the notebook's `<a id>`), not one made from its text, which
    # nbconvert leaves empty for Cyrillic.
    html = NOTEBOOK_HEADING.sub(r'<h\1 id="\3">\2', html)
    return purge_page(lazy_sections(theme_copy_buttons(ANCHOR_LINK.sub("", html))))


# print-site adds its files to every page; only its print page (written apart) needs them.
PRINT_SITE = re.compile(r'<link[^>]*/print-site[-\w]*\.css">|<script [^>]*/print-site\.js">\S+')


def on_post_page(output: str, page: Page, config: MkDocsConfig) -> str:
    """No relative hreflang links in the head (see coursekit.alternates), no print-site files."""
    return PRINT_SITE.sub("", alternates.without_head_alternates(output))
