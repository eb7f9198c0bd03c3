"""A chapter as a notebook in its reader's language: the page's prose and code, with outputs.

The notebook follows the page: prose becomes Markdown cells (admonitions as quotes, content tabs
as bold labels, links absolute to the published site), each Python block a code cell with the
outputs of the page's one run (see execute.py) and its figures in the page's language, with the
page's alt text. The first code cell installs the course library at the site's version, so the
notebook runs anywhere. The same notebooks without outputs are written to ``<site>/colab/``; the
deploy publishes them on the branch ``colab`` as ``<lang>/<chapter>.ipynb``, where Colab opens them.
"""

from __future__ import annotations

import itertools
import posixpath
import re
from dataclasses import dataclass
from typing import Any

import nbformat

from .claims import shown
from .execute import BlockOutput
from .pages import Expander, fence_keys, is_library_source, parse_fences, section_of

FRONT_MATTER = re.compile(r"\A---\n.*?\n---\n", re.DOTALL)
BLOCK_START = re.compile(
    r'^(?P<indent>\s*)(?:!!!|\?\?\?\+?)\s+(?P<kind>\w+)(?:\s+"(?P<title>[^"]*)")?\s*$'
)
TAB = re.compile(r'^(?P<indent>\s*)===\+?\s+"(?P<title>[^"]*)"\s*$')
HEADING_ATTRS = re.compile(r"\s*\{[^}]*\}\s*$")
HEADING_ID = re.compile(r"\{[^}]*#([\w-]+)[^}]*\}\s*$")
COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
IMAGE_LINE = re.compile(r"^\s*!\[(?P<alt>[^\]]*)\]\((?P<src>[^)\s]+)\)\s*$")
DIV_TAG = re.compile(r"<div\b|</div>")
# mkdocs-jupyter's copy widget: its markup, the hidden copy of the code, its two scripts.
JUPYTER_COPY = re.compile(
    r'<div class="zeroclipboard-container">.*?</clipboard-copy>\s*</div>'
    r'|<div class="clipboard-copy-txt" id="[^"]*">[^<]*</div>'
    r"|<script>(?:(?!</script>).)*?ClipboardCopyElement.*?</script>"
    r"|<script>\s*document\.addEventListener\('clipboard-copy'.*?</script>",
    re.DOTALL,
)
CODE_CELL_PRE = re.compile(r'(<div class="highlight-ipynb[^"]*"><pre>)(.*?)(</pre>)', re.DOTALL)
HEADING_TAG = re.compile(r"<h[1-6][\s>]")
LINK = re.compile(r"(?<!!)\[(?P<text>[^\]]*)\]\((?P<href>[^)\s]+)\)")
COLAB_DIR = "colab"  # in each language's site: the notebooks without outputs
COLAB_BRANCH = "colab"  # where the deploy publishes them, as <lang>/<chapter>.ipynb
# `!{sys.executable} -m pip`, not `%pip`: the same interpreter as the kernel, without %pip's
# "you may need to restart the kernel" (no restart is needed). With torch already installed
# (Colab), nothing big is downloaded: nnzero asks for a range of torch versions.
INSTALL = 'import sys\n!{{sys.executable}} -m pip install --quiet "nnzero{extras}=={version}"'


@dataclass
class NotebookLabels:
    """What the notebook says in the page's language."""

    lang: str
    intro: str  # Markdown under the title: where the page is, what the first cell does
    setup_comment: str  # the comment in the install cell
    exercise_note: str  # above a hidden solution cell


def strip_front_matter(text: str) -> str:
    """The page without its YAML front matter."""
    return FRONT_MATTER.sub("", text, count=1)


def absolute(href: str, page_url: str, site_url: str) -> str:
    """A page link made absolute to the published site (``ch02.md#x`` -> ``…/ch02/#x``)."""
    if re.match(r"^[a-z]+:|^#", href):
        return href
    path, _, anchor = href.partition("#")
    # A link is relative to the page's Markdown file (ch02_neuron.md for ch02_neuron/).
    source_dir = posixpath.dirname(page_url.rstrip("/"))
    target = posixpath.normpath(posixpath.join(source_dir, path))
    if target.endswith(".md"):
        target = target[:-3]
        target = "" if target == "index" else target + "/"
    return site_url + target.lstrip("./") + (f"#{anchor}" if anchor else "")


