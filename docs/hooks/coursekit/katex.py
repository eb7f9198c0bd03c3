"""Formulas typeset when the site is built: the page carries MathML and needs no script.

KaTeX (the npm package pinned in ``package.json``, installed by ``make build``) turns each
formula's TeX into MathML, run by Node in one process per build; browsers lay MathML out
natively, in the math font the site serves (``coursekit.mathfont``), and screen readers read it.
Results are cached on disk by formula, so a warm build asks Node only for new formulas. A formula
KaTeX rejects, or one with a character the math font lacks, is reported with its page.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
import shutil
import subprocess
from pathlib import Path

from coursekit import mathfont

SCRIPT = Path(__file__).with_name("katex_render.js")
INLINE = re.compile(r'<span class="arithmatex">\\\((?P<tex>.*?)\\\)</span>', re.DOTALL)
DISPLAY = re.compile(r'<div class="arithmatex">\\\[(?P<tex>.*?)\\\]</div>', re.DOTALL)
# Notebook pages: nbconvert leaves $…$ and $$…$$ in the Markdown cells' HTML as they were.
MARKDOWN_CELL = re.compile(
    r'(?P<open><div class="jp-RenderedHTMLCommon jp-RenderedMarkdown[^>]*>)'
    r"(?P<body>.*?)(?P<close></div>)",
    re.DOTALL,
)
CODE = re.compile(r"<(pre|code)\b.*?</\1>", re.DOTALL)
DOLLARS_DISPLAY = re.compile(r"\$\$(?P<tex>.+?)\$\$", re.DOTALL)
DOLLARS_INLINE = re.compile(r"(?<![\\$\w])\$(?![\s$])(?P<tex>[^$\n]+?)(?<![\s\\])\$(?![\w$])")
MATH = re.compile(r"<math\b[^>]*>(?P<body>.*)</math>", re.DOTALL)
ANNOTATION = re.compile(r'<annotation encoding="application/x-tex">.*?</annotation>', re.DOTALL)
TEXT = re.compile(r">([^<]+)<")
ONE_LETTER = re.compile(r"<mi>([^<])</mi>")
# f' : KaTeX sets the prime as a superscript, but a math font's prime is already raised.
PRIMED = re.compile(r"<msup>(?P<base><mi[^>]*>[^<]*</mi>)<mo[^>]*>(?P<primes>[′″‴]+)</mo></msup>")
# log x : the invisible "function application" operator, which browsers leave without space.
APPLY = "<mo>\u2061</mo>"
MATHJAX = re.compile(
    r"<!-- Load mathjax -->.*?<!-- End of mathjax configuration -->|<script src=\"\"></script>",
    re.DOTALL,
)


class KatexError(Exception):
    """A formula KaTeX cannot typeset; the message holds KaTeX's reason and the TeX."""


