"""Bad changes fail loudly and name the file: each test breaks a small copy of the site.

The copy has the real configuration, hook, theme overrides and templates, and one tiny
chapter; every test applies one kind of breakage and checks the message `make test` gives.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from coursekit import LANGUAGES, checks
from site_checks import third_party_resources

ROOT = Path(__file__).resolve().parents[1]
GENERATED = "glossary.md"

PROGRAM = """\
# A tiny chapter program.

# %%
# --8<-- [start:setup]
values = [1, 2, 3]
# --8<-- [end:setup]

# %%
# --8<-- [start:show]
print(sum(values))
# --8<-- [end:show]
"""

PAGE = """\
# Demo

## Part {{#part}}

```python
--8<-- "snippets/demo.py:setup"
```

```python
--8<-- "snippets/demo.py:show"
```
"""


@pytest.fixture(scope="session")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the site machinery with one page and its program, in both languages, whose
    outputs and notebooks are recorded (`make record`), built once per test run."""
    tmp_path = tmp_path_factory.mktemp("template")
    for name in ("mkdocs.yml", "mkdocs.en.yml"):
        shutil.copy(ROOT / name, tmp_path / name)
    (tmp_path / "node_modules").symlink_to(ROOT / "node_modules")  # KaTeX, as make build has it
    for folder in ("docs/hooks", "docs/overrides", "docs/templates"):
        shutil.copytree(
            ROOT / folder, tmp_path / folder, ignore=shutil.ignore_patterns("__pycache__")
        )
    (tmp_path / "src" / "nnzero").mkdir(parents=True)
    for name in ("__init__.py", "calculus.py"):
        # The library's section markers are for the real chapters, which this copy lacks.
        text = (ROOT / "src" / "nnzero" / name).read_text(encoding="utf-8")
        kept = [ln for ln in text.splitlines() if "--8<-- [" not in ln]
        (tmp_path / "src" / "nnzero" / name).write_text("\n".join(kept) + "\n", "utf-8")
    (tmp_path / "snippets").mkdir()
    (tmp_path / "snippets" / "demo.py").write_text(PROGRAM, encoding="utf-8")
    for lang in LANGUAGES:
        (tmp_path / "docs" / lang).mkdir(parents=True)
        (tmp_path / "docs" / lang / "demo.md").write_text(PAGE.format(), encoding="utf-8")
    for name in ("glossary.tsv", "book-cover.tpl"):
        shutil.copy(ROOT / "docs" / name, tmp_path / "docs" / name)
    (tmp_path / "docs" / "glossary").mkdir()
    (tmp_path / "docs" / "translations.json").write_text(
        '{"synced": {}, "work_in_progress": {"ru": [], "en": []}}', encoding="utf-8"
    )
    (tmp_path / "tests").mkdir()
    for config, parent in (("site.yml", "mkdocs.yml"), ("en.yml", "mkdocs.en.yml")):
        (tmp_path / config).write_text(
            f"INHERIT: {parent}\nnav: [demo.md, {GENERATED}]\n", encoding="utf-8"
        )
    for config in ("site.yml", "en.yml"):
        result = build(tmp_path, config, record=True)
        assert result.returncode == 0, result.stderr
    shutil.rmtree(tmp_path / "out")
    return tmp_path


@pytest.fixture
def project(template: Path, tmp_path: Path) -> Path:
    """A fresh copy of the template for one test to break."""
    shutil.copytree(template, tmp_path, dirs_exist_ok=True)
    return tmp_path


def edit(project: Path, relative: str, old: str, new: str) -> None:
    path = project / relative
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {relative}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def build(
    project: Path, config: str = "site.yml", out: str = "out", record: bool = False
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "COURSE_RECORD": "1" if record else "0"}
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", config, "-d", out],
        cwd=project,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )


def problems(project: Path) -> str:
    return "\n".join(checks.run_all(project))


def test_the_unbroken_copy_builds_and_passes_the_checks(project):
    result = build(project)
    assert result.returncode == 0, result.stderr
    assert problems(project) == ""
    html = (project / "out" / "demo" / "index.html").read_text(encoding="utf-8")
    assert ">6</span>" in html or "6\n" in html  # the real output of print(sum(values))


def test_a_missing_section_name(project):
    edit(project, "docs/ru/demo.md", "demo.py:show", "demo.py:shwo")
    assert "docs/ru/demo.md:10: snippets/demo.py has no section 'shwo'" in problems(project)
    result = build(project)
    assert result.returncode != 0 and "shwo" in result.stderr