class ProseConverter:
    """Turns Material's Markdown into what Jupyter renders: quotes, labels, absolute links.

    It keeps which admonitions and tabs are open across calls, because a code block can sit
    inside one (an exercise's solution) and the prose after it continues there.
    """

    def __init__(self, page_url: str, site_url: str) -> None:
        self.page_url, self.site_url = page_url, site_url
        self.stack: list[tuple[int, bool]] = []  # (indent of the body, is a quote)

    def convert(self, lines: list[str]) -> str:
        """The Markdown cell for these lines of prose."""
        out: list[str] = []
        for raw in lines:
            if raw.strip():
                indent = len(raw) - len(raw.lstrip())
                while self.stack and indent < self.stack[-1][0]:
                    self.stack.pop()
            base = self.stack[-1][0] if self.stack else 0
            body = raw[base:] if raw.strip() else ""
            prefix = "> " * sum(1 for _, quote in self.stack if quote)
            block, tab = BLOCK_START.match(body), TAB.match(body)
            if block:
                kind = block["kind"]
                title = block["title"] if block["title"] is not None else kind.capitalize()
                out += [f"{prefix}> **{title}**" if title else f"{prefix}>", f"{prefix}>"]
                self.stack.append((base + len(block["indent"]) + 4, True))
                continue
            if tab:
                out += [f"{prefix}**{tab['title']}**", prefix.rstrip()]
                self.stack.append((base + len(tab["indent"]) + 4, False))
                continue
            if IMAGE_LINE.match(body):
                continue
            if body.startswith("#"):
                # Jupyter and Colab make anchors from a heading's text, not from the site's
                # `{#id}`: the heading carries the site's id itself, so `#id` links work there.
                anchor = HEADING_ID.search(body)
                body = HEADING_ATTRS.sub("", body)
                if anchor:
                    body += f' <a id="{anchor[1]}"></a>'
            body = LINK.sub(
                lambda m: f"[{m['text']}]({absolute(m['href'], self.page_url, self.site_url)})",
                body,
            )
            out.append((prefix + body).rstrip())
        markdown = COMMENT.sub("", shown("\n".join(out)))
        return re.sub(r"\n{3,}", "\n\n", markdown).strip("\n")


def heading_cells(markdown: str) -> list[str]:
    """Prose as Markdown cells, each heading alone in one (see ``lazy_sections``)."""
    parts: list[list[str]] = [[]]
    fenced = False
    for line in markdown.splitlines():
        fenced ^= line.startswith(("```", "~~~"))
        if line.startswith("#") and not fenced:
            parts += [[line], []]
        else:
            parts[-1].append(line)
    return [text for part in parts if (text := "\n".join(part).strip("\n"))]


def theme_copy_buttons(html: str) -> str:
    """Code cells with the theme's copy button, added as they scroll into view (content.lazy)."""
    html = JUPYTER_COPY.sub("", html).replace('id="cell-id=', 'id="')  # the button's `#id > code`
    return CODE_CELL_PRE.sub(r"\1<code>\2</code>\3", html)


def lazy_sections(html: str) -> str:
    """The cells between two heading cells as one section, rendered only near the screen.

    course.css gives a ``notebook-section`` content-visibility: auto (240 px a cell meanwhile).
    Headings stay outside: the theme's table of contents measures where they are. Few sections:
    each restyle as the theme starts pays for every lazy element (0.8 s on ch13 with a cell each).
    """
    start, cells, depth = html.find('<div class="jp-Notebook"'), [], 0
    for tag in DIV_TAG.finditer(html, start) if start >= 0 else ():
        depth += 1 if tag[0] == "<div" else -1
        if depth == 2 and tag[0] == "<div":
            begin = tag.start()
        elif depth == 1 and tag[0] == "</div>":
            cells.append((begin, tag.end()))
        elif depth == 0:
            break
    pieces, position = [], 0
    for heading, run in itertools.groupby(cells, lambda cell: HEADING_TAG.search(html, *cell)):
        spans = list(run)
        body = html[spans[0][0] : spans[-1][1]]
        if not heading:
            size = f"contain-intrinsic-size: auto {240 * len(spans)}px"
            body = f'<div class="notebook-section" style="{size}">{body}</div>'
        pieces += [html[position : spans[0][0]], body]
        position = spans[-1][1]
    return "".join(pieces) + html[position:]


