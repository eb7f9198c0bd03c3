"""Every chapter notebook runs top to bottom in a fresh kernel, with the library installed by its
own first cell, pointed at this checkout.

The notebooks are the ones Colab opens, as the build writes them (``site/colab/``,
``site/en/colab/``) and the deploy publishes them (``make colab``). Both
languages hold the same code, which is checked; one language per chapter is then run (they
alternate), so each program runs once more, not twice. A run that passed is remembered in
``.cache/notebook-runs/`` by the notebook's code and the library's files, so a warm ``make test``
runs again only the notebooks whose code or library changed.
"""

import hashlib
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest
import torch
from coursekit import LANGUAGES
from nbclient import NotebookClient

import nnzero

ROOT = Path(__file__).resolve().parents[1]

INSTALL = re.compile(
    r'^!\{sys\.executable\} -m pip install --quiet "nnzero(\[\w+\])?==(?P<version>[\w.]+)"$', re.M
)
CHAPTERS = sorted(p.stem for p in (ROOT / "snippets").glob("ch*.py"))


def colab_notebook(site: Path, lang: str, chapter: str) -> Path:
    """Where the build writes the notebook Colab opens for one chapter in one language."""
    prefix = "" if lang == LANGUAGES[0] else f"{lang}/"
    return site / f"{prefix}colab" / f"{chapter}.ipynb"


def code_cells(notebook: nbformat.NotebookNode) -> list[str]:
    return [c.source for c in notebook.cells if c.cell_type == "code"]


@pytest.fixture(scope="session")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The course library built from this checkout, as a reader's `pip install` would get it."""
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--wheel-dir",
            str(out),
            str(ROOT),
        ],
        check=True,
        cwd=out,
    )
    return next(out.glob("nnzero-*.whl"))


def test_there_are_notebooks_for_every_chapter(site):
    for lang in LANGUAGES:
        folder = colab_notebook(site, lang, "x").parent
        assert sorted(p.stem for p in folder.glob("ch*.ipynb")) == CHAPTERS


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_both_languages_hold_the_same_code(chapter, site):
    cells = {}
    for lang in LANGUAGES:
        notebook = nbformat.read(colab_notebook(site, lang, chapter), as_version=4)
        first, *rest = code_cells(notebook)
        install = INSTALL.search(first)
        assert install, f"{lang}/{chapter}.ipynb: no pinned install"
        assert install["version"] == nnzero.__version__, "the cell installs another version"
        assert f'set_language("{lang}")' in first
        assert not any(c.outputs for c in notebook.cells if c.cell_type == "code")
        cells[lang] = rest
    assert cells["ru"] == cells["en"]


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_the_notebook_runs_in_a_fresh_kernel(chapter, wheel, site, tmp_path):
    lang = LANGUAGES[int(re.match(r"ch(\d+)", chapter)[1]) % len(LANGUAGES)]
    path = colab_notebook(site, lang, chapter)
    notebook = nbformat.read(path, as_version=4)
    library = sorted((ROOT / "src" / "nnzero").rglob("*.py"))
    runtime = f"{sys.version} torch {torch.__version__}".encode()
    key = hashlib.sha256(
        b"".join([path.read_bytes(), wheel.name.encode(), runtime])
        + b"".join(p.read_bytes() for p in library)
    ).hexdigest()
    passed = ROOT / ".cache" / "notebook-runs" / f"{chapter}-{key[:16]}"
    if passed.is_file():
        pytest.skip(f"{lang}/{chapter}.ipynb ran before with this very code, library and torch")
    target = tmp_path / "site-packages"
    target.mkdir()  # on sys.path from the kernel's start, so the installed copy is found
    first = notebook.cells[next(i for i, c in enumerate(notebook.cells) if c.cell_type == "code")]
    first.source = INSTALL.sub(
        f"!{{sys.executable}} -m pip install --quiet --no-deps --no-index "
        f"--target {target} {wheel}",
        first.source,
    )
    # Last, a cell that says where the library came from: the installed copy, not src/.
    notebook.cells.append(nbformat.v4.new_code_cell("import nnzero\n\nprint(nnzero.__file__)"))
    env = {**os.environ, "PYTHONPATH": str(target), "MPLBACKEND": "Agg", "OMP_NUM_THREADS": "1"}
    client = NotebookClient(
        notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}}
    )
    client.km = client.create_kernel_manager()
    client.start_new_kernel(env=env)
    client.start_new_kernel_client()
    try:
        for index, cell in enumerate(notebook.cells):
            client.execute_cell(cell, index)
    finally:
        client._cleanup_kernel()
    assert notebook.cells[-1].outputs[0]["text"].startswith(str(target))
    passed.parent.mkdir(parents=True, exist_ok=True)
    passed.write_text(lang, encoding="utf-8")


