"""Checks of the built site, for the tests: what each page declares, loads and shows as text."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlparse

from coursekit import LANGUAGES

SRC = ("script", "img", "iframe", "source", "audio", "video", "embed")
RESOURCE_ATTRS = {**dict.fromkeys(SRC, "src"), "object": "data"}
LINK_RELS = {"stylesheet", "icon", "preload", "modulepreload", "manifest", "prefetch"}
CSS_URL = re.compile(r"""url\(\s*['"]?([^'")]+)""")
CSS_IMPORT = re.compile(r"""@import\s+['"]([^'"]+)""")
# Typeset math, code and scripts may hold TeX; the rest of a page must not, nor tooltips.
VERBATIM = {"pre", "code", "math", "script", "style", "svg", "textarea"}
NO_TOOLTIP = VERBATIM | {"abbr", "a", "h1", "h2", "h3", "h4", "h5", "h6"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
# Typeset formulas, and the hidden text a notebook's copy button copies.
KINDS = {"katex": "math", "arithmatex": "math", "clipboard-copy-txt": "code"}
TEX = re.compile(r"\$|\\[()[\]]|\\[A-Za-z]+")


class _Page(HTMLParser):
    """A built page: its language, the URLs it loads, its text outside code and math."""

    def __init__(self) -> None:
        super().__init__()
        self.lang: str | None = None
        self.urls: list[str] = []
        self.open: list[tuple[str, str]] = []  # the elements around: (tag, "math" or the tag)
        self.text: list[str] = []  # text outside code and math, one entry per text node
        self.nested: list[str] = []  # tooltips inside a tooltip, heading, link, code or math

    def _inside(self, kinds: set[str]) -> str | None:
        return next((kind for _, kind in reversed(self.open) if kind in kinds), None)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {key: value or "" for key, value in attrs}
        if tag == "html":
            self.lang = values.get("lang")
        attr = RESOURCE_ATTRS.get(tag)
        if attr and values.get(attr):
            self.urls.append(values[attr])
        if tag == "link" and values.get("href") and values.get("rel", "").lower() in LINK_RELS:
            self.urls.append(values["href"])
        self.urls += [part.split()[0] for part in values.get("srcset", "").split(",") if part]
        self.urls += CSS_URL.findall(values.get("style", ""))
        outer = self._inside(NO_TOOLTIP)
        if tag == "abbr" and outer:
            self.nested.append(f"a tooltip (abbr) inside {outer}")
        if tag not in VOID:
            kind = next((KINDS[c] for c in values.get("class", "").split() if c in KINDS), tag)
            self.open.append((tag, kind))

    def handle_endtag(self, tag: str) -> None:
        tags = [t for t, _ in self.open]
        if tag in tags:  # also closes whatever was left open inside it
            del self.open[len(tags) - 1 - tags[::-1].index(tag) :]

    def handle_data(self, data: str) -> None:
        # <style> blocks, and scripts that fetch by URL, are scanned as text.
        self.urls += CSS_URL.findall(data) + CSS_IMPORT.findall(data)
        if not self._inside(VERBATIM) and data.strip():
            self.text.append(data)


def _pages(site: Path) -> list[tuple[str, _Page]]:
    found = []
    for path in sorted(site.rglob("*.html")):
        parser = _Page()
        parser.feed(path.read_text(encoding="utf-8"))
        found.append((path.relative_to(site).as_posix(), parser))
    return found


def third_party_resources(site: Path) -> list[str]:
    """Every resource a built page or stylesheet would load from another host."""
    loads = [(rel, page.urls) for rel, page in _pages(site)]
    for path in sorted(site.rglob("*.css")):
        text = path.read_text(encoding="utf-8")
        urls = CSS_URL.findall(text) + CSS_IMPORT.findall(text)
        loads.append((path.relative_to(site).as_posix(), urls))
    return [
        f"site/{rel}: loads {url} from a third-party host; serve it from the site itself"
        for rel, urls in loads
        for url in urls
        if urlparse(url.strip()).netloc or urlparse(url.strip()).scheme in {"http", "https"}
    ]


def wrong_languages(site: Path, languages: dict[str, str]) -> list[str]:
    """Pages whose ``<html lang>`` is not the language of their folder.

    Args:
        site: The built site.
        languages: Language by folder relative to the site ("" for the root, "en" ...).
    """
    problems = []
    for rel, page in _pages(site):
        want = languages[next((p for p in languages if p and rel.startswith(p + "/")), "")]
        if page.lang != want:
            problems.append(f"site/{rel}: <html lang={page.lang!r}>, expected {want!r}")
    return problems


def _source(root: Path, rel: str, text: str) -> str:
    """``docs/<lang>/<page>.md:<line>`` of the text a built page shows, found by searching."""
    hit = TEX.search(text)
    start = hit.start() if hit else 0
    lines = sorted((ln.strip() for ln in text.splitlines() if ln.strip()), key=len, reverse=True)
    wanted = [*lines[:1], text[max(start - 12, 0) : start + 12].strip(), hit[0] if hit else text]
    lang = rel.split("/")[0] if rel.split("/")[0] in LANGUAGES[1:] else LANGUAGES[0]
    stem = Path(rel).parent.name
    candidates = sorted((root / "docs" / lang).rglob("*.md"), key=lambda p: p.stem != stem)
    for piece in wanted:
        for path in candidates:
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if piece and piece in line:
                    return f"{path.relative_to(root).as_posix()}:{number}"
    return f"site/{rel}"


def raw_tex(site: Path, root: Path) -> list[str]:
    """TeX left as text on a built page (a formula the Markdown did not see), with its source."""
    return [
        f"{_source(root, rel, text)}: site/{rel} shows raw TeX: {' '.join(text.split())}"
        for rel, page in _pages(site)
        for text in page.text
        if TEX.search(text)
    ]


def nested_tooltips(site: Path) -> list[str]:
    """Glossary tooltips inside another tooltip, a heading, a link, code or math."""
    return [f"site/{rel}: {where}" for rel, page in _pages(site) for where in page.nested]
