"""Wording checks of issue 15, run by ``make test`` (tests/test_wording.py) over the sources.

Each returns a list of problems, each starting with ``file:line``, like ``coursekit.checks``:

- exactness words ("to the last bit", «бит в бит») only where the page shows an exact zero;
- a comparison that quotes results carries a claim;
- a share in prose is a percentage (``[[96.1%]]`` quotes a printed 0.961);
- ``\\ln``, not ``\\log``, in Russian formulas and figure texts;
- American spelling in everything a reader reads in English;
- an excerpt of a listing (not run when pasted) says so in its title.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from coursekit import LANGUAGES
from coursekit.checks import _fences, pages, prose_lines
from coursekit.claims import CLAIM, CLAIM_TEST, MARKER
from coursekit.pages import excerpts

ZERO_TEXT = re.compile(r"True|(?<![\w.])0\.0*(?:e[-+]?0+)?(?![\d.])")  # True, 0.0, 0.0e+00


def _exact(value: object) -> bool:
    if isinstance(value, str):
        return bool(ZERO_TEXT.search(value))
    return value is True or (type(value) in (int, float) and value == 0)


def _asserts_exact(function: ast.AST) -> bool:
    """Whether an ``assert`` wants an exact 0 or True: ``== 0``, ``"True" in``, ``.endswith``."""
    for test in (n.test for n in ast.walk(function) if isinstance(n, ast.Assert)):
        for node in ast.walk(test):
            values: list[ast.expr] = []
            if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "endswith":
                values = node.args
            elif isinstance(node, ast.Compare) and {type(o) for o in node.ops} & {
                ast.Eq,
                ast.Is,
                ast.In,
            }:
                operands = [node.left, *node.comparators]
                values = [
                    *operands,
                    *(e for o in operands if isinstance(o, ast.List) for e in o.elts),
                ]
                indices = {id(n) for s in ast.walk(node) if isinstance(s, ast.Subscript)
                           for n in ast.walk(s.slice)}  # fmt: skip
                values += [n for n in ast.walk(node) if isinstance(n, ast.Constant)
                           and isinstance(n.value, str) and id(n) not in indices]  # fmt: skip
            if any(isinstance(v, ast.Constant) and _exact(v.value) for v in values):
                return True
    return False


def exact_claims(root: Path) -> set[tuple[str, str]]:
    """Claims whose test (or a helper of its file that it calls) asserts an exact 0 or True."""
    found = set()
    for test_file in sorted((root / "tests").glob("test_*.py")):
        tree = ast.parse(test_file.read_text(encoding="utf-8"))
        helpers = {f.name: f for f in tree.body if isinstance(f, ast.FunctionDef)}
        for function in helpers.values():
            for decorator in function.decorator_list:
                match = CLAIM_TEST.search("@" + ast.unparse(decorator))
                called = {
                    c.func.id
                    for c in ast.walk(function)
                    if isinstance(c, ast.Call) and isinstance(c.func, ast.Name)
                } & helpers.keys()
                if match and any(_asserts_exact(helpers[n]) for n in {function.name, *called}):
                    found.add((match["stem"], match["id"]))
    return found


BRITISH = re.compile(
    r"\b\w*(?:regularis|normalis|initialis|optimis|minimis|maximis|visualis|generalis|summaris"
    r"|recognis|standardis|parameteris|vectoris|randomis|synchronis|memoris|utilis|organis"
    r"|penalis|analys)(?:e|ed|es|ing|ation|ations|er|ers)\b|\b(?:behaviour|colour|centre|favour"
    r"|neighbour|honour|modell|labell|travell|cancell|grey|licence|catalogue|programme|artefact"
    r"|judgement|whilst|amongst|fibre|metre|litre)\w*",
    re.IGNORECASE,
)
EXACT = re.compile(  # "not to the last bit" / «не до последнего бита» are fine
    r"(?<!not )(?<!не )(?:\bto the last (?:bit|digit)\b|до последне\w+ (?:бит|знак|цифр)\w*)"
    r"|\bbit[- ]for[- ]bit|\bexactly (?:equal|the same (?:\w+ )?as)|\b(?:is|are|were|was) identical"
    r"|\bбит в бит|в точности совпада|совпада\w* (?:в точности|полностью|точно)|точно совпада"
    r"|ровно (?:те же|такие же)|идентичн",
    re.IGNORECASE,
)
COMPARISON = re.compile(  # between runs
    r"\b(?:raised|raises|improved?|improves|better|worse|faster|slower|outperform\w*)\b"
    r"|\bfewer (?:steps|epochs|iterations)|(?<!\w)(?:повысил\w*|улучшил\w*|лучше|хуже|быстрее"
    r"|медленнее|меньше (?:шагов|эпох|итераций))",
    re.IGNORECASE,
)
SHARE = re.compile(r"\[\[\s*0[.,]\d+\s*(?:@[\w-]+\s*)?\]\]\s+(?:of|из|\w*(?:ых|их|ов|ок|ей|ий))\b")
NOT_WORDS = re.compile(r"\{#[^}]*\}|<!--.*?-->|--8<--.*")  # anchors, claim ids, section names
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?!<!--)|(?<=-->)\s+")


def _english_sources(root: Path) -> list[Path]:
    return sorted(
        [
            *(root / "docs" / "en").glob("*.md"),
            *(root / "snippets").glob("*.[pt][ys]*"),
            *(root / "docs" / "glossary").glob("*.yml"),
            *(root / "src").rglob("*.py"),
            *(root / ".github").glob("*.md"),
            root / "docs" / "glossary.tsv",
            root / "README.md",
        ]
    )


def british_spelling(root: Path) -> list[str]:
    """British spellings in what a reader reads in English: the course writes American English."""
    return [
        f"{path.relative_to(root).as_posix()}:{number}: {match[0]!r} is British; the course "
        "writes American English (regularization, normalize, behavior, color, center, modeling)"
        for path in _english_sources(root)
        if path.is_file()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        for match in BRITISH.finditer(NOT_WORDS.sub("", line))
    ]


def _sentences(root: Path) -> list[tuple[str, int, str]]:
    """Every sentence of the pages' prose: (docs/<lang>/<page>, line, sentence)."""
    return [
        (f"docs/{lang}/{page}", number, sentence)
        for lang in LANGUAGES
        for page in pages(root, lang)
        for number, line in prose_lines((root / "docs" / lang / page).read_text("utf-8"), True)
        for sentence in SENTENCE_END.split(line)
    ]


