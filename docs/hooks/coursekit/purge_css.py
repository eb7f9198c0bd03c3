"""Keeps only the CSS rules a page can use: nbconvert inlines all of JupyterLab's (560 KB).

A rule stays when one of its selectors names only classes that the page's HTML uses (or no
class at all); ``@media`` and ``@supports`` blocks are filtered the same way inside, and every
other at-rule (fonts, keyframes, charset) stays as it is.
"""

from __future__ import annotations

import re

CLASS = re.compile(r"\.(-?[_a-zA-Z][\w-]*)")
STYLE = re.compile(r"(<style[^>]*>)(.*?)(</style>)", re.DOTALL)
CLASS_ATTR = re.compile(r'class="([^"]*)"')


def _used(selector: str, classes: set[str]) -> bool:
    return all(name in classes for name in CLASS.findall(selector))


def purge(css: str, classes: set[str]) -> str:
    """The rules of ``css`` whose selectors can match an element with those classes."""
    kept: list[str] = []
    for prelude, body in _split(css):
        head = prelude.strip()
        if not body and head.startswith("@"):
            kept.append(head)
        elif head.startswith(("@media", "@supports", "@container")):
            inner = purge(body, classes)
            if inner:
                kept.append(f"{head}{{{inner}}}")
        elif head.startswith("@") or any(_used(s, classes) for s in head.split(",")):
            kept.append(f"{head}{{{body}}}")
    return "".join(kept)


def _split(css: str) -> list[tuple[str, str]]:
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


def purge_page(html: str) -> str:
    """The page with each ``<style>`` cut down to the rules its elements can use."""
    classes = {name for attr in CLASS_ATTR.findall(html) for name in attr.split()}
    return STYLE.sub(lambda m: m[1] + purge(m[2], classes) + m[3], html)
