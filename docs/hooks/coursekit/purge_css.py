"""Keeps only the CSS rules a page can use: nbconvert inlines all of JupyterLab's (560 KB).

A selector stays when it can match at all and names only classes that the page's HTML uses (or
no class); a rule left with no selector goes. ``@media`` and ``@supports`` blocks are filtered
the same way inside, and every other at-rule (fonts, keyframes, charset) stays as it is. Then
the custom properties (JupyterLab's hundreds of ``--jp-*`` colours and sizes) that nothing left
on the page reads go too.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from itertools import pairwise

CLASS = re.compile(r"\.(-?[_a-zA-Z][\w-]*)")
STYLE = re.compile(r"(<style[^>]*>)(.*?)(</style>)", re.DOTALL)
CLASS_ATTR = re.compile(r'class="([^"]*)"')
PROPERTY = re.compile(r"--(?P<name>[\w-]+)\s*:[^;{}]*(?:;|(?=\}))")
# JupyterLab's own (--jp-*) and its Material palette (--md-red-50 ... --md-blue-grey-900).
JUPYTERLAB_PROPERTY = re.compile(r"jp-|md-[a-z-]+-a?\d{2,3}$")
READ = re.compile(r"var\(\s*--([\w-]+)")


# `.jupyter-wrapper :root`: JupyterLab's `:root` rules, scoped by mkdocs-jupyter, match nothing
# (the root element is inside no other); one holds 75 KB of icons.
ROOT_INSIDE = re.compile(r"[\s>+~]:root\b")


def _used(selector: str, classes: set[str]) -> bool:
    if ROOT_INSIDE.search(selector.strip()):
        return False
    return all(name in classes for name in CLASS.findall(selector))


def purge(css: str, classes: set[str]) -> str:
    """The rules of ``css`` whose selectors can match an element with those classes."""
    return filter_selectors(css, lambda selector: _used(selector, classes))


def filter_selectors(css: str, wanted: Callable[[str], bool]) -> str:
    """``css`` without the selectors that are not wanted (and rules left with none).

    ``@media``, ``@supports`` and ``@container`` blocks are filtered inside; every other
    at-rule stays as it is.
    """
    kept: list[str] = []
    for prelude, body in split_rules(css):
        head = prelude.strip()
        if not body and head.startswith("@"):
            kept.append(head)
        elif head.startswith(("@media", "@supports", "@container")):
            inner = filter_selectors(body, wanted)
            if inner:
                kept.append(f"{head}{{{inner}}}")
        elif head.startswith("@"):
            kept.append(f"{head}{{{body}}}")
        else:
            selectors = [s for s in split_selectors(head) if wanted(s.strip())]
            if selectors:
                kept.append(f"{','.join(selectors)}{{{body}}}")
    return "".join(kept)


def split_selectors(prelude: str) -> list[str]:
    """The selectors of a rule's prelude: split at its commas, not those inside () or []."""
    cuts = [-1, *top_level(prelude, ","), len(prelude)]
    return [prelude[a + 1 : b] for a, b in pairwise(cuts)]


def top_level(text: str, marks: str) -> list[int]:
    """Where the characters of ``marks`` stand in ``text`` outside any () or []."""
    found: list[int] = []
    depth = 0
    for i, char in enumerate(text):
        if char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
        elif depth == 0 and char in marks:
            found.append(i)
    return found


def split_rules(css: str) -> list[tuple[str, str]]:
    """Top-level (prelude, body) pairs of a stylesheet; statements have an empty body."""
    result: list[tuple[str, str]] = []
    depth, mark, body_start = 0, 0, 0
    prelude = ""
    i, n = 0, len(css)
    while i < n:
        char = css[i]
        if char in "\"'":
            end = css.find(char, i + 1)
            i = n if end < 0 else end + 1
            continue
        if char == "/" and css.startswith("/*", i):
            end = css.find("*/", i + 2)
            i = n if end < 0 else end + 2
            continue
        if char == "{":
            if depth == 0:
                prelude, body_start = css[mark:i], i + 1
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                result.append((prelude, css[body_start:i]))
                mark = i + 1
        elif char == ";" and depth == 0:
            result.append((css[mark : i + 1], ""))
            mark = i + 1
        i += 1
    return result


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