def wording(root: Path) -> list[str]:
    """Unproven exactness words and comparisons, shares as fractions, log (not ln) in Russian."""
    exact = exact_claims(root)
    problems = []
    for page, number, sentence in _sentences(root):
        where, stem = f"{page}:{number}", Path(page).stem
        words = EXACT.search(sentence)
        zeros = [m for m in MARKER.finditer(sentence) if not m["number"].strip("0.,-−")]
        if words and not zeros and not {(stem, m["id"]) for m in CLAIM.finditer(sentence)} & exact:
            problems.append(
                f"{where}: {words[0]!r} says two results are exactly equal: show it (a quoted "
                "difference of [[0]], or a claim whose test asserts == 0 or True), or write "
                "'equal up to rounding' with the printed difference"
            )
        comparison = COMPARISON.search(sentence)
        if comparison and MARKER.search(sentence) and not CLAIM.search(sentence):
            problems.append(
                f"{where}: {comparison[0]!r} compares results: end the sentence with <!-- claim: "
                "id --> and assert it in a test; between runs, over several seeds with the spread "
                "printed, or word it as what one run showed"
            )
        share = SHARE.search(sentence)
        if share:
            problems.append(
                f"{where}: {share[0]!r}: a share in prose is a percentage: [[96.1 %]] quotes a "
                "printed 0.961"
            )
        if page.startswith("docs/ru/") and re.search(r"\\log(?![a-zA-Z_])", sentence):
            problems.append(f"{where}: \\log in a Russian formula: the natural logarithm is \\ln")
    for table in sorted((root / "snippets").glob("*.figures.tsv")):
        lines = table.read_text(encoding="utf-8").splitlines()
        ru = lines[0].split("\t").index("ru") if lines else 0
        for number, line in enumerate(lines[1:], 2):
            if "\\log" in (line.split("\t") + [""] * 2)[ru]:
                problems.append(f"snippets/{table.name}:{number}: \\log in Russian: write \\ln")
    return problems


def excerpts_say_so(root: Path) -> list[str]:
    """A block that only repeats lines of a listing above says so: pasted, it would fail."""
    word = {"ru": "фрагмент", "en": "excerpt"}
    return [
        f"docs/{lang}/{page}:{fence.line}: this block repeats lines of a listing above and is "
        f'not run; say so in its title: ```python title="src/… ({word[lang]})"```'
        for lang in LANGUAGES
        for page in pages(root, lang)
        for fences in [_fences(root, lang, page)]
        for skipped in [excerpts(root, fences)]
        for fence in fences
        if fence.line in skipped and word[lang] not in fence.info
    ]