class Katex:
    """Typesets TeX with the site's KaTeX in a Node process, caching every result on disk."""

    def __init__(self, katex_js: Path, cache_dir: Path) -> None:
        if not katex_js.is_file():
            raise KatexError(
                f"{katex_js} is missing: `npm ci --omit=dev` installs KaTeX (make build does)"
            )
        self.katex_js = katex_js
        self.cache_file = cache_dir / "katex.json"
        material = katex_js.read_bytes() + SCRIPT.read_bytes() + Path(__file__).read_bytes()
        material += mathfont.FONT.read_bytes()
        self.version = hashlib.sha256(material).hexdigest()[:12]
        self.cache: dict[str, str] = {}
        if self.cache_file.is_file():
            saved = json.loads(self.cache_file.read_text(encoding="utf-8"))
            if saved.get("version") == self.version:
                self.cache = saved["formulas"]
        self.changed = False
        self.process: subprocess.Popen[str] | None = None

    def _node(self) -> subprocess.Popen[str]:
        if self.process is None:
            node = shutil.which("node")
            if node is None:
                raise KatexError("Node.js is needed to typeset formulas at build time (node)")
            self.process = subprocess.Popen(
                [node, str(SCRIPT), str(self.katex_js)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
                encoding="utf-8",
            )
        return self.process

    def render(self, tex: str, display: bool) -> str:
        """One formula as ``<math class="katex">``, MathML without KaTeX's TeX annotation.

        Raises:
            KatexError: KaTeX rejects the TeX, or the math font lacks one of its characters.
        """
        key = ("D" if display else "I") + tex
        if key in self.cache:
            return self.cache[key]
        process = self._node()
        assert process.stdin is not None and process.stdout is not None
        process.stdin.write(json.dumps({"tex": tex, "display": display}) + "\n")
        process.stdin.flush()
        answer = json.loads(process.stdout.readline())
        if "error" in answer:
            raise KatexError(f"{answer['error']} in ${tex}$")
        rendered = _mathml(str(answer["html"]), display)
        lacking = _not_in_font(rendered)
        if lacking:
            raise KatexError(
                f"the math font has no {', '.join(map(repr, lacking))} (add it to "
                f"coursekit/mathfont.py's CHARACTERS) in ${tex}$"
            )
        self.cache[key] = rendered
        self.changed = True
        return rendered

    def typeset(self, page_html: str, notebook: bool = False) -> tuple[str, list[str]]:
        """The page with every formula typeset, and the formulas KaTeX rejected."""
        errors: list[str] = []

        def render(tex: str, display: bool, original: str) -> str:
            try:
                return self.render(html.unescape(tex).strip(), display)
            except KatexError as error:
                errors.append(str(error))
                return original

        page_html = DISPLAY.sub(
            lambda m: '<div class="arithmatex">' + render(m["tex"], True, m[0]) + "</div>",
            page_html,
        )
        page_html = INLINE.sub(
            lambda m: '<span class="arithmatex">' + render(m["tex"], False, m[0]) + "</span>",
            page_html,
        )
        if notebook:
            page_html = MATHJAX.sub("", page_html)

            def cell(match: re.Match[str]) -> str:
                body = match["body"]
                pieces, last = [], 0
                for code in CODE.finditer(body):
                    pieces.append(_dollars(body[last : code.start()], render))
                    pieces.append(code[0])
                    last = code.end()
                pieces.append(_dollars(body[last:], render))
                return match["open"] + "".join(pieces) + match["close"]

            page_html = MARKDOWN_CELL.sub(cell, page_html)
        return page_html, errors

    def close(self) -> None:
        """Stops Node and saves the cache."""
        if self.process is not None:
            assert self.process.stdin is not None
            self.process.stdin.close()
            self.process.wait(timeout=10)
            self.process = None
        if self.changed:
            self.cache_file.parent.mkdir(parents=True, exist_ok=True)
            self.cache_file.write_text(
                json.dumps({"version": self.version, "formulas": self.cache}, sort_keys=True),
                encoding="utf-8",
            )
            self.changed = False


def _mathml(katex_html: str, display: bool) -> str:
    """KaTeX's ``<span class="katex"><math><semantics>…`` as one ``<math>`` element."""
    match = MATH.search(katex_html)
    assert match is not None, katex_html
    body = ANNOTATION.sub("", match["body"])
    body = body.removeprefix("<semantics>").removesuffix("</semantics>")
    if body.startswith("<mrow>") and body.endswith("</mrow>") and _one_element(body, "mrow"):
        body = body[len("<mrow>") : -len("</mrow>")]  # <math> is itself a row
    body = PRIMED.sub(r'\g<base><mo lspace="0em" rspace="0em">\g<primes></mo>', body)
    body = body.replace(APPLY, '<mo lspace="0em" rspace="0.1667em">\u2061</mo>')
    block = ' display="block"' if display else ""
    return f'<math class="katex"{block}>{body}</math>'


def _one_element(markup: str, tag: str) -> bool:
    """Whether ``markup`` is a single ``<tag>…</tag>``, not two siblings ``<tag>…</tag><tag>…``."""
    depth = 0
    for match in re.finditer(rf"<(/?){tag}>", markup):
        depth += -1 if match[1] else 1
        if depth == 0 and match.end() != len(markup):
            return False
    return True


def _not_in_font(mathml: str) -> list[str]:
    """The characters of a formula that the site's math font cannot draw."""
    italic = [c for letter in ONE_LETTER.findall(mathml) for c in mathfont.missing(letter, True)]
    text = html.unescape("".join(TEXT.findall(ONE_LETTER.sub("", mathml))))
    return list(dict.fromkeys(italic + mathfont.missing(text)))


def _dollars(text: str, render: object) -> str:
    assert callable(render)
    text = DOLLARS_DISPLAY.sub(
        lambda m: '<div class="arithmatex">' + render(m["tex"], True, m[0]) + "</div>", text
    )
    return DOLLARS_INLINE.sub(
        lambda m: '<span class="arithmatex">' + render(m["tex"], False, m[0]) + "</span>", text
    )
