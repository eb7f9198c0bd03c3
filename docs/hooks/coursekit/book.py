"""The book: each language's print page (print-site) made a book, then printed to ``book.pdf``.

The build calls ``finish`` on the print page; ``python -m coursekit.book SITE`` prints. Links
print-site could not point inside the book (to a page left out of it, to a file, to an
anchor it did not rename) go to the published site. Chromium prints both languages at once,
untagged (it numbers tags by DOM node, which changes from run to run) and with the commit's dates
(SOURCE_DATE_EPOCH): one commit, the same bytes.
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urljoin

from .alternates import without_head_alternates

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer"]
FLAGS += ["--disable-pdf-tagging"]
DATES = re.compile(rb"/(CreationDate|ModDate) \(D:\d{14}")
HREF = re.compile(r'(<a\b[^>]*?\bhref=")([^"]*)"')


def book_links(html: str, pages: list[str]) -> str:
    """The print page's links, each to an anchor of the book or to the site (``pages``)."""
    ids = set(re.findall(r"""\bid=["']([^"']+)""", html))
    here = re.search(r'<link rel="canonical" href="([^"]+)"', html)
    base = here[1] if here else ""
    keys = {url.strip("/").replace("/", "-") or "index": url for url in pages}

    def link(match: re.Match[str]) -> str:
        href, fragment = match[2], match[2][1:]
        if href.startswith("#") and fragment and fragment not in ids:
            key = max((k for k in keys if f"{fragment}-".startswith(f"{k}-")), key=len, default="")
            anchor = fragment[len(key) + 1 :] if key else ""
            if key in ids and anchor in ids | {""}:
                href = f"#{anchor or key}"
            else:  # a page left out of the book; "..-ch13" is ../ch13/ (the other language)
                path = keys.get(key) or fragment.replace("-", "/") + "/"
                href = urljoin(base, f"../{path}") + (f"#{anchor}" if anchor else "")
        elif not href.startswith(("#", "http", "mailto:")):
            href = urljoin(base, href)
        return f'{match[1]}{href}"'

    # The site's header and navigation stay (but for print-site's "//"); the book's links change.
    chrome, book = html.split('<div id="print-site-page"', 1)
    chrome = re.sub(r'(href="/[^"]*?)//', r"\1/", chrome)
    return chrome + '<div id="print-site-page"' + HREF.sub(link, book)


def finish(site: Path) -> None:
    """The print page as the book: in-book links, solutions open, no hreflang in the head."""
    page = site / "print_page" / "index.html"
    if not page.is_file():  # print-site disabled
        return
    urls = [f"{p.parent.relative_to(site).as_posix()}/" for p in site.rglob("index.html")]
    text = book_links(page.read_text("utf-8"), [url.removeprefix("./") for url in urls])
    text = re.sub(r"<details(?! open)", "<details open", without_head_alternates(text))
    page.write_text(text, encoding="utf-8")


def main(site: Path) -> int:
    """Writes ``book.pdf`` next to each ``print_page/``; without Chromium, says so and skips."""
    chromium = os.environ.get("CHROMIUM") or shutil.which("chromium")
    if not chromium:
        print("book: no Chromium (apt-get install chromium), so no book.pdf", file=sys.stderr)
        return 0
    stamp = time.strftime("%Y%m%d%H%M%S", time.gmtime(int(os.environ.get("SOURCE_DATE_EPOCH", 0))))
    jobs = {}
    with tempfile.TemporaryDirectory() as profiles:
        for index, page in enumerate(sorted(site.glob("**/print_page/index.html"))):
            pdf, profile = page.parent.parent / "book.pdf", f"--user-data-dir={profiles}/{index}"
            run = [chromium, *FLAGS, profile, f"--print-to-pdf={pdf}", page.resolve().as_uri()]
            jobs[pdf] = subprocess.Popen(run, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        for pdf, job in jobs.items():
            _, error = job.communicate(timeout=300)
            if job.returncode or not pdf.is_file():
                print(f"book: Chromium could not print {pdf}:\n{error.decode()}", file=sys.stderr)
                return 1
            pdf.write_bytes(DATES.sub(rb"/\1 (D:" + stamp.encode(), pdf.read_bytes()))
            print(f"book: {pdf} ({pdf.stat().st_size // 1024} KB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(Path(sys.argv[1])))
