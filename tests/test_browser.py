"""Every page of both languages in headless Chromium, served from 127.0.0.1 under site_url's path.

A page fails on any request to another host, any response >= 400, any console error, or a
formula left as raw TeX. Search must answer in each language from that language's pages, and
the language switch must lead to the same page. Screenshots land in .cache/screenshots/.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SHOTS = ROOT / ".cache" / "screenshots"

if not Path(CHROMIUM).exists():
    if os.environ.get("CI"):
        raise RuntimeError("Chromium is missing: .ci/run installs it (apt-get install chromium)")
    pytest.skip(
        "Chromium is not installed (apt-get install chromium); CI runs this test",
        allow_module_level=True,
    )

from playwright.sync_api import Page, sync_playwright  # noqa: E402


def site_path() -> str:
    text = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    url = next(
        line.split(":", 1)[1].strip() for line in text.splitlines() if line.startswith("site_url:")
    )
    return urlparse(url).path  # "/course/"


class Handler(http.server.SimpleHTTPRequestHandler):
    prefix = "/"

    def translate_path(self, path: str) -> str:
        if not path.startswith(self.prefix):
            return str(Path(self.directory) / "__outside_site_url__")
        return super().translate_path("/" + path[len(self.prefix) :])

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def base_url(site: Path) -> Iterator[str]:
    prefix = site_path()
    handler = functools.partial(type("H", (Handler,), {"prefix": prefix}), directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}{prefix}"
    server.shutdown()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield chromium
        chromium.close()


def page_urls(site: Path) -> list[str]:
    urls = []
    for html in sorted(site.rglob("index.html")):
        rel = html.parent.relative_to(site).as_posix()
        urls.append("" if rel == "." else rel + "/")
    return urls


class Visit:
    """Opens one page and records everything that went wrong."""

    def __init__(
        self, browser: object, url: str, context: object = None, wait: str = "networkidle"
    ) -> None:
        self.problems: list[str] = []
        self.own_context = context is None
        self.context = context or browser.new_context(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
        self.page: Page = self.context.new_page()  # type: ignore[attr-defined]
        host = urlparse(url).netloc
        self.page.route("**/*", functools.partial(self._route, host))
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        self.page.on("response", self._response)
        self.page.goto(url, wait_until=wait)  # type: ignore[arg-type]

    def _route(self, host: str, route: object) -> None:
        request = route.request  # type: ignore[attr-defined]
        if (
            urlparse(request.url).scheme in {"http", "https"}
            and urlparse(request.url).netloc != host
        ):
            self.problems.append(f"request to another host: {request.url}")
            route.abort()  # type: ignore[attr-defined]
        else:
            route.continue_()  # type: ignore[attr-defined]

    def _console(self, message: object) -> None:
        if message.type == "error":  # type: ignore[attr-defined]
            self.problems.append(f"console error: {message.text}")  # type: ignore[attr-defined]

    def _response(self, response: object) -> None:
        if response.status >= 400:  # type: ignore[attr-defined]
            self.problems.append(f"HTTP {response.status}: {response.url}")  # type: ignore[attr-defined]

    def close(self) -> None:
        self.page.close()
        if self.own_context:
            self.context.close()  # type: ignore[attr-defined]


RAW_TEX = r"""() => {
  const bad = [];
  for (const el of document.querySelectorAll('.arithmatex')) {
    if (!el.querySelector('.katex')) bad.push(el.textContent.trim().slice(0, 60));
  }
  for (const el of document.querySelectorAll('.katex-error')) bad.push(el.textContent.slice(0, 60));
  // TeX the Markdown never saw (a formula in a list indented too little) is plain text.
  const skip = 'pre, code, math, script, style, .katex, .arithmatex, .clipboard-copy-txt';
  const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walk.nextNode(); node; node = walk.nextNode()) {
    const text = node.textContent;
    if (/\$|\\[()[\]]|\\[A-Za-z]+/.test(text) && !node.parentElement.closest(skip)) {
      bad.push(text.trim().slice(0, 60));
    }
  }
  return bad;
}"""


def test_every_page_renders_offline_and_cleanly(site, base_url, browser):
    urls = page_urls(site)
    assert len(urls) >= 12, urls
    failures = []
    # One browser context for all pages, "load" rather than network idle, and screenshots of
    # the first screen: well under a second a page (a context and a full-page shot each cost
    # seconds). Every resource a page asks for is still seen by the route handler.
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    for rel in urls:
        visit = Visit(browser, base_url + rel, context=context, wait="load")
        problems = list(visit.problems)
        problems += [f"raw TeX left unrendered: {tex!r}" for tex in visit.page.evaluate(RAW_TEX)]
        lang = visit.page.evaluate("document.documentElement.lang")
        expected = "en" if rel.startswith("en/") else "ru"
        if lang != expected:
            problems.append(f"<html lang={lang!r}>, expected {expected!r}")
        shot = SHOTS / (rel.rstrip("/").replace("/", "__") or "index")
        shot.parent.mkdir(parents=True, exist_ok=True)
        visit.page.screenshot(path=f"{shot}.png")
        visit.close()
        failures += [f"{base_url}{rel}: {p}" for p in problems]
    context.close()
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize(
    ("start", "query", "own", "other"),
    [("", "градиенты", "", "en/"), ("en/", "gradients", "en/", None)],
)
def test_search_answers_in_the_page_language(base_url, browser, start, query, own, other):
    visit = Visit(browser, base_url + start)
    visit.page.wait_for_timeout(500)  # the search worker builds its index
    visit.page.click(".md-search__input", timeout=5000)
    visit.page.keyboard.type(query, delay=20)
    # Non-Latin text arrives without key events; Material reads the query on keyup.
    visit.page.keyboard.press("End")
    visit.page.wait_for_selector(".md-search-result__item", timeout=15000)
    links = visit.page.eval_on_selector_all(
        ".md-search-result__item a", "els => els.map(e => e.href)"
    )
    visit.close()
    assert links, f"no results for {query!r}"
    for link in links:
        path = urlparse(link).path
        assert path.startswith(site_path() + own), f"{query!r} found {link}, outside its language"
        if other:
            assert not path.startswith(site_path() + other), f"{query!r} found {link} in {other}"
    assert not visit.problems, visit.problems


def test_language_switch_keeps_the_page(base_url, browser):
    nav = yaml.safe_load(
        (ROOT / "mkdocs.yml").read_text(encoding="utf-8").split("\nnav:\n")[1].join(["nav:\n", ""])
    )
    chapter = next(p for p in str(nav).split("'") if p.startswith("ch") and p.endswith(".md"))
    name = chapter[: -len(".md")]
    visit = Visit(browser, f"{base_url}{name}/")
    visit.page.hover(".md-header__option .md-select")
    visit.page.click(".md-select__link[hreflang=en]")
    visit.page.wait_for_load_state("networkidle")
    assert urlparse(visit.page.url).path == f"{site_path()}en/{name}/"
    assert visit.page.evaluate("document.documentElement.lang") == "en"
    visit.page.hover(".md-header__option .md-select")
    visit.page.click(".md-select__link[hreflang=ru]")
    visit.page.wait_for_load_state("networkidle")
    assert urlparse(visit.page.url).path == f"{site_path()}{name}/"
    visit.close()


def test_every_tab_of_the_largest_tab_set_still_opens(site, base_url, browser):
    """The theme's CSS keeps the tab rules up to the most tabs a set has (coursekit/theme_css)."""
    page = next(
        p for p in sorted(site.glob("ch*/index.html")) if 'data-tabs="1:4"' in p.read_text("utf-8")
    )
    visit = Visit(browser, f"{base_url}{page.parent.name}/")
    tab_set = visit.page.locator(".tabbed-set").first
    labels = tab_set.locator(".tabbed-labels > label")
    blocks = tab_set.locator(".tabbed-content > .tabbed-block")
    assert labels.count() == 4
    for i in range(4):
        labels.nth(i).click()
        shown = [blocks.nth(j).is_visible() for j in range(4)]
        assert shown == [j == i for j in range(4)], f"tab {i + 1}: {shown}"
    visit.close()
    assert not visit.problems, visit.problems


