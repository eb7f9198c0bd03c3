"""MkDocs hook of the course: run each chapter once, show its real outputs, publish its notebook.

For every page with Python blocks it
- runs the blocks in order in a fresh interpreter (cached, see coursekit/execute.py) and fails
  the build if one raises;
- puts what each block printed right under it, and publishes the figures the blocks showed
  under ``figures/<program>/<section>.svg`` for the page to place;
- turns the chapter program into an executed notebook page (rendered by mkdocs-jupyter).
"""

from __future__ import annotations

import logging
import posixpath
import re
from pathlib import Path
from typing import Any

import nbformat
from coursekit import checks, translations
from coursekit.execute import BlockOutput, ExecutionError, Executor
from coursekit.notebooks import build_notebook
from coursekit.pages import Expander, parse_fences, python_blocks, snippet_config
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page

log = logging.getLogger("mkdocs.hooks.course")
ROOT = Path(__file__).resolve().parents[2]
H1 = re.compile(r"^# (.+)$", re.MULTILINE)

_state: dict[str, Any] = {}


def _language(config: MkDocsConfig) -> str:
    return str(config.theme["language"])


def _page_path(config: MkDocsConfig, src_uri: str) -> str:
    return Path(config.docs_dir, src_uri).resolve().relative_to(ROOT).as_posix()


def on_config(config: MkDocsConfig) -> MkDocsConfig:
    """Prepares the expander and the executor for this build."""
    _state.clear()
    _state["expander"] = Expander(snippet_config(ROOT))
    _state["executor"] = Executor(ROOT)
    _state["outputs"] = {}  # page src_uri -> list of (fence line, BlockOutput)
    _state["figures"] = {}  # page src_uri -> list of figure uris
    _state["notebooks"] = {}  # page src_uri -> notebook uri
    return config


def _warn_inline_python(page: str, text: str) -> None:
    for fence in parse_fences(text):
        if fence.is_python and fence.inline_code:
            line, code = fence.inline_code[0]
            log.warning(
                "%s:%d: Python written inline (%r): show code only through an include "
                'like --8<-- "snippets/<chapter>.py:<section>"',
                page,
                line,
                code.strip(),
            )


def _run_page(config: MkDocsConfig, file: File) -> list[BlockOutput]:
    page = _page_path(config, file.src_uri)
    _warn_inline_python(page, file.content_string)
    blocks = python_blocks(page, file.content_string, _state["expander"])
    if not blocks:
        return []
    try:
        return _state["executor"].run(page, blocks)
    except ExecutionError as error:
        raise PluginError(str(error)) from None


@event_priority(100)  # before mkdocs-jupyter wraps the notebooks
def on_files(files: Files, config: MkDocsConfig) -> Files:
    """Runs every page's code and adds the figures and notebooks it produced."""
    labels = config.extra["course"]
    _add_translation_pages(files, config)
    notebook_dir = ROOT / ".cache" / "notebooks" / _language(config)
    for file in list(files.documentation_pages()):
        if not file.src_uri.endswith(".md"):
            continue
        outputs = _run_page(config, file)
        if not outputs:
            continue
        text = file.content_string
        fences = [f for f in parse_fences(text) if f.is_python]
        _state["outputs"][file.src_uri] = list(zip((f.line for f in fences), outputs, strict=True))
        by_section: dict[str, dict[str, BlockOutput]] = {}
        figures = []
        for fence, output in zip(fences, outputs, strict=True):
            for include in fence.includes:
                if include.section and include.path.startswith("snippets/"):
                    by_section.setdefault(include.path, {})[include.section] = output
                    stem = Path(include.path).stem
                    for index, svg in enumerate(output.figures, start=1):
                        suffix = "" if index == 1 else f"-{index}"
                        uri = f"figures/{stem}/{include.section}{suffix}.svg"
                        files.append(File.generated(config, uri, content=svg))
                        figures.append(uri)
        _state["figures"][file.src_uri] = figures
        title_match = H1.search(text)
        title = title_match[1].strip() if title_match else file.src_uri
        for program, section_outputs in by_section.items():
            stem = Path(program).stem
            uri = f"notebooks/{stem}.ipynb"
            page_url = posixpath.relpath(file.src_uri[:-3] + "/", f"notebooks/{stem}/")
            try:
                notebook = build_notebook(
                    ROOT / program,
                    section_outputs,
                    labels["notebook_title"].format(title=title),
                    labels["notebook_intro"].format(
                        program=program, repo=config.repo_url, title=title, page=page_url
                    ),
                )
            except ValueError as error:
                page = _page_path(config, file.src_uri)
                raise PluginError(f"{page}: {error} (run `make lint` for the exact line)") from None
            target = notebook_dir / uri
            target.parent.mkdir(parents=True, exist_ok=True)
            text_nb = nbformat.writes(notebook) + "\n"
            if not target.is_file() or target.read_text(encoding="utf-8") != text_nb:
                target.write_text(text_nb, encoding="utf-8")
            files.append(File(uri, str(notebook_dir), config.site_dir, config.use_directory_urls))
            _state["notebooks"][file.src_uri] = (uri, program)
    executor: Executor = _state["executor"]
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
    own = {f.src_uri for f in files.documentation_pages()}
    for page in checks.pages(ROOT, other):
        if page not in own:
            files.append(
                File(page, str(ROOT / "docs" / other), config.site_dir, config.use_directory_urls)
            )
            _state["fallback"].add(page)
    labels = config.extra["course"]
    files.append(
        File.generated(config, "translation-status.md", content=_status_page(labels, lang))
    )
    files.append(File.generated(config, "glossary.md", content=_glossary_page(labels, lang)))


