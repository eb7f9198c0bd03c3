"""Runs a page's code blocks in order in one fresh namespace, as a reader who pastes them would.

Usage: ``python runner.py JOB.json RESULT.json``. The job lists the blocks (code, file name
and first line for tracebacks) and the figure texts of every language. The result records, per
block, what it printed and the figures it showed (one SVG per language: the program draws in
English and each text is swapped for its translation before saving), then the figure texts
that have no translation, then the first error, then every file the code imported.
Runs in its own process so that each chapter starts from a clean interpreter.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import sys
import traceback
from typing import Any

MATH = re.compile(r"\$[^$]*\$")
LETTER = re.compile(r"[^\W\d_]")


def needs_translation(text: str) -> bool:
    """Whether a figure text has words: letters outside ``$…$`` math."""
    return bool(LETTER.search(MATH.sub("", text)))


DECIMAL_POINT = re.compile(r"(?<=\d)\.(?=\d)")


def with_decimal_comma(text: str) -> str:
    """``0.05`` as ``0,05``; inside ``$…$`` as ``0{,}05``, which mathtext spaces as a number."""
    parts = re.split(r"(\$[^$]*\$)", text)
    return "".join(
        DECIMAL_POINT.sub("{,}" if part.startswith("$") else ",", part) for part in parts
    )


def _comma_formatters(figure: Any) -> list[tuple[Any, type]]:
    """Makes every tick formatter of the figure write a decimal comma; returns how to undo it."""
    changed = []
    for axes in figure.axes:
        for axis in (axes.xaxis, axes.yaxis):
            for formatter in (axis.get_major_formatter(), axis.get_minor_formatter()):
                original = type(formatter)
                comma = type(
                    "Comma" + original.__name__,
                    (original,),
                    {
                        "__call__": lambda self, x, pos=None, _o=original: with_decimal_comma(
                            _o.__call__(self, x, pos)
                        )
                    },
                )
                formatter.__class__ = comma
                changed.append((formatter, original))
    return changed


FONT_FAMILY = re.compile(r"font-family: (?P<names>[^;\"]*)")


# Fonts that ship inside matplotlib for its math symbols, not on readers' devices: their text
# is in the font's own encoding (a prime is a "0" in cmsy10), so it must stay drawn.
MATH_FONTS = re.compile(r"font-family: '(cm\w+|STIX\w*|DejaVu Sans Display)'")


def _svg(figure: Any) -> str:
    """The figure as SVG, its words as text.

    A font family the reader's device lacks falls back to its sans-serif, not to its default
    (often serif) font. A figure with a symbol from matplotlib's own math fonts is drawn with
    paths, as before.
    """
    import matplotlib

    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    svg = buffer.getvalue()
    if MATH_FONTS.search(svg):
        buffer = io.StringIO()
        with matplotlib.rc_context({"svg.fonttype": "path"}):
            figure.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
        return buffer.getvalue()
    return FONT_FAMILY.sub(
        lambda m: m[0] if m["names"].endswith("sans-serif") else m[0] + ", sans-serif", svg
    )


def _collect_figures(into: list[dict[str, str]], job: dict[str, Any], missing: set[str]) -> None:
    import matplotlib.pyplot as plt
    from matplotlib.text import Text

    source, tables = job["code_language"], job["figure_texts"]
    comma_languages = set(job.get("decimal_comma", []))
    for number in plt.get_fignums():
        figure = plt.figure(number)
        texts = [t for t in figure.findobj(Text) if t.get_text()]
        originals = [t.get_text() for t in texts]
        svgs = {source: _svg(figure)}
        for lang, table in tables.items():
            comma = lang in comma_languages
            for text, original in zip(texts, originals, strict=True):
                translated = original
                if needs_translation(original):
                    if original in table:
                        translated = table[original]
                    else:
                        missing.add(original)
                text.set_text(with_decimal_comma(translated) if comma else translated)
            undo = _comma_formatters(figure) if comma else []
            svgs[lang] = _svg(figure)
            for formatter, original_class in undo:
                formatter.__class__ = original_class
            for text, original in zip(texts, originals, strict=True):
                text.set_text(original)
        into.append(svgs)
    plt.close("all")


def main(job_path: str, result_path: str) -> int:
    """Executes the job's blocks and writes the result file; returns the exit status."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    matplotlib.rcParams["svg.hashsalt"] = "nnzero-course"
    # Words in figures stay text, not one path per letter: files a third to a half lighter.
    matplotlib.rcParams["svg.fonttype"] = "none"
    with open(job_path, encoding="utf-8") as handle:
        job = json.load(handle)
    figures: list[dict[str, str]] = []
    missing: set[str] = set()
    plt.show = lambda *args, **kwargs: _collect_figures(figures, job, missing)

    namespace: dict[str, object] = {"__name__": "__main__"}
    results: list[dict[str, object]] = []
    error = None
    for block in job["blocks"]:
        figures.clear()
        stdout = io.StringIO()
        if not block.get("run", True):  # an excerpt of a listing above, already run
            results.append({"stdout": "", "figures": []})
            continue
        source = "\n" * (block["first_line"] - 1) + block["code"]
        try:
            with contextlib.redirect_stdout(stdout):
                exec(compile(source, block["filename"], "exec", dont_inherit=True), namespace)
        except BaseException:
            error = {"block": len(results), "traceback": traceback.format_exc()}
        results.append({"stdout": stdout.getvalue(), "figures": list(figures)})
        if error:
            break

    imported = sorted(
        {getattr(m, "__file__", None) or "" for m in list(sys.modules.values())} - {""}
    )
    with open(result_path, "w", encoding="utf-8") as handle:
        json.dump(
            {
                "blocks": results,
                "untranslated": sorted(missing),
                "error": error,
                "imported": imported,
            },
            handle,
        )
    return 1 if error else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
