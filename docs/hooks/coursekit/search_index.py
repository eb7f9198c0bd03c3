r"""Finishes the theme's search index after the build: figure words in, Cyrillic unescaped.

A figure is an ``<img>`` of an SVG whose words are SVG text, so the theme's search never sees
them: each figure's words (labels, legends, titles; not bare numbers) are added to the section
of the page that shows it. And Material escapes every Cyrillic letter as ``\\uXXXX`` (6 bytes
for 2): the index is written back as UTF-8.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

HEADING_OR_FIGURE = re.compile(
    r'<h[1-6][^>]*\bid="(?P<id>[^"]+)"|<img\b[^>]*\bsrc="(?P<src>[^"]+\.svg)"'
)
SVG_TEXT = re.compile(r"<text\b[^>]*>(.*?)</text>", re.DOTALL)
TAG = re.compile(r"<[^>]+>")
WORD = re.compile(r"\w*[^\W\d_]{2,}\w*")  # at least two letters: not a tick label


def figure_words(svg: str) -> list[str]:
    """The words of an SVG's text, each once, in order."""
    text = " ".join(html.unescape(TAG.sub(" ", t)) for t in SVG_TEXT.findall(svg))
    return list(dict.fromkeys(WORD.findall(text)))


def words_by_section(page: Path, location: str, indexed: set[str]) -> dict[str, list[str]]:
    """The figure words of a built page, keyed by the indexed section that shows each figure."""
    found: dict[str, list[str]] = {}
    section = location
    for match in HEADING_OR_FIGURE.finditer(page.read_text(encoding="utf-8")):
        if match["id"]:
            if f"{location}#{match['id']}" in indexed:
                section = f"{location}#{match['id']}"
            continue
        svg = (page.parent / html.unescape(match["src"])).resolve()
        if svg.is_file():
            words = figure_words(svg.read_text(encoding="utf-8"))
            found.setdefault(section, []).extend(words)
    return found


def finish(site_dir: Path) -> None:
    """Adds the figure words to the index under ``site_dir`` and writes it as UTF-8."""
    path = site_dir / "search" / "search_index.json"
    if not path.is_file():
        return
    data = json.loads(path.read_text(encoding="utf-8"))
    docs = {doc["location"]: doc for doc in data["docs"]}
    for location in {loc.split("#")[0] for loc in docs}:
        page = site_dir / location / "index.html"
        if not page.is_file():
            continue
        for section, words in words_by_section(page, location, set(docs)).items():
            doc = docs[section]
            doc["text"] = f"{doc['text']} {' '.join(words)}".strip()
    path.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), "utf-8")