def _status_page(labels: dict[str, Any], lang: str) -> str:
    names = labels["states"]
    lines = [f"# {labels['status_title']}", "", labels["status_intro"], ""]
    lines += [f"| {labels['status_page']} | Русский | English |", "| --- | --- | --- |"]
    for page in translations.pages(ROOT):
        cells = [names[_state["status"][(page, code)].state] for code in ("ru", "en")]
        source = ROOT / "docs" / lang / page
        if not source.is_file():
            source = ROOT / "docs" / ("en" if lang == "ru" else "ru") / page
        heading = H1.search(source.read_text(encoding="utf-8"))
        title = heading[1].strip() if heading else page
        lines.append(f"| [{title}]({page}) `{page}` | {cells[0]} | {cells[1]} |")
    return "\n".join(lines) + "\n"


def _glossary_page(labels: dict[str, Any], lang: str) -> str:
    rows = checks.glossary(ROOT)
    lines = [f"# {labels['glossary_title']}", "", labels["glossary_intro"], ""]
    if lang == "ru":
        lines += ["| Термин | English | Не пишем |", "| --- | --- | --- |"]
        lines += [
            f"| {r['ru']} | {r['en']} | {r.get('avoid_ru', '').replace(';', ',')} |" for r in rows
        ]
    else:
        lines += ["| Term | Russian | Avoid in Russian | Note |", "| --- | --- | --- | --- |"]
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


def on_page_markdown(markdown: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    """Shows each block's real output under it, and links the chapter's notebook."""
    src_uri = page.file.src_uri
    page_path = _page_path(config, src_uri)
    labels = config.extra["course"]
    lines = markdown.splitlines()
    fences = parse_fences(markdown)
    outputs = dict(_state["outputs"].get(src_uri, []))
    for fence in reversed(fences):
        output = outputs.get(fence.line)
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
    banner = _banner(page, config)
    if banner:
        for index, line in enumerate(lines):
            if line.startswith("# "):
                lines[index + 1 : index + 1] = ["", *banner]
                break
    notebook = _state["notebooks"].get(src_uri)
    if notebook:
        uri, program = notebook
        note = labels["notebook_note"].format(
            program=program, repo=config.repo_url, notebook_page=uri
        )
        for index, line in enumerate(lines):
            if line.startswith("# "):
                lines[index + 1 : index + 1] = ["", '!!! info ""', f"    {note}", ""]
                break
    return "\n".join(lines) + "\n"


def on_page_context(
    context: dict[str, Any], page: Page, config: MkDocsConfig, nav: Any
) -> dict[str, Any]:
    """Points "edit this page" at the file to change (a notebook's program, a new translation)."""
    repo = (config.repo_url or "").rstrip("/")
    for uri, program in _state["notebooks"].values():
        if page.file.src_uri == uri:
            page.edit_url = f"{repo}/edit/main/{program}"
    if page.file.src_uri in _state.get("fallback", set()):
        page.edit_url = f"{repo}/new/main/docs/{_language(config)}?filename={page.file.src_uri}"
    if page.file.generated_by:
        page.edit_url = None
    return context


ANCHOR_LINK = re.compile(r'<a class="anchor-link" href="[^"]*">¶</a>')


def on_page_content(html: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    """Drops nbconvert's "¶" heading links from notebook pages (Material adds its own)."""
    if any(page.file.src_uri == uri for uri, _ in _state["notebooks"].values()):
        return ANCHOR_LINK.sub("", html)
    return html