def test_the_colour_scheme_switch_still_works(base_url, browser):
    visit = Visit(browser, base_url)
    scheme = "document.body.getAttribute('data-md-color-scheme')"
    assert visit.page.evaluate(scheme) == "default"
    visit.page.click("label[for=__palette_1]")
    visit.page.wait_for_function(f"{scheme} === 'slate'", timeout=5000)
    colour = visit.page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert colour != "rgb(255, 255, 255)", colour
    visit.close()
    assert not visit.problems, visit.problems


def test_the_search_index_is_fetched_when_the_reader_goes_to_search(base_url, browser):
    """partials/search-on-demand.html holds the theme's request until the search field is used."""
    visit = Visit(browser, f"{base_url}ch03_gradients/")
    visit.page.wait_for_timeout(1000)
    names = visit.page.evaluate("performance.getEntriesByType('resource').map(e => e.name)")
    fetched = [name for name in names if "search_index" in name]
    assert not fetched, f"a page fetched the search index as it loaded: {fetched}"
    with visit.page.expect_request("**/search/search_index.json", timeout=5000):
        visit.page.focus(".md-search__input")
    visit.close()
    assert not visit.problems, visit.problems


def test_a_page_opened_from_a_search_result_highlights_the_query(base_url, browser):
    visit = Visit(browser, f"{base_url}ch03_gradients/?h=градиент")
    visit.page.wait_for_selector("mark[data-md-highlight]", timeout=10000)
    visit.close()
    assert not visit.problems, visit.problems


@pytest.mark.parametrize(
    ("page", "blocks"),
    [
        ("ch03_gradients/", ".md-content .highlight:not(details:not([open]) *)"),
        ("notebooks/ch13_is_it_a_cat/", ".notebook-section .highlight-ipynb"),
    ],
)
def test_code_blocks_get_their_copy_button_as_they_scroll_into_view(
    base_url, browser, page, blocks
):
    """`content.lazy` (a flag in Material's source, not in its documentation) adds the buttons
    block by block as each comes into view, so a page does less as it loads; this fails when a
    theme update drops the flag, or when a shown block has no button. Notebook views carry the
    theme's button instead of mkdocs-jupyter's widget (coursekit.notebooks), in lazy sections,
    and it copies the cell's code."""
    visit = Visit(browser, f"{base_url}{page}")
    shown = visit.page.locator(blocks)
    assert shown.count() > 20
    last = shown.nth(shown.count() - 1)
    assert last.locator(".md-code__button").count() == 0, "not lazy: every block has its button"
    last.scroll_into_view_if_needed()
    button = last.locator(".md-code__button")
    button.wait_for(timeout=5000)
    target = button.get_attribute("data-clipboard-target")
    code = last.locator("code").inner_text()
    assert target and "(" in code and visit.page.locator(target).inner_text() == code
    visit.close()
    assert not visit.problems, visit.problems
