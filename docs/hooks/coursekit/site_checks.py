"""Checks of the built site: what each HTML page declares and what it would load."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlparse

RESOURCE_ATTRS = {
    "script": "src",
    "img": "src",
    "iframe": "src",
    "source": "src",
    "audio": "src",
    "video": "src",
    "embed": "src",
    "object": "data",
}
CSS_URL = re.compile(r"""url\(\s*['"]?([^'")]+)""")
CSS_IMPORT = re.compile(r"""@import\s+['"]([^'"]+)""")


class _Resources(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.lang: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "html":
            self.lang = values.get("lang")
        attr = RESOURCE_ATTRS.get(tag)
        if attr and values.get(attr):
            self.urls.append(str(values[attr]))
        if tag == "link" and values.get("href"):
            rel = (values.get("rel") or "").lower()
            if rel in {"stylesheet", "icon", "preload", "modulepreload", "manifest", "prefetch"}:
                self.urls.append(str(values["href"]))
        if values.get("srcset"):
            self.urls.extend(part.split()[0] for part in str(values["srcset"]).split(",") if part)
        if values.get("style"):
            self.urls.extend(CSS_URL.findall(str(values["style"])))

    def handle_data(self, data: str) -> None:
        # <style> blocks, and scripts that fetch by URL, are scanned as text.
        self.urls.extend(CSS_URL.findall(data))
        self.urls.extend(CSS_IMPORT.findall(data))


def _third_party(url: str) -> bool:
    parsed = urlparse(url.strip())
    return bool(parsed.netloc) or parsed.scheme in {"http", "https"}


def third_party_resources(site: Path) -> list[str]:
    """Every resource a built page or stylesheet would load from another host."""
    problems = []
    for path in sorted(site.rglob("*")):
        rel = path.relative_to(site).as_posix()
        if path.suffix == ".html":
            parser = _Resources()
            parser.feed(path.read_text(encoding="utf-8"))
            urls = parser.urls
        elif path.suffix == ".css":
            text = path.read_text(encoding="utf-8")
            urls = CSS_URL.findall(text) + CSS_IMPORT.findall(text)
        else:
            continue
        for url in urls:
            if _third_party(url):
                problems.append(
                    f"site/{rel}: loads {url} from a third-party host; "
                    "serve it from the site itself"
                )
    return problems


def wrong_languages(site: Path, languages: dict[str, str]) -> list[str]:
    """Pages whose ``<html lang>`` is not the language of their folder.

    Args:
        site: The built site.
        languages: Language by folder relative to the site ("" for the root, "en" ...).
    """
    problems = []
    others = [prefix for prefix in languages if prefix]
    for path in sorted(site.rglob("*.html")):
        rel = path.relative_to(site).as_posix()
        prefix = next((p for p in others if rel.startswith(p + "/")), "")
        parser = _Resources()
        parser.feed(path.read_text(encoding="utf-8"))
        if parser.lang != languages[prefix]:
            problems.append(
                f"site/{rel}: <html lang={parser.lang!r}>, expected {languages[prefix]!r}"
            )
    return problems
