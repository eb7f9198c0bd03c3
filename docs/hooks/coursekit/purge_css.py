"""Keeps only the CSS rules a page can use: nbconvert inlines all of JupyterLab's (560 KB).

The stylesheet is read with tinycss2. A selector stays when every class it requires is on the
page: the classes of its compound selectors, not those inside a functional pseudo-class
(``:not(.b)``, ``:is(…)``) or an attribute selector (``[href$=".pdf"]``), which require nothing.
A rule left with no selector goes. ``@media``, ``@supports`` and ``@container`` blocks are
filtered the same way inside, and every other at-rule (fonts, keyframes, charset) stays as it is.
Then the custom properties (JupyterLab's hundreds of ``--jp-*`` colours and sizes) that nothing
left on the page reads go too.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from itertools import pairwise

import tinycss2
from tinycss2.ast import IdentToken, LiteralToken, Node

STYLE = re.compile(r"(<style[^>]*>)(.*?)(</style>)", re.DOTALL)
CLASS_ATTR = re.compile(r'class="([^"]*)"')
PROPERTY = re.compile(r"--(?P<name>[\w-]+)\s*:[^;{}]*(?:;|(?=\}))")
# JupyterLab's own (--jp-*) and its Material palette (--md-red-50 ... --md-blue-grey-900).
JUPYTERLAB_PROPERTY = re.compile(r"jp-|md-[a-z-]+-a?\d{2,3}$")
READ = re.compile(r"var\(\s*--([\w-]+)")
# `.jupyter-wrapper :root`: JupyterLab's `:root` rules, scoped by mkdocs-jupyter, match nothing
# (the root element is inside no other); one holds 75 KB of icons.
ROOT_INSIDE = re.compile(r"[\s>+~]:root\b")
# `.jupyter-wrapper *:before` / `*:after` (box-sizing only) make the browser style a ::before and
# an ::after of every element in the notebook at each restyle: three times the work (a 1.6 s long
# task on a throttled phone). The theme's `*,:after,:before{box-sizing:inherit}` already gives
# them their element's box-sizing, which `.jupyter-wrapper *` sets. `html`/`body` inside the
# wrapper match nothing either.
NEVER_NEEDED = re.compile(r"[\s>+~]\*:{1,2}(before|after)$|[\s>+~](html|body)\b")
FILTERED_INSIDE = ("media", "supports", "container")


@dataclass(frozen=True)
class Rule:
    """One top-level rule: a style rule (``selectors``), or an at-rule kept whole or filtered."""

    head: str
    body: str | None  # None: a statement such as @charset
    selectors: tuple[str, ...] = ()
    inner: tuple[Rule, ...] | None = None  # the rules of @media, @supports, @container


@functools.cache
def parse(css: str) -> tuple[Rule, ...]:
    """The rules of a stylesheet (cached: every notebook view inlines the same one)."""
    rules: list[Rule] = []
    for node in tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True):
        if node.type == "qualified-rule":
            selectors = tuple(
                tinycss2.serialize(part).strip() for part in _split(node.prelude, ",")
            )
            rules.append(Rule("", tinycss2.serialize(node.content), selectors))
        elif node.type == "at-rule":
            head = f"@{node.at_keyword}{tinycss2.serialize(node.prelude).rstrip()}"
            body = None if node.content is None else tinycss2.serialize(node.content)
            inner = parse(body) if body and node.lower_at_keyword in FILTERED_INSIDE else None
            rules.append(Rule(head, body, (), inner))
    return tuple(rules)


def _split(tokens: list[Node], mark: str) -> list[list[Node]]:
    cuts = [-1, *(i for i, t in enumerate(tokens) if t == LiteralToken(0, 0, mark)), len(tokens)]
    return [tokens[a + 1 : b] for a, b in pairwise(cuts)]


@functools.cache
def required_classes(selector: str) -> frozenset[str]:
    """The classes an element needs for ``selector`` to match it: ``.a:not(.b)`` needs ``a``."""
    tokens = tinycss2.parse_component_value_list(selector)
    return frozenset(
        b.value
        for a, b in pairwise(tokens)
        if a == LiteralToken(0, 0, ".") and isinstance(b, IdentToken)
    )


def filter_selectors(
    css: str, wanted: Callable[[str], bool], rewrite: Callable[[Rule], str | None] | None = None
) -> str:
    """``css`` without the selectors that are not wanted (and rules left with none).

    ``rewrite`` may replace a style rule by other text (None: keep it).
    """
    return _serialize(parse(css), wanted, rewrite or (lambda rule: None))


def _serialize(
    rules: tuple[Rule, ...], wanted: Callable[[str], bool], rewrite: Callable[[Rule], str | None]
) -> str:
    kept: list[str] = []
    for rule in rules:
        if rule.selectors:
            selectors = [s for s in rule.selectors if wanted(s)]
            replaced = rewrite(rule) if selectors else None
            if replaced is not None:
                kept.append(replaced)
            elif selectors:
                kept.append(f"{','.join(selectors)}{{{rule.body}}}")
        elif rule.body is None:
            kept.append(f"{rule.head};")
        elif rule.inner is not None:
            inner = _serialize(rule.inner, wanted, rewrite)
            if inner:
                kept.append(f"{rule.head}{{{inner}}}")
        else:
            kept.append(f"{rule.head}{{{rule.body}}}")
    return "".join(kept)


def purge(css: str, classes: set[str]) -> str:
    """The rules of ``css`` whose selectors can match an element with those classes."""
    return filter_selectors(
        css,
        lambda s: (
            not ROOT_INSIDE.search(s)
            and not NEVER_NEEDED.search(s)
            and required_classes(s) <= classes
        ),
    )


def unused_properties_removed(page: str) -> str:
    """The page without JupyterLab's property declarations that nothing on it reads.

    A property is read by a ``var()`` outside any declaration, or by the value of a property that
    is itself read.
    """
    values: dict[str, list[str]] = {}
    for match in PROPERTY.finditer(page):
        values.setdefault(match["name"], []).append(match[0])
    needed = set(READ.findall(PROPERTY.sub("", page)))
    todo = list(needed)
    while todo:
        for declaration in values.get(todo.pop(), []):
            for name in READ.findall(declaration):
                if name not in needed:
                    needed.add(name)
                    todo.append(name)

    def keep(match: re.Match[str]) -> str:
        # Only JupyterLab's: the theme's own stylesheet, not on the page, reads the others.
        unread = JUPYTERLAB_PROPERTY.match(match["name"]) and match["name"] not in needed
        return "" if unread else match[0]

    return STYLE.sub(lambda m: m[1] + PROPERTY.sub(keep, m[2]) + m[3], page)


def purge_page(html: str) -> str:
    """The page with each ``<style>`` cut down to the rules and properties its elements use."""
    classes = {name for attr in CLASS_ATTR.findall(html) for name in attr.split()}
    html = STYLE.sub(lambda m: m[1] + purge(m[2], classes) + m[3], html)
    return unused_properties_removed(html)
