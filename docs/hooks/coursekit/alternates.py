"""Telling search engines that each page exists in both languages, in the sitemap.

Every page has the same address under each language's root (``/course/`` and ``/course/en/``).
Material writes ``<link rel="alternate" hreflang>`` tags with relative addresses, which search
engines reject, and its script then fetches every alternate's sitemap on every page. Absolute
addresses in the page would send that script to the published site from a local copy. So the
page keeps its language switch (``partials/alternate.html``) and loses those tags, and the
sitemap, where absolute addresses belong, lists each page's versions instead.
"""

from __future__ import annotations

import gzip
import re
from pathlib import Path
from urllib.parse import urljoin

HEAD_ALTERNATE = re.compile(r'\s*<link rel="alternate" href="[^"]*" hreflang="[^"]*">')
LOC = re.compile(r"(?P<indent>[ \t]*)<loc>(?P<url>[^<]*)</loc>")
URLSET = '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
XHTML = 'xmlns:xhtml="http://www.w3.org/1999/xhtml"'


def without_head_alternates(page_html: str) -> str:
    """The page without Material's relative ``hreflang`` links in its head."""
    head_end = page_html.find("</head>")
    return HEAD_ALTERNATE.sub("", page_html[:head_end]) + page_html[head_end:]


def roots(site_url: str, alternates: list[dict[str, str]]) -> dict[str, str]:
    """Each language's absolute root, from this build's ``site_url`` and ``extra.alternate``."""
    return {alt["lang"]: urljoin(site_url, alt["link"]) for alt in alternates}


def add_to_sitemap(site_dir: Path, site_url: str, language_roots: dict[str, str]) -> None:
    """Adds each page's versions (and ``x-default``, the first language) to the sitemap files."""
    sitemap = site_dir / "sitemap.xml"
    if not sitemap.is_file():
        return
    default = next(iter(language_roots.values()))

    def versions(match: re.Match[str]) -> str:
        url = match["url"]
        assert url.startswith(site_url), f"{url} is not under site_url {site_url}"
        path = url[len(site_url) :]
        links = [
            f'<xhtml:link rel="alternate" hreflang="{lang}" href="{root}{path}"/>'
            for lang, root in [*language_roots.items(), ("x-default", default)]
        ]
        return match[0] + "".join(f"\n{match['indent']}{link}" for link in links)

    text = LOC.sub(versions, sitemap.read_text(encoding="utf-8"))
    text = text.replace(URLSET, URLSET[:-1] + " " + XHTML + ">", 1)
    sitemap.write_text(text, encoding="utf-8")
    packed = site_dir / "sitemap.xml.gz"
    if packed.is_file():
        packed.write_bytes(gzip.compress(text.encode("utf-8"), mtime=0))
