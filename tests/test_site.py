"""The built site: offline, the right language everywhere, notebooks with real outputs."""

import json
import re
from pathlib import Path

import nbformat
import pytest
import yaml
from coursekit import LANGUAGES
from site_checks import (
    nested_tooltips,
    raw_tex,
    third_party_resources,
    wrong_languages,
)

# Each language's folder in the built site: the first language at the root.
LANGS = {("" if i == 0 else lang): lang for i, lang in enumerate(LANGUAGES)}


def chapters(root: Path) -> list[str]:
    return sorted(p.stem for p in (root / "snippets").glob("ch*.py"))


def test_no_page_loads_a_third_party_resource(site):
    problems = third_party_resources(site)
    assert not problems, "\n".join(problems)


def test_html_lang_is_the_page_language(site):
    problems = wrong_languages(site, LANGS)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("prefix", ["", "en"])
def test_each_chapter_has_an_executed_notebook_to_download(root, site, prefix):
    for chapter in chapters(root):
        folder = site / prefix / "notebooks" / chapter
        assert (folder / "index.html").is_file(), f"no notebook page for {chapter}"
        notebook = nbformat.read(folder / f"{chapter}.ipynb", as_version=4)
        install, *code = [c for c in notebook.cells if c.cell_type == "code"]
        assert "-m pip install" in install.source, f"{chapter}.ipynb: no install cell first"
        assert code, f"{chapter}.ipynb has no code"
        assert all(c.execution_count for c in code), f"{chapter}.ipynb: a cell was not run"
        assert any(c.outputs for c in code), f"{chapter}.ipynb has no outputs"
        assert not any(o.output_type == "error" for c in code for o in c.outputs)
        # The page's prose, in the page's language, with links absolute to the published site.
        prose = "\n".join(c.source for c in notebook.cells if c.cell_type == "markdown")
        source = (root / "docs" / LANGS[prefix] / f"{chapter}.md").read_text(encoding="utf-8")
        second_heading = next(ln for ln in source.splitlines() if ln.startswith("## "))
        assert second_heading.split("{#")[0].strip() in prose, f"{chapter}.ipynb lacks the prose"
        assert "](ch0" not in prose and ".md)" not in prose, f"{chapter}.ipynb: a relative link"
        page = (folder / "index.html").read_text(encoding="utf-8")
        assert f'href="{chapter}.ipynb"' in page or f"{chapter}.ipynb" in page
        assert "No description has been provided" not in page, f"{chapter}: a figure lacks alt"


def test_language_switch_leads_to_the_same_page(root, site):
    for page in sorted((site).glob("*/index.html")):
        if page.parent.name in {"en", "assets", "search"}:
            continue
        html = page.read_text(encoding="utf-8")
        name = page.parent.name
        if name == "print_page":  # print-site renders it with the 404 page's root-based links
            assert 'href="/course/en/print_page/" hreflang="en"' in html
            en_html = (site / "en" / name / "index.html").read_text(encoding="utf-8")
            assert 'href="/course/en/../print_page/" hreflang="ru"' in en_html
            continue
        to_en = f'href="../en/{name}/" hreflang="en" lang="en" target="_self"'
        assert to_en in html, f"{page}: no switch to en/{name}/"
        en_html = (site / "en" / name / "index.html").read_text(encoding="utf-8")
        to_ru = f'href="../../{name}/" hreflang="ru" lang="ru" target="_self"'
        assert to_ru in en_html, f"en/{name}: no switch back"


@pytest.mark.parametrize("prefix", ["", "en"])
def test_search_index_holds_one_language(site, prefix):
    index = json.loads((site / prefix / "search" / "search_index.json").read_text("utf-8"))
    assert index["config"]["lang"] == [LANGS[prefix]]
    locations = [doc["location"] for doc in index["docs"]]
    assert locations and not any(loc.startswith("en/") for loc in locations)


@pytest.mark.parametrize("prefix", ["", "en"])
def test_figure_words_are_in_the_search_index(site, prefix):
    from coursekit.search_index import figure_words

    index = json.loads((site / prefix / "search" / "search_index.json").read_text("utf-8"))
    text = " ".join(d["text"] for d in index["docs"] if d["location"].startswith("ch08_"))
    figures = sorted((site / prefix / "figures" / "ch08_training").glob("*.svg"))
    words = [" ".join(figure_words(f.read_text(encoding="utf-8"))) for f in figures]
    assert any(words), "no figure of chapter 8 has words as text"
    assert all(w in text for w in words), words  # each figure's words, in the figure's order


