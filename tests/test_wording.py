"""The wording checks of issue 15 fail on the errors readers found, put back into copies of
the real pages (or of the files a reader reads in English), and name the file and line."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from coursekit import LANGUAGES
from coursekit.claims import number_markers, printed_matches, shown
from coursekit.execute import ExecutionError, Executor
from coursekit.pages import Expander, parse_fences, python_blocks, snippet_config
from wording import british_spelling, exact_claims, excerpts_say_so, wording

ROOT = Path(__file__).resolve().parents[1]
CHECKS = (wording, british_spelling, excerpts_say_so)


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.__name__)
def test_the_course(check):
    """The course as it is passes every wording check."""
    problems = check(ROOT)
    assert not problems, "\n".join(problems)


@pytest.fixture
def copy(tmp_path: Path):
    """``copy(stem, ...)``: a tree with the chapters' pages, in both languages, and their tests."""

    def make(*stems: str) -> Path:
        for folder in ("snippets", "tests", *(f"docs/{lang}" for lang in LANGUAGES)):
            (tmp_path / folder).mkdir(parents=True, exist_ok=True)
        for stem in stems:
            for lang in LANGUAGES:
                shutil.copy(ROOT / "docs" / lang / f"{stem}.md", tmp_path / "docs" / lang)
            shutil.copy(ROOT / "tests" / f"test_{stem}.py", tmp_path / "tests")
        return tmp_path

    return make


def put_back(root: Path, relative: str, before: str, text: str) -> str:
    """Writes ``text`` just before the first ``before`` of a file (``## ``: before the first
    section heading, as a paragraph of its own); returns ``file:line``."""
    path = root / relative
    old = path.read_text(encoding="utf-8")
    if before == "## ":
        before, text = "\n## ", f"\n{text}\n"
    assert before in old, f"{before!r} not in {relative}"
    path.write_text(old.replace(before, text + before, 1), encoding="utf-8")
    return f"{relative}:{old[: old.index(before)].count(chr(10)) + 1 + (before == chr(10) + '## ')}"


def problems(root: Path) -> str:
    return "\n".join(wording(root))


def test_last_bit_where_the_page_prints_4e_16(copy):
    """Chapter 9's Adam prints 4.4e-16: its claim's test allows rounding, so no "last bit"."""
    root = copy("ch09_optimizers")
    claim = "<!-- claim: adam-equals-torch -->"
    en = put_back(root, "docs/en/ch09_optimizers.md", claim, "It agrees to the last bit. ")
    ru = put_back(root, "docs/ru/ch09_optimizers.md", claim, "Совпадает до последнего бита. ")
    found = problems(root)
    assert f"{en}: 'to the last bit' says two results are exactly equal" in found
    assert f"{ru}: 'до последнего бита' says two results are exactly equal" in found


def test_last_bit_where_the_page_shows_an_exact_zero(copy):
    """A claim whose test asserts a difference of exactly 0, or a quoted [[0]], is proof."""
    root = copy("ch10_torch_nn")
    claim = "<!-- claim: module-exact -->"
    put_back(root, "docs/en/ch10_torch_nn.md", claim, f"{claim} Bit for bit. ")
    put_back(root, "docs/en/ch10_torch_nn.md", "## ", "The gap is [[0]]: equal to the last bit.")
    put_back(root, "docs/en/ch10_torch_nn.md", "## ", "Not to the last bit, though.")
    assert problems(root) == ""
    where = put_back(root, "docs/ru/ch10_torch_nn.md", "## ", "Веса совпадают бит в бит.")
    assert problems(root).startswith(f"{where}: 'бит в бит' says")


def test_exact_claims_are_those_whose_test_wants_exactly_zero_or_true(tmp_path):
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_x.py").write_text(
        '@claim("x", "zero")\ndef test_a(run):\n    assert diff(run)[-1] == 0.0\n\n'
        '@claim("x", "printed")\ndef test_b(run):\n    helper(run)\n\n'
        'def helper(run):\n    assert "max |ours - torch|: 0.0e+00" in run.output("s")\n\n'
        '@claim("x", "true")\ndef test_c(run):\n    assert line(run).endswith("True")\n\n'
        '@claim("x", "close")\ndef test_d(run):\n    assert diff(run) < 1e-12\n\n'
        '@claim("x", "index")\ndef test_e(run):\n    assert rows[0] == ["1", "10"]\n\n'
        '@claim("x", "absent")\ndef test_f(run):\n    assert "True" not in out and 0 < 1\n',
        encoding="utf-8",
    )
    assert exact_claims(tmp_path) == {("x", "zero"), ("x", "printed"), ("x", "true")}


def test_a_comparison_between_runs_without_a_claim(copy):
    """Chapter 11's "raised the validation accuracy" rested on one seed and no test."""
    root = copy("ch11_init_norm_reg")
    sentence = "Both kinds of regularization raised the validation accuracy to [[0.97]]."
    where = put_back(root, "docs/en/ch11_init_norm_reg.md", "## ", sentence)
    ru = put_back(root, "docs/ru/ch11_init_norm_reg.md", "## ", "Сеть стала лучше: [[0,97]].")
    found = problems(root)
    assert f"{where}: 'raised' compares results: end the sentence with <!-- claim:" in found
    assert f"{ru}: 'лучше' compares results" in found


