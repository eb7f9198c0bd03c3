"""Turns a chapter program (jupytext's py:percent format) into an executed notebook.

The outputs are not produced here: they are the outputs of the page's single run
(see execute.py), attached cell by cell through the section each cell holds.
"""

from __future__ import annotations

from pathlib import Path

import jupytext
import nbformat

from .execute import BlockOutput
from .pages import SECTION_MARK


def cell_section(source: str) -> str | None:
    """The name of the section a code cell holds, or None."""
    for line in source.splitlines():
        mark = SECTION_MARK.search(line)
        if mark and mark["kind"] == "start":
            return mark["name"]
    return None


def build_notebook(
    program: Path, outputs: dict[str, BlockOutput], title: str, intro: str
) -> nbformat.NotebookNode:
    """Reads ``program`` as a notebook and attaches each section's outputs to its cell.

    Args:
        program: The chapter program, in py:percent format, one section per code cell.
        outputs: Outputs of the run, by section name.
        title: The notebook's first heading.
        intro: A Markdown paragraph placed under the heading.

    Returns:
        The notebook, with execution counts and outputs.

    Raises:
        ValueError: A code cell holds no section, or a section has no recorded output.
    """
    notebook = jupytext.read(program, fmt="py:percent")
    cells = [nbformat.v4.new_markdown_cell(f"# {title}\n\n{intro}")]
    count = 0
    for cell in notebook.cells:
        if cell.cell_type != "code":
            cells.append(cell)
            continue
        name = cell_section(cell.source)
        if name is None:
            code = [
                ln
                for ln in cell.source.splitlines()
                if ln.strip() and not ln.lstrip().startswith("#")
            ]
            if code:
                raise ValueError(f"{program}: a code cell holds no named section:\n{cell.source}")
            continue
        if name not in outputs:
            raise ValueError(f"{program}: section {name!r} was not run by the chapter page")
        count += 1
        shown = "\n".join(ln for ln in cell.source.splitlines() if not SECTION_MARK.search(ln))
        new = nbformat.v4.new_code_cell(shown.strip("\n"), execution_count=count)
        result = outputs[name]
        if result.stdout:
            new.outputs.append(nbformat.v4.new_output("stream", name="stdout", text=result.stdout))
        for svg in result.figures:
            new.outputs.append(
                nbformat.v4.new_output(
                    "display_data", data={"image/svg+xml": svg, "text/plain": "<Figure>"}
                )
            )
        cells.append(new)
    notebook.cells = cells
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    notebook.metadata["language_info"] = {"name": "python"}
    notebook.metadata.pop("jupytext", None)
    return notebook