def test_a_missing_include_file(project):
    edit(project, "docs/en/demo.md", "snippets/demo.py:setup", "snippets/nope.py:setup")
    assert "docs/en/demo.md:6: includes snippets/nope.py, which does not exist" in problems(project)


def test_a_shown_section_that_raises(project):
    edit(project, "snippets/demo.py", "print(sum(values))", "print(sum(values) / 0)")
    result = build(project)
    assert result.returncode != 0
    assert "docs/ru/demo.md:9: this code block raised" in result.stderr
    assert 'File "snippets/demo.py", line 10' in result.stderr
    assert "ZeroDivisionError" in result.stderr


def test_a_block_that_relies_on_an_import_it_does_not_show(project):
    edit(project, "snippets/demo.py", "values = [1, 2, 3]", "values = math.tau")
    result = build(project)
    assert "docs/ru/demo.md:5: this code block raised" in result.stderr
    assert "NameError: name 'math' is not defined" in result.stderr


def test_a_page_missing_in_one_language(project):
    (project / "docs" / "en" / "demo.md").unlink()
    assert "docs/ru/demo.md:1: there is no docs/en/demo.md" in problems(project)


def test_an_include_missing_from_one_language(project):
    edit(project, "docs/en/demo.md", '--8<-- "snippets/demo.py:setup"', "")
    found = problems(project)
    assert "docs/ru/demo.md:6: include #1 is 'snippets/demo.py:setup' here, but" in found
    assert "docs/en/demo.md:10: expected section 'setup' of snippets/demo.py here" in found


def test_python_written_inline(project):
    edit(project, "docs/ru/demo.md", '--8<-- "snippets/demo.py:setup"', "values = [1, 2, 3]")
    assert "docs/ru/demo.md:6: Python written inline ('values = [1, 2, 3]')" in problems(project)
    assert "docs/ru/demo.md:6: Python written inline" in build(project).stderr


def test_code_outside_a_section_of_a_program(project):
    edit(
        project,
        "snippets/demo.py",
        "# %%\n# --8<-- [start:show]",
        "import os\n# %%\n# --8<-- [start:show]",
    )
    assert "snippets/demo.py:8: code outside a named section" in problems(project)


def test_broken_links_and_a_missing_image(project):
    edit(
        project,
        "docs/ru/demo.md",
        "# Demo\n",
        "# Demo\n\n[a](missing.md) [b](#no-such-heading) ![c](figures/none.svg)\n",
    )
    found = problems(project)
    assert "docs/ru/demo.md:3: links to 'missing.md', which does not exist" in found
    assert "docs/ru/demo.md:3: links to '#no-such-heading', but that page has no heading" in found
    result = build(project)
    assert result.returncode != 0
    assert "'demo.md' contains a link 'missing.md'" in result.stderr
    assert "'demo.md' contains a link '#no-such-heading'" in result.stderr
    assert "'demo.md' contains a link 'figures/none.svg'" in result.stderr


def test_an_api_reference_to_a_missing_name(project):
    edit(project, "docs/ru/demo.md", "# Demo\n", "# Demo\n\n::: nnzero.calculus.no_such_function\n")
    assert (
        "docs/ru/demo.md:3: ::: nnzero.calculus.no_such_function — "
        "src/nnzero/calculus.py defines no 'no_such_function'"
    ) in problems(project)
    result = build(project)
    assert result.returncode != 0
    assert "nnzero.calculus.no_such_function" in result.stderr


def test_a_figure_the_page_does_not_show(project):
    edit(
        project,
        "snippets/demo.py",
        "print(sum(values))",
        "import matplotlib.pyplot as plt\nplt.plot(values)\nplt.show()",
    )
    result = build(project)
    assert result.returncode != 0
    assert "docs/ru/demo.md: a block draws the figure figures/demo/show.svg" in result.stderr


def test_a_page_that_would_load_a_third_party_resource(project):
    edit(
        project, "docs/ru/demo.md", "# Demo\n", "# Demo\n\n![logo](https://example.com/logo.png)\n"
    )
    assert build(project).returncode == 0
    found = "\n".join(third_party_resources(project / "out"))
    assert "site/demo/index.html: loads https://example.com/logo.png" in found


# --- Translators' workflow ---------------------------------------------------------------


def git(project: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@t",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@t",
    }
    return subprocess.run(
        ["git", *args], cwd=project, capture_output=True, text=True, check=True, env=env
    ).stdout


def translation_status(project: Path) -> str:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "docs" / "hooks")}
    return subprocess.run(
        [sys.executable, "-m", "coursekit.translations", "status", "--all"],
        cwd=project,
        capture_output=True,
        text=True,
        check=True,
        env=env,
    ).stdout