def test_a_share_written_as_a_fraction(copy):
    root = copy("ch10_torch_nn")
    where = put_back(root, "docs/en/ch10_torch_nn.md", "## ", "It recognizes [[0.9611]] of them.")
    ru = put_back(root, "docs/ru/ch10_torch_nn.md", "## ", "Узнаёт [[0,9611]] картинок.")
    found = problems(root)
    assert f"{where}: '[[0.9611]] of': a share in prose is a percentage" in found
    assert f"{ru}: '[[0,9611]] картинок'" in found


def test_a_percentage_quotes_the_printed_fraction():
    marker, russian = number_markers("[[96.1%]] and [[96,11 % @train]]")
    assert printed_matches(marker, "accuracy 0.9611") and not printed_matches(marker, "0.9651")
    assert russian.section == "train" and printed_matches(russian, "0.96108")
    assert shown("[[96.1%]] / [[96,1 %]]") == "96.1% / 96,1 %"


def test_log_in_a_russian_formula(copy):
    root = copy("ch06_losses")
    put_back(root, "docs/ru/ch06_losses.md", "## ", "$\\log_2 8 = 3$")
    where = put_back(root, "docs/ru/ch06_losses.md", "## ", "$$ L = -\\log p $$")
    put_back(root, "docs/en/ch06_losses.md", "## ", "$$ L = -\\log p $$")
    (root / "snippets" / "ch06_losses.figures.tsv").write_text(
        "en\tru\n$-\\log p$\t$-\\log p$\n", encoding="utf-8"
    )
    found = wording(root)
    assert found == [
        f"{where}: \\log in a Russian formula: the natural logarithm is \\ln",
        "snippets/ch06_losses.figures.tsv:2: \\log in Russian: write \\ln",
    ]


def test_british_spelling_in_what_a_reader_reads_in_english(copy):
    root = copy("ch11_init_norm_reg")
    title = put_back(root, "docs/en/ch11_init_norm_reg.md", "# ", "# Regularisation\n")
    (root / "snippets" / "ch11.py").write_text('print("with batch normalisation")\n', "utf-8")
    (root / "snippets" / "ch11.figures.tsv").write_text("en\tru\ncolour\tцвет\n", "utf-8")
    (root / "README.md").write_text("## Anchors stay {#regularisation}\n", "utf-8")
    found = "\n".join(british_spelling(root))
    assert f"{title}: 'Regularisation' is British" in found
    assert "snippets/ch11.py:1: 'normalisation' is British" in found
    assert "snippets/ch11.figures.tsv:2: 'colour' is British" in found
    assert "README.md" not in found


# --- "Paste all of a chapter's blocks, in order, into a fresh interpreter and they run" -------

LIBRARY = """\
# --8<-- [start:clip]
def clip(x: Number) -> Number:
    # --8<-- [start:clip_rule]
    return max(0, x)
    # --8<-- [end:clip_rule]
# --8<-- [end:clip]
"""
PAGE = """\
```python title="src/lib.py"
--8<-- "src/lib.py:clip"
```

```python title="src/lib.py (excerpt)"
--8<-- "src/lib.py:clip_rule"
```
"""


def test_a_library_listing_runs_as_pasted_and_needs_its_imports(tmp_path):
    """Chapters 4, 9 and 11 showed listings that used names from outside the part shown."""
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "lib.py").write_text(LIBRARY, encoding="utf-8")
    blocks = python_blocks("page.md", PAGE, Expander(snippet_config(tmp_path)))
    assert [b.excerpt for b in blocks] == [False, True]  # `return` alone would not run
    with pytest.raises(ExecutionError, match=r"(?s)page.md:1: .*NameError: name 'Number'"):
        Executor(tmp_path, use_cache=False).run("page.md", blocks)
    (tmp_path / "src" / "lib.py").write_text(
        LIBRARY.replace("def clip", "Number = int | float\n\n\ndef clip"), encoding="utf-8"
    )
    blocks = python_blocks("page.md", PAGE, Expander(snippet_config(tmp_path)))
    assert len(Executor(tmp_path, use_cache=False).run("page.md", blocks)) == 2


def test_an_excerpt_says_so_in_its_title(copy):
    root = copy("ch09_optimizers")
    shutil.copytree(ROOT / "src", root / "src")
    for lang, word in (("en", "excerpt"), ("ru", "фрагмент")):
        page = root / "docs" / lang / "ch09_optimizers.md"
        page.write_text(page.read_text("utf-8").replace(f" ({word})", ""), "utf-8")
    found = excerpts_say_so(root)
    assert found and all("repeats lines of a listing above and is not run" in p for p in found)


def test_the_torchrun_command_of_chapter_15_runs_as_shown():
    """Code meant to be launched is launched as the page says, not pasted."""
    commands = {
        fence.body[0]
        for lang in LANGUAGES
        for fence in parse_fences((ROOT / "docs" / lang / "ch15_many_machines.md").read_text())
        if fence.lang == "bash" and "--standalone" in fence.body[0]
    }
    assert commands == {"torchrun --standalone --nproc-per-node=2 -m nnzero.distributed"}
    bin_dir = Path(sys.executable).parent
    result = subprocess.run(
        commands.pop().split(),
        cwd=ROOT,
        env={**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    # The two processes share one stdout, so their lines may come out interleaved.
    reports = sorted(re.findall(r"rank (\d) of (\d): loss ([0-9.]+)", result.stdout))
    assert [(rank, size) for rank, size, _ in reports] == [("0", "2"), ("1", "2")], result.stdout
    assert len({loss for _, _, loss in reports}) == 1
