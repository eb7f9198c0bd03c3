"""Which page of which language is up to date, outdated or missing — and why.

Russian and English are peers. ``docs/translations.json`` records, for each page, the hashes
of both versions at the moment a translator last made them say the same thing (a "sync").
After that, a version whose hash changed is the fresher one and the other is outdated; if
both changed, both need a look. Git history explains the status: the commits since the
synced version, and a diff command. Usage::

    python -m coursekit.translations status          # make translation-status
    python -m coursekit.translations sync PAGE...    # make translation-sync PAGES="ch02_neuron.md"
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import LANGUAGES

RECORD = Path("docs") / "translations.json"
UP_TO_DATE, OUTDATED, MISSING = "up to date", "outdated", "missing"


def digest(text: str) -> str:
    """The hash recorded for a page's text (line endings normalised)."""
    return hashlib.sha256(text.replace("\r\n", "\n").encode("utf-8")).hexdigest()[:16]


INCLUDED_PROGRAM = re.compile(r'--8<--\s+"(snippets/[\w./-]+\.py)')


def reviewed_text(root: Path, text: str) -> str:
    """What a translator reviews: the page plus the recorded outputs of the programs it shows.

    A changed output (``snippets/<chapter>.out``) thus marks both languages of the page for
    review: the prose around an output may no longer be true of it.
    """
    parts = [text]
    for program in sorted(set(INCLUDED_PROGRAM.findall(text))):
        record = root / (program.removesuffix(".py") + ".out")
        if record.is_file():
            parts.append(record.read_text(encoding="utf-8"))
    return "\n".join(parts)


def load(root: Path) -> dict[str, Any]:
    """The record: ``{"synced": {page: {lang: hash}}, "work_in_progress": {lang: [page]}}``."""
    path = root / RECORD
    if not path.is_file():
        return {"synced": {}, "work_in_progress": {lang: [] for lang in LANGUAGES}}
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def save(root: Path, record: dict[str, Any]) -> None:
    """Writes the record, sorted, so diffs stay small."""
    record["synced"] = dict(sorted(record["synced"].items()))
    (root / RECORD).write_text(
        json.dumps(record, ensure_ascii=False, indent=2, sort_keys=False) + "\n", encoding="utf-8"
    )


def all_pages(root: Path) -> list[str]:
    """Every page of either language, relative to docs/<lang>."""
    found = set()
    for lang in LANGUAGES:
        base = root / "docs" / lang
        found |= {p.relative_to(base).as_posix() for p in base.rglob("*.md")}
    return sorted(found)


@dataclass
class Status:
    """The state of one page in one language."""

    page: str
    lang: str
    state: str
    fresher: str | None = None  # the other language's version, when this one is outdated
    reason: str = ""

    @property
    def path(self) -> str:
        """``docs/<lang>/<page>``."""
        return f"docs/{self.lang}/{self.page}"


def statuses(root: Path) -> list[Status]:
    """The status of every page in every language (hash comparison only; no git needed)."""
    record = load(root)
    synced: dict[str, dict[str, str]] = record["synced"]
    result = []
    for page in all_pages(root):
        texts = {}
        for lang in LANGUAGES:
            path = root / "docs" / lang / page
            texts[lang] = path.read_text(encoding="utf-8") if path.is_file() else None
        saved = synced.get(page, {})
        changed = {
            lang: text is not None and saved.get(lang) != digest(reviewed_text(root, text))
            for lang, text in texts.items()
        }
        for lang in LANGUAGES:
            other = LANGUAGES[1 - LANGUAGES.index(lang)]
            if texts[lang] is None:
                result.append(
                    Status(page, lang, MISSING, other, f"docs/{other}/{page} has no translation")
                )
            elif texts[other] is None:
                result.append(Status(page, lang, UP_TO_DATE))
            elif not saved or changed[other]:
                if not saved:
                    reason = "no sync recorded: nobody has confirmed that the two versions agree"
                elif changed[lang]:
                    reason = "both versions, or the outputs they show, changed since the last sync"
                else:
                    reason = f"docs/{other}/{page} changed since the last sync"
                result.append(Status(page, lang, OUTDATED, other, reason))
            else:
                result.append(Status(page, lang, UP_TO_DATE))
    return result


def _git(root: Path, *args: str) -> str:
    process = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=False)
    return process.stdout if process.returncode == 0 else ""


