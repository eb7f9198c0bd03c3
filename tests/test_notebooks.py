"""Every chapter notebook runs top to bottom in a fresh kernel, with the library installed by its
own first cell, pointed at this checkout.

The notebooks are the repository's copies (``notebooks/<lang>/``), the ones Colab opens. Both
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
from pathlib import Path

import nbformat
import pytest
from coursekit import LANGUAGES
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]

INSTALL = re.compile(
    r'^%pip install --quiet "nnzero(\[\w+\])? @ git\+https://github\.com/\S+@v[\d.]+"$', re.M
)
CHAPTERS = sorted(p.stem for p in (ROOT / "notebooks" / "ru").glob("ch*.ipynb"))


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


def test_there_are_notebooks_for_every_chapter():
    programs = sorted(p.stem for p in (ROOT / "snippets").glob("ch*.py"))
    for lang in LANGUAGES:
        have = sorted(p.stem for p in (ROOT / "notebooks" / lang).glob("ch*.ipynb"))
        assert have == programs, f"notebooks/{lang}: run `make record`"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_both_languages_hold_the_same_code(chapter):
    cells = {}
    for lang in LANGUAGES:
        notebook = nbformat.read(ROOT / "notebooks" / lang / f"{chapter}.ipynb", as_version=4)
        first, *rest = code_cells(notebook)
        assert INSTALL.search(first), f"notebooks/{lang}/{chapter}.ipynb: no pinned install"
        assert f'set_language("{lang}")' in first
        assert not any(c.outputs for c in notebook.cells if c.cell_type == "code")
        cells[lang] = rest
    assert cells["ru"] == cells["en"]


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_the_notebook_runs_in_a_fresh_kernel(chapter, wheel, tmp_path):
    lang = LANGUAGES[int(re.match(r"ch(\d+)", chapter)[1]) % len(LANGUAGES)]
    path = ROOT / "notebooks" / lang / f"{chapter}.ipynb"
    notebook = nbformat.read(path, as_version=4)
    library = sorted((ROOT / "src" / "nnzero").rglob("*.py"))
    key = hashlib.sha256(
        b"".join([path.read_bytes(), wheel.name.encode()] + [p.read_bytes() for p in library])
    ).hexdigest()
    passed = ROOT / ".cache" / "notebook-runs" / f"{chapter}-{key[:16]}"
    if passed.is_file():
        return  # this very notebook already ran with this very library
    target = tmp_path / "site-packages"
    target.mkdir()  # on sys.path from the kernel's start, so the installed copy is found
    first = notebook.cells[next(i for i, c in enumerate(notebook.cells) if c.cell_type == "code")]
    first.source = INSTALL.sub(
        f"%pip install --quiet --no-deps --no-index --target {target} {wheel}", first.source
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