def test_an_edit_in_russian_makes_the_english_page_outdated(project):
    git(project, "init", "-q", "-b", "main")
    (project / "docs" / "translations.json").write_text(
        '{"synced": {}, "work_in_progress": {"ru": [], "en": []}}\n', encoding="utf-8"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT / "docs" / "hooks")}
    subprocess.run(
        [sys.executable, "-m", "coursekit.translations", "sync", "demo.md"],
        cwd=project,
        check=True,
        env=env,
        capture_output=True,
    )
    git(project, "add", "-A")
    git(project, "commit", "-qm", "Both versions")
    synced = git(project, "rev-parse", "--short", "HEAD").strip()
    assert "docs/en/demo.md                          up to date" in translation_status(project)

    edit(project, "docs/ru/demo.md", "## Part", "## Part, clarified")
    git(project, "commit", "-qam", "Clarify the Russian page")
    edited = git(project, "rev-parse", "--short", "HEAD").strip()
    status = translation_status(project)
    english = next(line for line in status.splitlines() if line.startswith("docs/en/demo.md"))
    assert "outdated" in english
    assert f"{edited} Clarify the Russian page" in english
    assert f"see: git diff {synced} -- docs/ru/demo.md" in english
    assert "docs/ru/demo.md                          up to date" in status

    result = build(project, "en.yml", "out-en")
    assert result.returncode == 0, result.stderr
    html = (project / "out-en" / "demo" / "index.html").read_text(encoding="utf-8")
    assert "This translation is out of date" in html, result.stderr
    assert 'href="../../demo/" hreflang="ru" target="_self">Open the Russian version' in html


def test_a_page_in_one_language_fails_unless_listed_as_work_in_progress(project):
    (project / "docs" / "ru" / "extra.md").write_text("# Extra\n", encoding="utf-8")
    assert "docs/ru/extra.md:1: there is no docs/en/extra.md" in problems(project)
    (project / "docs" / "translations.json").write_text(
        '{"synced": {}, "work_in_progress": {"ru": [], "en": ["extra.md"]}}\n', encoding="utf-8"
    )
    assert problems(project) == ""
    for config in ("site.yml", "en.yml"):
        edit(project, config, "nav: [demo.md,", "nav: [demo.md, extra.md,")
    result = build(project, "en.yml", "out-en")
    assert result.returncode == 0, result.stderr
    html = (project / "out-en" / "extra" / "index.html").read_text(encoding="utf-8")
    assert "Not translated yet" in html, result.stderr
    assert "/new/main/docs/en?filename=extra.md" in html


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "## Part {#part}",
            "## Part {#part}\n\n$$x^2$$",
            "docs/ru/demo.md:5: 1 formulas in ru, 0 in en",
        ),
        (
            "## Part {#part}",
            "## Part {#part}\n\n!!! note\n    Hi.",
            "docs/ru/demo.md:5: admonition 'note' has no counterpart",
        ),
        (
            "## Part {#part}",
            "## Part {#part}\n\n![p](figures/demo/show.svg)",
            "docs/ru/demo.md:5: image 'figures/demo/show.svg' has no counterpart",
        ),
        (
            "## Part {#part}",
            "## Part {#part}\n\n[next](other.md)",
            "docs/ru/demo.md:5: links to 'other.md', which the en version does not",
        ),
        (
            "## Part {#part}",
            "## Part {#piece}",
            "docs/ru/demo.md:3: heading anchor #1 is 'piece' here, but 'part' in the other",
        ),
    ],
    ids=["formula", "admonition", "image", "link", "anchor"],
)
def test_structural_differences_between_languages(project, old, new, message):
    edit(project, "docs/ru/demo.md", old, new)
    found = problems(project)
    assert message in found, found


def test_a_russian_term_to_avoid_and_its_deliberate_use(project):
    shutil.copy(ROOT / "docs" / "glossary.tsv", project / "docs" / "glossary.tsv")
    edit(
        project,
        "docs/ru/demo.md",
        "## Part {#part}\n",
        "## Part {#part}\n\nСчитаем лосс на батче.\n",
    )
    assert "docs/ru/demo.md:5: «лосс» — the glossary says «функция потерь»" in problems(project)
    edit(project, "docs/ru/demo.md", "лосс на батче.", "лосс на батче. <!-- term-ok: лосс -->")
    assert "лосс" not in problems(project)


