"""Lighthouse (mobile, default throttling) on every kind of page, in both languages.

Usage: ``python benchmarks/audit.py [--site site] [--runs N] [--only KIND] [--reports DIR]``
(or ``make audit``, which builds the site and installs the pinned Lighthouse from package.json
first). The built site is served as GitHub Pages serves it, under site_url's path and with gzip.
Prints one row per page and fails when a page scores under the thresholds below. Scores move
from run to run on a small machine, so each page is audited ``--runs`` times (3 by default) and
its median scores count.
"""

from __future__ import annotations

import argparse
import functools
import gzip
import http.server
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
LIGHTHOUSE = Path(os.environ.get("LIGHTHOUSE") or ROOT / "node_modules" / ".bin" / "lighthouse")
CHROMIUM = os.environ.get("CHROMIUM") or "/usr/bin/chromium"
PAGES = {  # kind -> path under a language's root
    "home": "",
    "chapter": "ch03_gradients/",
    "API reference": "api/optim/",
    "glossary": "glossary/",
    "notebook": None,  # the heaviest notebook view of each language (heaviest_notebook)
}
THRESHOLDS = {"performance": 0.95, "accessibility": 1.0, "best-practices": 1.0, "seo": 1.0}
MAX_BYTES = 400 * 1024
COMPRESSIBLE = (".html", ".css", ".js", ".json", ".svg", ".xml", ".txt", ".ipynb")


class GzipHandler(http.server.SimpleHTTPRequestHandler):
    """Serves the site under a path prefix, gzipping text as GitHub Pages does."""

    prefix = "/"

    def log_message(self, format: str, *args: object) -> None:
        pass

    def translate_path(self, path: str) -> str:
        path = urlparse(path).path
        if not path.startswith(self.prefix):
            return str(Path(self.directory) / "__outside__")
        return super().translate_path("/" + path[len(self.prefix) :])

    def send_head(self):  # type: ignore[no-untyped-def]
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            path = path / "index.html"
        if (
            path.is_file()
            and path.suffix in COMPRESSIBLE
            and "gzip" in self.headers.get("Accept-Encoding", "")
        ):
            body = gzip.compress(path.read_bytes(), mtime=0)
            self.send_response(200)
            self.send_header("Content-Type", self.guess_type(str(path)))
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            return _Body(body)
        return super().send_head()


class _Body:
    def __init__(self, data: bytes) -> None:
        self.data = data

    def read(self, *args: object) -> bytes:
        data, self.data = self.data, b""
        return data

    def close(self) -> None:
        pass


def site_prefix() -> str:
    text = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    url = next(
        ln.split(":", 1)[1].strip() for ln in text.splitlines() if ln.startswith("site_url:")
    )
    return urlparse(url).path


def audit(url: str, out: Path) -> dict[str, float]:
    subprocess.run(
        [
            str(LIGHTHOUSE),
            url,
            "--quiet",
            "--output=json",
            f"--output-path={out}",
            "--chrome-flags=--headless=new --no-sandbox --disable-gpu",
        ],
        check=True,
        env={**os.environ, "CHROME_PATH": CHROMIUM},
    )
    report = json.loads(out.read_text(encoding="utf-8"))
    scores = {key: report["categories"][key]["score"] for key in THRESHOLDS}
    scores["bytes"] = report["audits"]["total-byte-weight"]["numericValue"]
    scores["dom"] = report["audits"]["dom-size"]["numericValue"]
    return scores


def heaviest_notebook(site: Path) -> str:
    """The notebook view whose page and images weigh the most: the one most likely to be slow."""

    def weight(page: Path) -> int:
        images = sum(p.stat().st_size for p in page.parent.rglob("*") if p.suffix != ".html")
        return page.stat().st_size + images

    pages = sorted((site / "notebooks").glob("*/index.html"), key=weight)
    return pages[-1].parent.relative_to(site).as_posix() + "/"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--site", default=str(ROOT / "site"))
    parser.add_argument("--reports", help="keep each page's Lighthouse JSON report in this folder")
    parser.add_argument("--only", help="audit only the page kinds whose name contains this")
    parser.add_argument("--runs", type=int, default=3, help="Lighthouse runs a page (median)")
    args = parser.parse_args()
    prefix = site_prefix()
    handler = functools.partial(type("H", (GzipHandler,), {"prefix": prefix}), directory=args.site)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}{prefix}"
    failures = []
    header = f"{'page':28} {'perf':>5} {'a11y':>5} {'best':>5} {'seo':>5} {'KB':>6} {'DOM':>6}"
    print(header)
    with tempfile.TemporaryDirectory() as tmp:
        reports = Path(args.reports or tmp)
        reports.mkdir(parents=True, exist_ok=True)
        for lang, root in (("ru", ""), ("en", "en/")):
            for kind, path in PAGES.items():
                path = path if path is not None else heaviest_notebook(Path(args.site) / root)
                if args.only and args.only not in kind:
                    continue
                name = (
                    f"{kind} ({lang})"
                    if PAGES[kind] is not None
                    else f"{kind} ({lang}, {path[10:-1]})"
                )
                runs = [
                    audit(
                        base + root + path,
                        reports / f"{kind.replace(' ', '-')}-{lang}-{run}.json",
                    )
                    for run in range(args.runs)
                ]
                scores = {key: statistics.median(r[key] for r in runs) for key in runs[0]}
                print(
                    f"{name:28} {scores['performance']:5.2f} {scores['accessibility']:5.2f} "
                    f"{scores['best-practices']:5.2f} {scores['seo']:5.2f} "
                    f"{scores['bytes'] / 1024:6.0f} {scores['dom']:6.0f}",
                    flush=True,
                )
                failures += [
                    f"{name}: {key} {scores[key]:.2f} < {limit}"
                    for key, limit in THRESHOLDS.items()
                    if scores[key] < limit
                ]
                if scores["bytes"] > MAX_BYTES:
                    failures.append(f"{name}: {scores['bytes'] / 1024:.0f} KB > 400 KB")
    server.shutdown()
    for failure in failures:
        print("below threshold:", failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