def test_every_nav_page_exists_in_both_configs(root):
    def nav_files(config: str) -> list[str]:
        text = (root / config).read_text(encoding="utf-8")
        nav = yaml.safe_load(text.split("\nnav:\n", 1)[1].join(["nav:\n", ""]))["nav"]
        found: list[str] = []

        def walk(entry):
            if isinstance(entry, str):
                found.append(entry)
            elif isinstance(entry, dict):
                for value in entry.values():
                    walk(value)
            elif isinstance(entry, list):
                for value in entry:
                    walk(value)

        walk(nav)
        return found

    assert nav_files("mkdocs.yml") == nav_files("mkdocs.en.yml")


@pytest.mark.parametrize("prefix", ["", "en"])
def test_edit_links_open_the_page_in_its_own_language(root, site, prefix):
    lang = LANGS[prefix]
    for page in sorted((root / "docs" / lang).glob("*.md")):
        html = (
            site / prefix / ("" if page.stem == "index" else page.stem) / "index.html"
        ).read_text(encoding="utf-8")
        assert f"/edit/main/docs/{lang}/{page.name}" in html, f"{lang}/{page.name}: edit link"


def test_two_builds_of_one_commit_are_identical(root, site, tmp_path):
    """Rebuilds the English site and its book and compares every file: no random ids, no clock."""
    import filecmp
    import os
    import subprocess
    import sys

    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    env.setdefault(
        "SOURCE_DATE_EPOCH",
        subprocess.run(
            ["git", "log", "-1", "--format=%ct"], cwd=root, capture_output=True, text=True
        ).stdout.strip()
        or "0",
    )
    again = tmp_path / "en"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "mkdocs",
            "build",
            "--quiet",
            "-f",
            "mkdocs.en.yml",
            "-d",
            str(again),
        ],
        cwd=root,
        env=env,
        check=True,
    )
    # The book too: make build's last step prints the print page to book.pdf.
    book = [sys.executable, "-m", "coursekit.book", str(tmp_path)]
    hooks = {**env, "PYTHONPATH": str(root / "docs" / "hooks")}
    subprocess.run(book, cwd=root, env=hooks, check=True, capture_output=True)
    different = []

    def compare(left: Path, right: Path) -> None:
        cmp = filecmp.dircmp(left, right)
        different.extend(str(left / n) for n in cmp.left_only + cmp.right_only)
        _, mismatch, errors = filecmp.cmpfiles(left, right, cmp.common_files, shallow=False)
        different.extend(str(left / n) for n in mismatch + errors)
        for sub in cmp.common_dirs:
            compare(left / sub, right / sub)

    compare(site / "en", again)
    assert not different, "these files differ between two builds: " + ", ".join(different[:10])


@pytest.mark.parametrize("prefix", ["", "en"])
def test_formulas_are_typeset_at_build_and_no_page_loads_a_math_script(site, prefix):
    typeset = 0
    for page in sorted((site / prefix).rglob("index.html")):
        if prefix == "" and page.is_relative_to(site / "en"):
            continue
        html = page.read_text(encoding="utf-8")
        scripts = [s for s in re.findall(r"<script[^>]*src=\"([^\"]*)\"", html)]
        assert not [s for s in scripts if "katex" in s or "mathjax" in s.lower() or not s], (
            f"{page}: loads a math script (or an empty src): {scripts}"
        )
        assert (
            "\\(" not in re.sub(r"<(pre|code)\b.*?</\1>", "", html, flags=re.S)
            or "arithmatex" not in html
        )
        typeset += html.count('class="katex"')
    assert typeset > 100, "formulas are not typeset at build"


# Budgets of what a reader's browser downloads, gzip-compressed as GitHub Pages serves it.
# Lighthouse (make audit) measures the rest: fonts, and what scripts fetch after the load.
FIRST_LOAD_BUDGET = 200 * 1024  # a page, its stylesheets and scripts, its images not lazy
SEARCH_INDEX_BUDGET = 200 * 1024  # every page's search loads its language's index


def first_load_bytes(page: Path) -> int:
    import gzip

    html = page.read_text(encoding="utf-8")
    total = len(gzip.compress(html.encode(), mtime=0))
    refs = re.findall(r'<link[^>]*rel="stylesheet"[^>]*href="([^"]+)"', html)
    refs += re.findall(r'<script[^>]*src="([^"]+)"', html)
    refs += re.findall(r'<img(?![^>]*loading="lazy")[^>]*src="([^"]+)"', html)
    for ref in refs:
        path = (page.parent / ref.split("?")[0]).resolve()
        if not ref.startswith("data:") and path.is_file():
            data = path.read_bytes()
            text = path.suffix in {".css", ".js", ".svg", ".html"}
            total += len(gzip.compress(data, mtime=0)) if text else len(data)
    return total


