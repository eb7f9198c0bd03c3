"""Cuts the theme's stylesheets down to what this site's pages can use (after the build).

Every page a reader opens loads Material's stylesheet, and the browser checks its rules against
every element each time it restyles the page. Three kinds of rule cost the most for nothing:

- the content-tab rules for tabs 2 to 20 (``.tabbed-set > input:nth-child(N):checked ~ ...
  > :nth-child(N)``) fit any element, so each is tried on all of them: only those up to the
  most tabs one set on the site has are kept;
- the rules of Markdown extensions that no page uses (grid cards, critic marks, footnotes,
  keys, task lists, Mermaid, emoji) go when no page has a class of theirs;
- the palette's ``[data-md-color-switching] *`` (transitions off while the colour scheme
  changes, which the theme also does once on every load) restyles every element twice; it is
  narrowed to the kinds of element that have a transition, which keeps what it does.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from pathlib import Path

import tinycss2

from coursekit.purge_css import CLASS_ATTR, Rule, filter_selectors, parse, required_classes

TABS = re.compile(r'data-tabs="\d+:(\d+)"')
NTH_CHILD = re.compile(r":nth-child\((\d+)\)")
# Classes of the extensions a page may not use; a family is dropped when no page has any.
FAMILIES = {
    "grid cards": re.compile(r"grid|cards?"),
    "critic marks": re.compile(r"critic"),
    "footnotes": re.compile(r"footnote(-ref|-backref)?"),
    "keys": re.compile(r"keys|key-[\w-]+"),
    "task lists": re.compile(r"task-list[\w-]*"),
    "Mermaid": re.compile(r"mermaid"),
    "emoji": re.compile(r"twemoji|emojione|gemoji"),
}
SWITCHING = "[data-md-color-switching]"
TRANSITION = re.compile(r"(^|;)\s*transition[\w-]*\s*:\s*(?!none\b)")  # `none` sets none


def page_facts(html_files: Iterable[Path]) -> tuple[set[str], int | None]:
    """The classes the pages use, and the most tabs in one tab set (None: none found)."""
    classes: set[str] = set()
    tabs: int | None = None
    for path in html_files:
        html = path.read_text(encoding="utf-8")
        classes.update(name for attr in CLASS_ATTR.findall(html) for name in attr.split())
        for count in TABS.findall(html):
            tabs = max(tabs or 0, int(count))
        if "tabbed-set" in html and not TABS.search(html):
            tabs = 99  # a tab set without its count: keep every tab rule
    return classes, tabs


def unused_families(classes: set[str]) -> list[re.Pattern[str]]:
    """The extension families of which no page has a class."""
    return [
        family
        for family in FAMILIES.values()
        if not any(family.fullmatch(name) for name in classes)
    ]


def selector_wanted(classes: set[str], tabs: int | None) -> Callable[[str], bool]:
    """Whether a selector can match something on one of the site's pages."""
    dropped = unused_families(classes)

    def wanted(selector: str) -> bool:
        if "tabbed" in selector and any(int(n) > (tabs or 0) for n in NTH_CHILD.findall(selector)):
            return False
        return not any(
            family.fullmatch(name) for name in required_classes(selector) for family in dropped
        )

    return wanted


def transition_selectors(css: str) -> list[str]:
    """The selectors of every rule (at any depth) that sets a transition."""
    return _transitions(parse(css))


def _transitions(rules: tuple[Rule, ...]) -> list[str]:
    found: list[str] = []
    for rule in rules:
        if rule.inner is not None:
            found += _transitions(rule.inner)
        elif rule.selectors and TRANSITION.search(rule.body or ""):
            found += [s for s in rule.selectors if SWITCHING not in s]
    return found


def rightmost_compound(selector: str) -> str:
    """The part of a selector after its last combinator: ``.a > b:hover`` gives ``b:hover``."""
    tokens = tinycss2.parse_component_value_list(selector.strip())
    combinators = [
        i
        for i, token in enumerate(tokens)
        if token.type == "whitespace" or (token.type == "literal" and token.value in ">+~")
    ]
    return tinycss2.serialize(tokens[max([-1, *combinators]) + 1 :])


def narrowed_switching_rule(selectors: list[str]) -> str:
    """The palette's switch rule, for the elements (and pseudo-elements) with a transition.

    Only the last part of each selector is kept: the browser then restyles just the elements
    of those kinds when the attribute comes and goes, not the whole page.
    """
    compounds = dict.fromkeys(rightmost_compound(s) for s in selectors)
    targets = ",".join(f"{SWITCHING} {c}" for c in compounds if c and c != "*")
    return f"{targets}{{transition-duration:0s!important}}"


def narrow_switching(css: str, selectors: list[str]) -> str:
    """``css`` with its ``[data-md-color-switching] *`` rule narrowed (at any depth)."""
    narrowed = narrowed_switching_rule(selectors)
    return filter_selectors(
        css,
        lambda selector: True,
        lambda rule: narrowed if rule.selectors[0].startswith(f"{SWITCHING} *") else None,
    )


def cut_theme_css(site_dir: Path) -> None:
    """Rewrites the theme's stylesheets under ``site_dir``."""
    classes, tabs = page_facts(site_dir.rglob("*.html"))
    wanted = selector_wanted(classes, tabs)
    sheets = sorted((site_dir / "assets" / "stylesheets").glob("*.min.css"))
    texts = {path: path.read_text(encoding="utf-8") for path in sheets}
    transitions = [s for css in texts.values() for s in transition_selectors(css) if wanted(s)]
    for path, css in texts.items():
        path.write_text(narrow_switching(filter_selectors(css, wanted), transitions), "utf-8")
