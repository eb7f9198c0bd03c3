"""Runs a page's code blocks in order in one fresh namespace, as a reader who pastes them would.

Usage: ``python runner.py JOB.json RESULT.json``. The job lists the blocks (code, file name
and first line for tracebacks). The result records, per block, what it printed and the
figures it showed (as SVG), then the first error, then every file the code imported.
Runs in its own process so that each chapter starts from a clean interpreter.
"""

from __future__ import annotations

import contextlib
import io
import json
import sys
import traceback


def _collect_figures(into: list[str]) -> None:
    import matplotlib.pyplot as plt

    for number in plt.get_fignums():
        buffer = io.StringIO()
        plt.figure(number).savefig(
            buffer, format="svg", bbox_inches="tight", metadata={"Date": None}
        )
        into.append(buffer.getvalue())
    plt.close("all")


def main(job_path: str, result_path: str) -> int:
    """Executes the job's blocks and writes the result file; returns the exit status."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    matplotlib.rcParams["svg.hashsalt"] = "nnzero-course"
    figures: list[str] = []
    plt.show = lambda *args, **kwargs: _collect_figures(figures)

    with open(job_path, encoding="utf-8") as handle:
        job = json.load(handle)
    namespace: dict[str, object] = {"__name__": "__main__"}
    results: list[dict[str, object]] = []
    error = None
    for block in job["blocks"]:
        figures.clear()
        stdout = io.StringIO()
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
        json.dump({"blocks": results, "error": error, "imported": imported}, handle)
    return 1 if error else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