def build_notebook(
    text: str,
    page_url: str,
    site_url: str,
    expander: Expander,
    outputs: dict[tuple[str, ...], BlockOutput],
    labels: NotebookLabels,
    install: str,
    with_outputs: bool = True,
) -> nbformat.NotebookNode:
    """The chapter page ``text`` as a notebook.

    Args:
        text: The page's Markdown as written.
        page_url: The page's URL relative to its language's site root (``ch02_neuron/``).
        site_url: The language's published root, ending in ``/``.
        expander: Expands the page's includes.
        outputs: The run's output of each Python block, by fence key.
        labels: The notebook's texts in the page's language.
        install: The install command of the first code cell.
        with_outputs: False for the copies Colab opens.

    Returns:
        The notebook, with deterministic cell ids.
    """
    text = strip_front_matter(text)
    lines = text.splitlines()
    fences = [f for f in parse_fences(text) if f.is_python]
    keys = fence_keys(fences)
    alts = {m["src"]: m["alt"] for m in (IMAGE_LINE.match(line) for line in lines) if m is not None}
    cells: list[Any] = []
    title_index = next((i for i, ln in enumerate(lines) if ln.startswith("# ")), -1)
    title = lines[title_index][2:].strip() if title_index >= 0 else ""
    cells.append(nbformat.v4.new_markdown_cell(f"# {HEADING_ATTRS.sub('', title)}"))
    cells.append(nbformat.v4.new_markdown_cell(labels.intro))
    cells.append(
        nbformat.v4.new_code_cell(
            f"# {labels.setup_comment}\n{install}\n"
            f'import nnzero.exercises\n\nnnzero.exercises.set_language("{labels.lang}")'
        )
    )
    position = title_index + 1
    converter = ProseConverter(page_url, site_url)

    def add_prose(chunk: list[str]) -> None:
        for markdown in heading_cells(converter.convert(chunk)):
            cells.append(nbformat.v4.new_markdown_cell(markdown))

    counter = itertools.count(1)
    for fence, key in zip(fences, keys, strict=True):
        add_prose(lines[position : fence.line - 1])
        position = fence.end_line
        code = "\n".join(expander.expand(fence.body)).strip("\n")
        if is_library_source(fence.includes):
            # The library's source is read, not run (the first cell installs the library).
            source_title = re.search(r'title="([^"]+)"', fence.info)
            caption = f"`{source_title[1]}`:\n\n" if source_title else ""
            cells.append(nbformat.v4.new_markdown_cell(f"{caption}```python\n{code}\n```"))
            continue
        section = section_of(fence.includes)
        number = next(counter) if with_outputs else None
        cell = nbformat.v4.new_code_cell(code, execution_count=number)
        if section and section.startswith("exercise"):
            cells.append(nbformat.v4.new_markdown_cell(labels.exercise_note))
            cell.metadata["jupyter"] = {"source_hidden": True}
        output = outputs.get(key)
        if with_outputs and output is not None:
            if output.stdout:
                cell.outputs.append(
                    nbformat.v4.new_output("stream", name="stdout", text=output.stdout)
                )
            stem = (
                fence.includes[0].path.rsplit("/", 1)[-1].removesuffix(".py")
                if fence.includes
                else ""
            )
            for index, svgs in enumerate(output.figures, start=1):
                suffix = "" if index == 1 else f"-{index}"
                alt = alts.get(f"figures/{stem}/{section}{suffix}.svg", "")
                cell.outputs.append(
                    nbformat.v4.new_output(
                        "display_data",
                        data={"image/svg+xml": svgs[labels.lang], "text/plain": alt or "<Figure>"},
                        metadata={"image/svg+xml": {"alt": alt}} if alt else {},
                    )
                )
        cells.append(cell)
    add_prose(lines[position:])
    for index, cell in enumerate(cells):
        cell["id"] = f"cell-{index:03d}"
    notebook = nbformat.v4.new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    notebook.metadata["language_info"] = {"name": "python"}
    return notebook