@pytest.mark.parametrize("prefix", ["", "en"])
def test_every_page_kind_stays_within_its_first_load_budget(site, prefix):
    kinds = {
        "home": "index.html",
        "chapter": "ch03_gradients/index.html",
        "API reference": "api/optim/index.html",
        "glossary": "glossary/index.html",
        "notebook": "notebooks/ch13_is_it_a_cat/index.html",
    }
    over = {
        kind: first_load_bytes(site / prefix / path) // 1024
        for kind, path in kinds.items()
        if first_load_bytes(site / prefix / path) > FIRST_LOAD_BUDGET
    }
    assert not over, f"over {FIRST_LOAD_BUDGET // 1024} KB (gzip) on first load: {over}"
    index = (site / prefix / "search" / "search_index.json").read_bytes()
    import gzip

    assert len(gzip.compress(index, mtime=0)) < SEARCH_INDEX_BUDGET
    assert b"\\u04" not in index, "the search index escapes Cyrillic (6 bytes a letter)"


@pytest.mark.parametrize("prefix", ["", "en"])
def test_the_theme_css_is_cut_to_what_pages_use_and_only_the_math_font_is_served(site, prefix):
    sheets = site / prefix / "assets" / "stylesheets"
    css = "".join(p.read_text(encoding="utf-8") for p in sheets.glob("*.css"))
    places = {int(n) for n in re.findall(r"tabbed-set ?>input:nth-child\((\d+)\)", css)}
    most = max(
        int(n)
        for n in re.findall(
            r'data-tabs="\d+:(\d+)"',
            "".join(p.read_text(encoding="utf-8") for p in (site / prefix).glob("ch*/index.html")),
        )
    )
    assert places == set(range(2, most + 1)), (
        f"tab rules for tabs {sorted(places)}, pages have {most}"
    )
    assert ".grid" not in css and "twemoji" not in css
    assert "[data-md-color-switching] *" not in css and "[data-md-color-switching] .md-nav" in css
    faces = re.findall(r"@font-face\s*{[^}]*font-family:\s*\"?([^;\"]+)", css)
    assert faces == ["Latin Modern Math"], faces
    fonts = sorted(p.name for p in (site / prefix / "assets" / "fonts").glob("*.woff*"))
    assert fonts == ["latinmodern-math.woff2"], fonts


# Lighthouse counts a page's elements once its script has run; the theme's script adds about 100
# (copy buttons, tooltips), so the HTML itself keeps that much under 3,000.
MAX_ELEMENTS_IN_HTML = 2900


@pytest.mark.parametrize("prefix", ["", "en"])
def test_chapter_pages_stay_under_the_element_budget(site, prefix):
    over = {}
    for page in sorted((site / prefix).glob("ch*/index.html")):
        elements = len(re.findall(r"<[a-zA-Z]", page.read_text(encoding="utf-8")))
        if elements > MAX_ELEMENTS_IN_HTML:
            over[page.parent.name] = elements
    assert not over, f"chapter pages over {MAX_ELEMENTS_IN_HTML} elements: {over}"


@pytest.mark.parametrize("prefix", ["", "en"])
def test_language_versions_are_in_the_sitemap_not_in_relative_head_links(site, prefix):
    sitemap = (site / prefix / "sitemap.xml").read_text(encoding="utf-8")
    pages = re.findall(r"<loc>([^<]*)</loc>", sitemap)
    links = re.findall(r'hreflang="([^"]*)" href="(https://[^"]*)"', sitemap)
    assert len(links) == 3 * len(pages) > 0, "each page: ru, en and x-default"
    for page in (site / prefix).rglob("index.html"):
        head = page.read_text(encoding="utf-8").split("</head>")[0]
        assert "hreflang" not in head, f"{page}: hreflang in the head"


def test_no_page_or_notebook_view_shows_raw_tex(root, site):
    problems = raw_tex(site, root)
    assert not problems, "\n".join(problems)


def test_no_tooltip_sits_inside_another_tooltip_a_heading_a_link_code_or_math(site):
    problems = nested_tooltips(site)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("prefix", ["", "en"])
def test_the_home_page_plan_numbers_each_chapter_with_its_own_number(site, prefix):
    html = (site / prefix / "index.html").read_text(encoding="utf-8")
    numbered = []
    for start, items in re.findall(r'<ol(?: start="(\d+)")?>(.*?)</ol>', html, re.S):
        chapters = re.findall(r'<li>\s*<a href="ch(\d+)_', items)
        numbered += [(int(start or 1) + i, int(n)) for i, n in enumerate(chapters)]
    assert [shown for shown, _ in numbered] == [chapter for _, chapter in numbered]
    assert len(numbered) >= 15 and (10, 10) in numbered
