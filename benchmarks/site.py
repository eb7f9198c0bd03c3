"""Times the site build and the test run: cold, warm, and after an edit to src/.

Usage: ``python benchmarks/site.py [--skip-test]`` (or ``make bench``). The builds are the two
``mkdocs build`` runs of ``make build``; its last step, printing the book, is timed on its own.
It prints a table and
which pages each build executed, showing that a warm build executes nothing and that an edit
to one module of src/ re-executes only the pages whose code imports it.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
ENV = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
EXECUTED = re.compile(r"course: executed (\d+) page\(s\) \[([^\]]*)\]")


def build() -> tuple[float, list[str]]:
    """Builds both languages as `make build` does; returns seconds and the pages executed."""
    start = time.perf_counter()
    executed: list[str] = []
    shutil.rmtree(ROOT / "site", ignore_errors=True)
    for config in ("mkdocs.yml", "mkdocs.en.yml"):
        result = subprocess.run(
            [str(BIN / "mkdocs"), "build", "--strict", "-f", config],
            cwd=ROOT,
            env=ENV,
            capture_output=True,
            text=True,
            check=True,
        )
        for match in EXECUTED.finditer(result.stderr):
            executed += [p for p in match[2].split(", ") if p]
    return time.perf_counter() - start, executed


def timed(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=ROOT, env=ENV, check=True, capture_output=True)
    return time.perf_counter() - start


def book() -> float:
    """The last step of `make build`: both languages' print pages printed to book.pdf."""
    start = time.perf_counter()
    command = [sys.executable, "-m", "coursekit.book", "site"]
    env = {**ENV, "PYTHONPATH": str(ROOT / "docs" / "hooks")}
    subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True)
    return time.perf_counter() - start


def chapter_times() -> list[tuple[str, float]]:
    """Each chapter program run on its own, as a reader runs it."""
    env = {**ENV, "MPLBACKEND": "Agg"}
    rows = []
    for program in sorted((ROOT / "snippets").glob("ch*.py")):
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, str(program)], cwd=ROOT, env=env, check=True, capture_output=True
        )
        rows.append((program.name, time.perf_counter() - start))
    return rows


def slowest_tests() -> tuple[float, list[str]]:
    """A warm `make test`, and pytest's ten slowest tests from it."""
    start = time.perf_counter()
    result = subprocess.run(
        ["make", "test", "PYTEST_ARGS=--durations=10"],
        cwd=ROOT,
        env=ENV,
        check=True,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - start
    lines = result.stdout.split("slowest 10 durations", 1)[-1].splitlines()[1:11]
    return seconds, [line for line in lines if line.strip()]


def fresh_clone() -> float:
    """`make test` in a fresh clone of HEAD, setup (.venv) included."""
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["git", "clone", "--quiet", str(ROOT), tmp], check=True)
        start = time.perf_counter()
        subprocess.run(["make", "test"], cwd=tmp, env=ENV, check=True, capture_output=True)
        return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--skip-test", action="store_true", help="do not time `make test`")
    parser.add_argument(
        "--fresh", action="store_true", help="also time `make test` in a fresh clone"
    )
    parser.add_argument("--module", default="src/nnzero/neuron.py", help="the module to touch")
    args = parser.parse_args()

    rows = []
    for cache in ("execute", "mkdocs-jupyter", "notebooks"):
        shutil.rmtree(ROOT / ".cache" / cache, ignore_errors=True)
    rows.append(("cold build (empty caches)", *build()))
    rows.append(("warm build (nothing changed)", *build()))
    rows.append(("the book: both PDFs, make build's last step", book(), []))

    module = ROOT / args.module
    original = module.read_text(encoding="utf-8")
    try:
        module.write_text(original + "\n# benchmark edit\n", encoding="utf-8")
        rows.append((f"build after editing {args.module}", *build()))
    finally:
        module.write_text(original, encoding="utf-8")
    rows.append(("build after undoing the edit", *build()))

    print(f"{'what':45} {'seconds':>8}  pages executed")
    for what, seconds, executed in rows:
        print(f"{what:45} {seconds:8.1f}  {len(executed)}: {', '.join(executed) or '-'}")
    print()
    for name, seconds in chapter_times():
        print(f"{'chapter program ' + name:45} {seconds:8.1f}")
    if not args.skip_test:
        seconds, slowest = slowest_tests()
        print(f"{'warm make test (setup done, site cached)':45} {seconds:8.1f}")
        print("slowest tests of that run:")
        for line in slowest:
            print("   ", line)
    if args.fresh:
        print(f"{'make test in a fresh clone (setup included)':45} {fresh_clone():8.1f}")


if __name__ == "__main__":
    main()
