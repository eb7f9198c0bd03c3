"""The book: every chapter of a language on one printable page (print-site), and its PDF.

`make build` writes site/print_page/ and site/book.pdf (Russian), site/en/... (English); the
PDF's text is read with PDFium (pypdfium2). That two builds give the same PDF is tested with
the rest of the site (test_site.py).
"""

import html
import re
from pathlib import Path

import pypdfium2 as pdfium
import pytest

LANGS = {"": "ru", "en": "en"}
CHAPTERS = [f"ch{n:02d}" for n in range(1, 16)]
BOOK_BUDGET = 6 * 1024 * 1024  # bytes per PDF; about 3.3 MB now
TEX = re.compile(r"\$\$|\\\(|\\\[|\\(?:frac|partial|sum|sqrt|mathbf|cdot|left|right|begin)\b")


def pdf_text(path: Path) -> str:
    document = pdfium.PdfDocument(path)
    text = "\n".join(page.get_textpage().get_text_range() for page in document)
    return " ".join(text.replace("\r", "").split())


@pytest.fixture(scope="module", params=list(LANGS))
def book(request, site):
    prefix = request.param
    pdf = site / prefix / "book.pdf"
    assert pdf.is_file(), f"{pdf} is missing: make build prints it with Chromium"
    page = (site / prefix / "print_page" / "index.html").read_text(encoding="utf-8")
    return prefix, pdf, page, pdf_text(pdf)


def titles(root: Path, lang: str) -> list[str]:
    pages = [next((root / "docs" / lang).glob(f"{c}_*.md")) for c in CHAPTERS]
    return [p.read_text(encoding="utf-8").splitlines()[0].removeprefix("# ") for p in pages]


def test_every_chapter_is_in_the_pdf_in_order_after_the_setup_page(root, book):
    prefix, _pdf, _page, text = book
    lang = LANGS[prefix]
    setup = (root / "docs" / lang / "setup.md").read_text("utf-8").splitlines()[0][2:]
    missing = [title for title in [setup, *titles(root, lang)] if title not in text]
    assert not missing, f"not in the PDF: {missing}"
    # Each title appears in the table of contents first, then as its chapter's heading.
    bodies = [text.find(title, text.find(title) + 1) for title in titles(root, lang)]
    assert -1 not in bodies and bodies == sorted(bodies), "chapters out of order"


def test_every_figure_is_in_the_pdf_in_the_pages_language(site, book):
    prefix, _pdf, page, text = book
    figures = sorted((site / prefix / "figures").rglob("*.svg"))
    assert len(figures) > 20
    missing = []
    for svg in figures:
        rel = svg.relative_to(site / prefix).as_posix()
        if f"../{rel}" not in page:
            missing.append(f"{rel}: not on the print page")
            continue
        words = [
            html.unescape(w) for w in re.findall(r"<text[^>]*>([^<]{4,})</text>", svg.read_text())
        ]
        if words and not any(" ".join(w.split()) in text for w in words):
            missing.append(f"{rel}: none of its words {words[:3]} in the PDF")
    assert not missing, "\n".join(missing)


def test_formulas_are_typeset_and_no_raw_tex_is_left(book):
    _prefix, _pdf, page, text = book
    assert page.count('class="katex"') > 500
    prose = re.sub(r"<(pre|code|script|style)\b.*?</\1>", "", page, flags=re.S)
    assert not TEX.search(re.sub(r"<math\b.*?</math>", "", prose, flags=re.S))
    code = re.findall(r"<(?:pre|code)\b.*?</(?:pre|code)>", page, flags=re.S)
    in_code = {
        m for block in code for m in TEX.findall(html.unescape(re.sub("<[^>]+>", "", block)))
    }
    assert {m for m in TEX.findall(text)} <= in_code, "TeX in the PDF that no code block shows"


def test_each_code_blocks_output_is_under_it(site, book):
    prefix, _pdf, page, text = book
    label = "Вывод" if LANGS[prefix] == "ru" else "Output"
    chapters = sorted((site / prefix).glob("ch*/index.html"))
    shown = sum(
        p.read_text("utf-8").count(f'<span class="filename">{label}</span>') for p in chapters
    )
    assert shown > 200
    assert page.count(f'<span class="filename">{label}</span>') == shown
    assert text.count(label) >= shown


def test_links_inside_the_book_lead_to_its_anchors_and_the_rest_to_the_site(book):
    _prefix, _pdf, page, _text = book
    body = page.split('<div id="print-site-page"', 1)[1]
    ids = set(re.findall(r"""\bid=["']([^"']+)""", page))
    hrefs = re.findall(r'<a\b[^>]*?\bhref="([^"]*)"', body)
    inside = [h for h in hrefs if h.startswith("#") and h != "#"]
    assert len(inside) > 400
    assert not [h for h in inside if h[1:] not in ids], "in-book links to no anchor"
    relative = [h for h in hrefs if not h.startswith(("#", "https://", "http://", "mailto:"))]
    assert not relative, f"relative links that lead nowhere from a PDF: {relative[:5]}"
    # A chapter of this language is in the book: a link to it must not leave for the site.
    # (Other pages, and the other language's chapters that a banner links, are on the site.)
    book_url = re.search(r'<link rel="canonical" href="([^"]+)"', page)[1]  # type: ignore[index]
    chapters = [h for h in hrefs if h.startswith(book_url.removesuffix("print_page/") + "ch")]
    assert not chapters, f"links that leave the book for a chapter it holds: {chapters[:5]}"


def test_the_pdf_stays_within_its_budget_and_the_home_page_links_it(site, book):
    prefix, pdf, _page, _text = book
    assert 1024 * 1024 < pdf.stat().st_size < BOOK_BUDGET
    home = (site / prefix / "index.html").read_text(encoding="utf-8")
    assert 'href="book.pdf"' in home and 'href="print_page/"' in home