def _reviewed_at(root: Path, commit: str, path: str) -> str:
    """``reviewed_text`` of ``path`` as it was at ``commit``."""
    text = _git(root, "show", f"{commit}:{path}")
    parts = [text]
    for program in sorted(set(INCLUDED_PROGRAM.findall(text))):
        record = _git(root, "show", f"{commit}:{program.removesuffix('.py')}.out")
        if record:
            parts.append(record)
    return "\n".join(parts)


def history(root: Path, path: str, synced_hash: str | None) -> tuple[str | None, list[str]]:
    """The commit holding the synced version of ``path``, and the commits after it.

    Returns:
        (the synced commit or None if not found, ["abc1234 subject", ...] newest first).
    """
    current = (root / path).read_text(encoding="utf-8") if (root / path).is_file() else ""
    records = [
        program.removesuffix(".py") + ".out"
        for program in sorted(set(INCLUDED_PROGRAM.findall(current)))
    ]
    log = _git(root, "log", "--format=%H %h %s", "--", path, *records).splitlines()
    since: list[str] = []
    for line in log:
        full, short, subject = [*line.split(" ", 2), ""][:3]
        if synced_hash and digest(_reviewed_at(root, full, path)) == synced_hash:
            return short, since
        since.append(f"{short} {subject}")
    return None, since


def explain(root: Path, status: Status) -> str:
    """One line for ``make translation-status``: page, state, what changed and how to see it."""
    line = f"{status.path:40} {status.state:10}"
    if status.state == UP_TO_DATE:
        return line
    if status.state == MISSING:
        wip = load(root)["work_in_progress"].get(status.lang, [])
        listed = " (listed as work in progress)" if status.page in wip else ""
        return f"{line} translate docs/{status.fresher}/{status.page}{listed}"
    fresher = f"docs/{status.fresher}/{status.page}"
    saved = load(root)["synced"].get(status.page, {})
    base, commits = history(root, fresher, saved.get(status.fresher))
    dirty = _git(root, "status", "--porcelain", "--", fresher).strip()
    changes = ", ".join(commits[:3]) + (" …" if len(commits) > 3 else "")
    if dirty:
        changes = (changes + ", " if changes else "") + "uncommitted edits"
    diff = f"git diff {base} -- {fresher}" if base else f"git log -p -- {fresher}"
    return f"{line} {status.reason}: {changes or 'see the diff'}; see: {diff}"


def sync(root: Path, names: list[str]) -> list[str]:
    """Records both versions of each page as saying the same thing now."""
    record = load(root)
    synced: dict[str, dict[str, str]] = record["synced"]
    done = []
    for page in names:
        texts = {lang: root / "docs" / lang / page for lang in LANGUAGES}
        missing = [str(p.relative_to(root)) for p in texts.values() if not p.is_file()]
        if missing:
            raise SystemExit(f"cannot sync {page}: {', '.join(missing)} does not exist")
        synced[page] = {
            lang: digest(reviewed_text(root, p.read_text(encoding="utf-8")))
            for lang, p in texts.items()
        }
        done.append(page)
    save(root, record)
    return done


def main(argv: list[str] | None = None) -> int:
    """The command line of ``make translation-status`` and ``make translation-sync``."""
    parser = argparse.ArgumentParser(prog="translations", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    status_parser = sub.add_parser("status", help="the pages x languages that need work")
    status_parser.add_argument("--all", action="store_true", help="up-to-date pages as well")
    sync_parser = sub.add_parser("sync", help="record that both versions of pages now agree")
    sync_parser.add_argument(
        "pages", nargs="+", help="ch02_neuron.md, api/engine.md or docs/en/api/engine.md"
    )
    args = parser.parse_args(argv)
    root = Path.cwd()
    if args.command == "status":
        found = statuses(root)
        shown = [s for s in found if args.all or s.state != UP_TO_DATE]
        for status in shown:
            print(explain(root, status))
        rest = len(found) - len(shown)
        if rest:
            print(f"{rest} page x language pairs are up to date (--all lists them)")
        return 0
    # A path as status prints it (docs/<lang>/<page>) names the same page as <page>.
    names = [p.split("/", 2)[2] if p.startswith("docs/") else p for p in args.pages]
    for page in sync(root, names):
        print(f"synced {page}: both versions recorded in {RECORD}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
