"""Executes a page's Python blocks once, and caches the result by everything it depends on.

The cache key is the code itself (every block, in order) plus the interpreter and the
versions of the libraries that print and plot. A cached result also records the files of
``src/`` the code imported, with their hashes: an edit to one of them re-executes the pages
that import it, and only those. The build and the tests share this cache, so each chapter
runs once per ``make test``.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from . import CODE_LANGUAGE, DECIMAL_COMMA, LANGUAGES
from .pages import CodeBlock, sections

RUNNER = Path(__file__).with_name("runner.py")
VERSIONED = ("torch", "numpy", "matplotlib", "scikit-learn")


class ExecutionError(Exception):
    """A shown block raised: the message names the page line and the traceback."""

    def __init__(self, message: str, index: int = -1, outputs: list[BlockOutput] | None = None):
        super().__init__(message)
        self.index = index
        self.outputs = outputs or []


@dataclass
class BlockOutput:
    """What one block printed and the figures it showed: one SVG text per language each."""

    stdout: str
    figures: list[dict[str, str]]


def figure_table_path(program: str) -> str:
    """``snippets/x.figures.tsv``: the figure texts of ``snippets/x.py`` in every language."""
    return program.removesuffix(".py") + ".figures.tsv"


def figure_tables(root: Path, programs: list[str]) -> dict[str, dict[str, str]]:
    """Translations of figure texts, ``{lang: {english: translated}}``, from the programs' tables.

    Raises:
        ExecutionError: A table is malformed; the message names its file and line.
    """
    tables: dict[str, dict[str, str]] = {lang: {} for lang in LANGUAGES if lang != CODE_LANGUAGE}
    for program in programs:
        path = root / figure_table_path(program)
        if not path.is_file():
            continue
        lines = path.read_text(encoding="utf-8").splitlines()
        header = lines[0].split("\t") if lines else []
        if not header or header[0] != CODE_LANGUAGE or set(header[1:]) != set(tables):
            raise ExecutionError(
                f"{figure_table_path(program)}:1: the header must be "
                f"{chr(9).join([CODE_LANGUAGE, *tables])!r} (tab-separated)"
            )
        for number, line in enumerate(lines[1:], start=2):
            if not line.strip():
                continue
            cells = line.split("\t")
            if len(cells) != len(header) or not all(c.strip() for c in cells):
                raise ExecutionError(
                    f"{figure_table_path(program)}:{number}: expected {len(header)} "
                    "non-empty tab-separated cells"
                )
            for lang, cell in zip(header[1:], cells[1:], strict=True):
                tables[lang][cells[0]] = cell
    return tables


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _origin(block: CodeBlock, root: Path) -> tuple[str, int]:
    """File name and first line to compile a block under, so tracebacks point at the source."""
    if len(block.includes) == 1 and block.includes[0].section:
        include = block.includes[0]
        path = root / include.path
        for section in sections(path):
            if section.name == include.section:
                return include.path, section.start + 1
    return block.page, block.line + 1


class Executor:
    """Runs pages' blocks in fresh interpreters, with an on-disk cache."""

    def __init__(self, root: Path, cache_dir: Path | None = None, use_cache: bool = True) -> None:
        self.root = root.resolve()
        self.cache_dir = cache_dir or self.root / ".cache" / "execute"
        self.use_cache = use_cache
        self.executed: list[str] = []
        self.reused: list[str] = []
        self.untranslated: dict[str, list[str]] = {}

    def _key(self, jobs: list[dict[str, object]], tables: dict[str, dict[str, str]]) -> str:
        versions = {name: metadata.version(name) for name in VERSIONED}
        material = {
            "python": sys.version,
            "versions": versions,
            "runner": _sha(RUNNER.read_bytes()),
            # Only the code: where a block is shown (which language's page) changes nothing.
            "blocks": [(job["code"], job["run"]) for job in jobs],
            "figure_texts": tables,
            "decimal_comma": DECIMAL_COMMA,
        }
        return _sha(json.dumps(material, sort_keys=True).encode())

    def _deps_fresh(self, deps: dict[str, str]) -> bool:
        for relative, digest in deps.items():
            path = self.root / relative
            if not path.is_file() or _sha(path.read_bytes()) != digest:
                return False
        return True

    def run(self, label: str, blocks: list[CodeBlock]) -> list[BlockOutput]:
        """Executes the blocks in order in one new interpreter, or reuses a fresh cached run.

        Args:
            label: What is run, for messages (usually the page path).
            blocks: The page's Python blocks, includes expanded.

        Returns:
            One output per block.

        Raises:
            ExecutionError: A block raised; the message names its page line.
        """
        jobs: list[dict[str, object]] = []
        for block in blocks:
            filename, first_line = _origin(block, self.root)
            jobs.append(
                {
                    "code": block.code,
                    "filename": filename,
                    "first_line": first_line,
                    "run": not block.excerpt,
                }
            )
        programs = sorted(
            {i.path for b in blocks for i in b.includes if i.path.startswith("snippets/")}
        )
        tables = figure_tables(self.root, programs)
        key = self._key(jobs, tables)
        entry = self.cache_dir / f"{key}.json"
        if self.use_cache and entry.is_file():
            cached = json.loads(entry.read_text(encoding="utf-8"))
            if self._deps_fresh(cached["deps"]):
                self.reused.append(label)
                self.untranslated[label] = cached["untranslated"]
                return [BlockOutput(**b) for b in cached["blocks"]]
        result = self._execute(jobs, tables)
        if result["error"]:
            index = result["error"]["block"]
            raise ExecutionError(
                f"{blocks[index].where}: this code block raised when run in order with the "
                f"blocks before it (as a reader would paste them):\n"
                f"{result['error']['traceback']}",
                index,
                [BlockOutput(**b) for b in result["blocks"]],
            )
        self.executed.append(label)
        self.untranslated[label] = result["untranslated"]
        deps = {}
        for name in result["imported"]:
            path = Path(name).resolve()
            if path.is_relative_to(self.root) and ".venv" not in path.parts and path.is_file():
                deps[path.relative_to(self.root).as_posix()] = _sha(path.read_bytes())
        if self.use_cache:
            self.cache_dir.mkdir(parents=True, exist_ok=True)
            # Written whole, then renamed: a build or test running beside this one never reads half.
            partial = entry.with_suffix(f".{os.getpid()}.tmp")
            partial.write_text(
                json.dumps(
                    {
                        "deps": deps,
                        "blocks": result["blocks"],
                        "untranslated": result["untranslated"],
                    }
                ),
                encoding="utf-8",
            )
            os.replace(partial, entry)
        return [BlockOutput(**b) for b in result["blocks"]]

    def _execute(
        self, jobs: list[dict[str, object]], tables: dict[str, dict[str, str]]
    ) -> dict[str, Any]:
        with tempfile.TemporaryDirectory() as tmp:
            job_path, result_path = Path(tmp, "job.json"), Path(tmp, "result.json")
            job = {
                "blocks": jobs,
                "figure_texts": tables,
                "code_language": CODE_LANGUAGE,
                "decimal_comma": list(DECIMAL_COMMA),
            }
            job_path.write_text(json.dumps(job), encoding="utf-8")
            # One thread: the chapters' tensors are small (faster so on 2 cores), and the
            # round-off of every run is the same.
            env = {**os.environ, "MPLBACKEND": "Agg", "PYTHONHASHSEED": "0", "OMP_NUM_THREADS": "1"}
            process = subprocess.run(
                [sys.executable, str(RUNNER), str(job_path), str(result_path)],
                cwd=self.root,
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )
            if not result_path.is_file():
                raise ExecutionError(f"the runner died:\n{process.stderr}")
            result: dict[str, Any] = json.loads(result_path.read_text(encoding="utf-8"))
            return result