def test_colab_links_open_what_the_deploy_publishes(site, tmp_path):
    """Each chapter's "Open in Colab" link names a file of the branch `make colab` lays out."""
    branch = tmp_path / "colab"
    subprocess.run(["make", "--silent", "colab", f"COLAB={branch}"], cwd=ROOT, check=True)
    link = re.compile(
        r"https://colab\.research\.google\.com/github/[^/]+/[^/]+/blob/colab/([^\"]+)"
    )
    for lang in LANGUAGES:
        for chapter in CHAPTERS:
            prefix = "" if lang == LANGUAGES[0] else f"{lang}/"
            html = (site / prefix / chapter / "index.html").read_text(encoding="utf-8")
            targets = set(link.findall(html))
            assert targets == {f"{lang}/{chapter}.ipynb"}, f"{prefix}{chapter}: {targets}"
            published = branch / lang / f"{chapter}.ipynb"
            assert published.read_bytes() == colab_notebook(site, lang, chapter).read_bytes()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_link_inside_a_notebook_reaches_its_heading(site, lang):
    """Jupyter and Colab find `#id` by an element's id: each heading carries the site's."""
    checked = 0
    for chapter in CHAPTERS:
        notebook = nbformat.read(colab_notebook(site, lang, chapter), as_version=4)
        text = "\n".join(c.source for c in notebook.cells if c.cell_type == "markdown")
        ids = set(re.findall(r'<a id="([\w-]+)"></a>', text))
        for target in re.findall(r"\]\(#([^)\s]+)\)", text):
            assert target in ids, f"{lang}/{chapter}.ipynb: a link to #{target}, no such heading"
            checked += 1
    assert checked > 20  # the notebooks do link to their own headings


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_heading_of_a_notebook_view_has_an_empty_id(site, lang):
    prefix = "" if lang == LANGUAGES[0] else f"{lang}/"
    for chapter in CHAPTERS:
        html = (site / prefix / "notebooks" / chapter / "index.html").read_text(encoding="utf-8")
        headings = re.findall(r"<h[1-6][^>]*>", html)
        assert headings and not [h for h in headings if 'id=""' in h], f"{prefix}{chapter}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_each_heading_of_a_notebook_has_a_cell_of_its_own(site, lang):
    """JupyterLab folds the cells under a heading cell; the site's view keeps it out of sections."""
    for chapter in CHAPTERS:
        notebook = nbformat.read(colab_notebook(site, lang, chapter), as_version=4)
        for cell in notebook.cells:
            if cell.cell_type != "markdown" or "```" in cell.source:
                continue
            lines = cell.source.splitlines()
            headings = [line for line in lines if line.startswith("#")]
            assert not headings or lines == headings[:1], f"{lang}/{chapter}: {cell.source[:80]!r}"


class NotebookView(HTMLParser):
    """The notebook's own children (a section or a cell), and the headings inside sections."""

    def __init__(self) -> None:
        super().__init__()
        self.divs: list[str] = []  # the class of each open div
        self.children: list[tuple[str, bool]] = []  # (class, holds a heading)
        self.hidden_headings = 0  # headings inside a lazily rendered section

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "div":
            self.divs.append(dict(attrs).get("class") or "")
            if self.divs[-2:-1] == ["jp-Notebook"]:
                self.children.append((self.divs[-1], False))
        elif re.fullmatch(r"h[1-6]", tag) and "jp-Notebook" in self.divs:
            self.children[-1] = (self.children[-1][0], True)
            self.hidden_headings += "notebook-section" in self.divs

    def handle_endtag(self, tag: str) -> None:
        if tag == "div":
            self.divs.pop()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_notebook_views_render_sections_lazily_and_copy_with_the_theme(site, lang):
    """Between two heading cells, the cells form one lazy section (coursekit.notebooks); no
    heading is inside one, so the theme's table of contents never has to render a section. The
    code cells carry `pre > code`, to which the theme adds its copy button, and none of
    mkdocs-jupyter's copy widgets is left."""
    prefix = "" if lang == LANGUAGES[0] else f"{lang}/"
    for chapter in CHAPTERS:
        html = (site / prefix / "notebooks" / chapter / "index.html").read_text(encoding="utf-8")
        view = NotebookView()
        view.feed(html)
        kinds = {(cls.split()[0], heading) for cls, heading in view.children}
        assert kinds == {("notebook-section", False), ("jp-Cell", True)}, f"{prefix}{chapter}"
        assert view.hidden_headings == 0, f"{prefix}{chapter}"
        assert "clipboard-copy" not in html and "zeroclipboard" not in html, f"{prefix}{chapter}"
        code_cells = html.count('<div class="highlight-ipynb')
        assert code_cells and html.count("<pre><code>") == code_cells, f"{prefix}{chapter}"