def test_front_matter_keeps_every_output_under_its_block(project):
    for lang in LANGUAGES:
        edit(project, f"docs/{lang}/demo.md", "# Demo", "---\nhide: [toc]\n---\n\n# Demo")
    result = build(project)
    assert result.returncode == 0, result.stderr
    html = (project / "out" / "demo" / "index.html").read_text(encoding="utf-8")
    assert html.count('<span class="filename">Вывод</span>') == 1
    show = html.index("sum")
    assert html.index(">6", show) > show  # the output follows the block that prints it


def test_a_quoted_number_the_output_no_longer_prints(project):
    edit(
        project,
        "docs/ru/demo.md",
        '"snippets/demo.py:show"\n```',
        '"snippets/demo.py:show"\n```\n\nСумма равна [[6]].',
    )
    assert build(project, record=True).returncode == 0
    edit(project, "snippets/demo.py", "print(sum(values))", "print(sum(values) * 2)")
    result = build(project, record=True)
    assert result.returncode != 0
    assert (
        "docs/ru/demo.md:13: the page says 6, but the output of section 'show' no longer "
        "prints it; it prints: 12"
    ) in result.stderr
    # `make record` refuses to bury the wrong quote under a new record.
    assert "make record: nothing recorded until the warnings above are fixed" in result.stderr
    assert "12" not in (project / "snippets" / "demo.out").read_text(encoding="utf-8")


def test_an_output_that_differs_from_the_record(project):
    record = project / "snippets" / "demo.out"
    old = record.read_text(encoding="utf-8")

    def change_code(new: str) -> None:
        text = (project / "snippets" / "demo.py").read_text(encoding="utf-8")
        start = text.index("print(sum(values)")
        end = text.index("\n", start)
        (project / "snippets" / "demo.py").write_text(text[:start] + new + text[end:], "utf-8")
        assert build(project, record=True).returncode == 0
        assert build(project, "en.yml", record=True).returncode == 0
        record.write_text(old, encoding="utf-8")

    change_code("print(sum(values) + 0.5)")
    result = build(project)
    assert result.returncode != 0
    assert ("snippets/demo.out:3: section 'show' now prints '6.5', the record says '6'") in (
        result.stderr
    )
    # Numbers within the tolerance set in records.py agree with the record.
    change_code("print(sum(values) + 1e-9)")
    assert build(project).returncode == 0, build(project).stderr


def test_a_figure_text_without_a_translation(project):
    edit(
        project,
        "snippets/demo.py",
        "print(sum(values))",
        "import matplotlib.pyplot as plt\nplt.plot(values)\nplt.title('Sum of values')\n"
        "plt.show()\nprint(sum(values))",
    )
    for lang in LANGUAGES:
        edit(
            project,
            f"docs/{lang}/demo.md",
            '"snippets/demo.py:show"\n```',
            '"snippets/demo.py:show"\n```\n\n![plot](figures/demo/show.svg)',
        )
    result = build(project, record=True)
    assert result.returncode != 0
    assert (
        "snippets/demo.figures.tsv:1: a figure of docs/ru/demo.md shows 'Sum of values'"
        in result.stderr
    )
    (project / "snippets" / "demo.figures.tsv").write_text(
        "en\tru\nSum of values\tСумма\n", encoding="utf-8"
    )
    assert build(project, record=True).returncode == 0
    assert "Сумма" in (project / "out" / "figures" / "demo" / "show.svg").read_text(
        encoding="utf-8"
    )


def test_a_claim_without_a_test_and_a_test_without_its_claim(project):
    for lang in LANGUAGES:
        edit(project, f"docs/{lang}/demo.md", "## Part", "Six. <!-- claim: six -->\n\n## Part")
    assert "docs/ru/demo.md:3: the claim 'six' has no test" in problems(project)
    (project / "tests" / "test_demo.py").write_text(
        '@claim("demo", "six")\ndef test_six(run):\n    pass\n\n@claim("demo", "seven")\n',
        encoding="utf-8",
    )
    found = problems(project)
    assert "has no test" not in found
    assert (
        "tests/test_demo.py:5: tests the claim 'seven', which docs/ru/demo.md does not make"
        in found
    )


def test_a_prose_only_edit_builds_and_reaches_the_colab_notebook(project):
    edit(project, "docs/en/demo.md", "## Part", "Some new prose.\n\n## Part")
    result = build(project, "en.yml")
    assert result.returncode == 0, result.stderr
    notebook = (project / "out" / "colab" / "demo.ipynb").read_text(encoding="utf-8")
    assert "Some new prose." in notebook
    assert '"outputs": []' in notebook
