"""The site machinery itself: parsing pages, running blocks once, and the cache's keys."""

import gzip
import re
from pathlib import Path

import pytest
from coursekit import alternates, mathfont
from coursekit.execute import ExecutionError, Executor
from coursekit.katex import Katex, KatexError
from coursekit.pages import CodeBlock, Include, parse_fences, sections

KATEX_JS = Path(__file__).resolve().parents[1] / "node_modules" / "katex" / "dist" / "katex.min.js"

PAGE = """# Title

```python
--8<-- "snippets/demo.py:first"
```

!!! note
    ```python title="src/x.py"
    --8<-- "src/x.py:second"
    ```

```bash
echo hi
```
"""


def test_parse_fences_finds_includes_and_lines():
    fences = parse_fences(PAGE)
    assert [(f.lang, f.line) for f in fences] == [("python", 3), ("python", 8), ("bash", 12)]
    assert [i.spec for i in fences[1].includes] == ["src/x.py:second"]
    assert fences[1].includes[0].line == 9
    assert fences[2].inline_code == [(13, "echo hi")]


def test_include_path_and_section():
    assert (Include("snippets/a.py:sec_1", 1).path, Include("snippets/a.py:sec_1", 1).section) == (
        "snippets/a.py",
        "sec_1",
    )
    assert Include("snippets/a.py", 1).section is None


def test_sections_reject_unbalanced_markers(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("# --8<-- [start:a]\nx = 1\n")
    with pytest.raises(ValueError, match=r"bad\.py:1: section 'a' never ends"):
        sections(bad)


def make_project(root: Path) -> None:
    (root / "src").mkdir()
    (root / "src" / "helper.py").write_text("def value():\n    return 41\n")


def block(code: str, line: int = 3) -> CodeBlock:
    return CodeBlock("docs/ru/page.md", line, code, [])


def test_executor_runs_once_and_reruns_only_what_an_edit_affects(tmp_path, monkeypatch):
    make_project(tmp_path)
    monkeypatch.setenv("PYTHONPATH", str(tmp_path / "src"))
    uses_helper = [block("import helper\n"), block("print(helper.value() + 1)\n", 7)]
    plain = [block("print('no imports')\n")]

    first = Executor(tmp_path)
    assert first.run("a", uses_helper)[1].stdout == "42\n"
    first.run("b", plain)
    assert first.executed == ["a", "b"]

    again = Executor(tmp_path)
    again.run("a", uses_helper)
    again.run("b", plain)
    assert again.executed == [] and again.reused == ["a", "b"]

    (tmp_path / "src" / "helper.py").write_text("def value():\n    return 1\n")
    edited = Executor(tmp_path)
    assert edited.run("a", uses_helper)[1].stdout == "2\n"
    edited.run("b", plain)
    assert edited.executed == ["a"] and edited.reused == ["b"]


def test_executor_names_the_failing_block_and_keeps_earlier_output(tmp_path):
    blocks = [block("print('fine')\n", 3), block("1 / 0\n", 9), block("print('never')\n", 15)]
    with pytest.raises(ExecutionError) as raised:
        Executor(tmp_path).run("page", blocks)
    assert raised.value.index == 1
    assert str(raised.value).startswith("docs/ru/page.md:9: this code block raised")
    assert "ZeroDivisionError" in str(raised.value)
    assert [o.stdout for o in raised.value.outputs] == ["fine\n", ""]


def test_executor_captures_figures_as_svg(tmp_path):
    code = "import matplotlib.pyplot as plt\nplt.plot([0, 1])\nplt.show()\n"
    outputs = Executor(tmp_path, use_cache=False).run("plot", [block(code)])
    assert len(outputs[0].figures) == 1
    svgs = outputs[0].figures[0]
    assert set(svgs) == {"ru", "en"}
    assert all(svg.lstrip().startswith("<?xml") for svg in svgs.values())


def test_figure_texts_are_translated_and_missing_ones_reported(tmp_path):
    (tmp_path / "snippets").mkdir()
    (tmp_path / "snippets" / "demo.figures.tsv").write_text(
        "en\tru\nLoss curve\tКривая потерь\n", encoding="utf-8"
    )
    code = (
        "import matplotlib.pyplot as plt\nplt.plot([0, 1])\nplt.title('Loss curve')\n"
        "plt.xlabel('epoch')\nplt.ylabel('$L$')\nplt.show()\n"
    )
    (tmp_path / "snippets" / "demo.py").write_text(
        "# %%\n# --8<-- [start:plot]\n" + code + "# --8<-- [end:plot]\n", encoding="utf-8"
    )
    program = block(code)
    program.includes = [Include("snippets/demo.py:plot", 1)]
    executor = Executor(tmp_path, use_cache=False)
    [output] = executor.run("page", [program])
    assert "Кривая потерь" in output.figures[0]["ru"] and "Loss curve" in output.figures[0]["en"]
    assert executor.untranslated["page"] == ["epoch"]  # "$L$" is math: nothing to translate


def test_records_compare_numbers_within_tolerance_and_ignore_times_in_timed_sections():
    from coursekit import records

    recorded = records.render({"fit_timed": "took 1.23 s\n", "loss": "0.123456789\n"}, {})
    same = records.render({"fit_timed": "took 9.99 s\n", "loss": "0.1234567891\n"}, {})
    assert records.first_difference(same, recorded) is None
    changed = records.render({"fit_timed": "took 1.23 s\n", "loss": "0.1235\n"}, {})
    diff = records.first_difference(changed, recorded)
    assert diff is not None and diff.section == "loss" and diff.line == 4
    reworded = records.render({"fit_timed": "took 1.23 min\n", "loss": "0.123456789\n"}, {})
    assert records.first_difference(reworded, recorded).section == "fit_timed"


def test_records_ignore_the_padding_that_a_wider_number_brings():
    from coursekit import records

    assert records.lines_agree("AutoKeras   7   13.1", "AutoKeras   7    8.6", timed=True)
    assert not records.lines_agree("AutoKeras   7   13.1", "AutoKeras   8    8.6", timed=False)


def test_purged_css_keeps_the_rules_a_page_can_use():
    from coursekit.purge_css import purge

    css = (
        '@charset "UTF-8";.used{color:red}.unused{color:blue}.used .unused{x:1}'
        "@media (max-width:10px){.used{y:2}.unused{y:3}}@font-face{font-family:X}"
        'p,.unused{z:4}.used[data-x="}"]{w:5}.used :root,.used>:root{--icon:url(x)}'
    )
    kept = purge(css, {"used"})
    assert kept == (
        '@charset "UTF-8";.used{color:red}@media (max-width:10px){.used{y:2}}'
        '@font-face{font-family:X}p{z:4}.used[data-x="}"]{w:5}'
    )
    assert purge(".a:not(.b,.c),.unused{x:1}", {"a", "b", "c"}) == ".a:not(.b,.c){x:1}"
    # A class inside :not() or an attribute selector is not one the element needs.
    assert purge(".a:not(.b){x:1}", {"a"}) == ".a:not(.b){x:1}"
    assert purge('.c[href$=".pdf"]{y:2}', {"c"}) == '.c[href$=".pdf"]{y:2}'
    assert purge(".a:is(.p .q).r{z:3}", {"a"}) == ""
    # Every element's ::before and ::after restyled for nothing; html/body inside the wrapper.
    css = ".w *,.w *:before,.w *:after{b:1}.w body .a{c:2}.w html{d:3}.a:before{e:4}"
    assert purge(css, {"w", "a"}) == ".w *{b:1}.a:before{e:4}"


def test_theme_css_loses_the_rules_no_page_can_use():
    from coursekit.purge_css import filter_selectors
    from coursekit.theme_css import selector_wanted

    tab = ".md-typeset .tabbed-set>input:nth-child({0}):checked~.tabbed-labels>:nth-child({0})"
    css = (
        f"{tab.format(2)},{tab.format(3)}{{a:1}}{tab.format(5)}{{b:2}}"
        ".md-typeset .grid>.card{c:3}.md-typeset .keys kbd,.md-nav{d:4}"
        "@media screen{.md-typeset .footnote{e:5}.md-typeset .cards{f:6}}@font-face{g:7}"
    )
    wanted = selector_wanted({"md-typeset", "tabbed-set", "cards", "md-nav"}, tabs=4)
    assert filter_selectors(css, wanted) == (
        f"{tab.format(2)},{tab.format(3)}{{a:1}}.md-typeset .grid>.card{{c:3}}.md-nav{{d:4}}"
        "@media screen{.md-typeset .cards{f:6}}@font-face{g:7}"
    )
    # No tab set on any page: no tab rule that picks a tab by its place.
    assert "nth-child" not in filter_selectors(css, selector_wanted(set(), tabs=None))


def test_theme_css_page_facts_count_the_most_tabs_in_one_set(tmp_path):
    from coursekit.theme_css import page_facts

    (tmp_path / "a.html").write_text('<div class="tabbed-set x" data-tabs="1:2">', "utf-8")
    (tmp_path / "b.html").write_text('<p class="y"><div data-tabs="3:4">', "utf-8")
    assert page_facts(sorted(tmp_path.glob("*.html"))) == ({"tabbed-set", "x", "y"}, 4)
    (tmp_path / "c.html").write_text('<div class="tabbed-set">', "utf-8")
    assert page_facts(sorted(tmp_path.glob("*.html")))[1] == 99  # uncounted: keep every rule


def test_palette_switch_rule_is_narrowed_to_the_elements_with_a_transition():
    from coursekit.theme_css import narrow_switching, rightmost_compound, transition_selectors

    assert rightmost_compound(".md-nav__toggle:checked~.md-nav") == ".md-nav"
    assert rightmost_compound(".md-typeset table:not([class]) tbody tr") == "tr"
    assert rightmost_compound('[data-x="a b"]>.y:is(.p .q)::after') == ".y:is(.p .q)::after"
    theme = (
        ".md-typeset a,.md-nav__toggle~.md-nav{transition:color .1s}.x{color:red}"
        "@media(prefers-reduced-motion){*,:after{transition:none!important}}"
        "@media screen{.md-search__input::placeholder{transition-property:color}}"
    )
    palette = (
        "[data-md-color-scheme=slate]{--c:#000}@media screen{[data-md-color-switching] *,"
        "[data-md-color-switching] :after{transition-duration:0s!important}}"
    )
    selectors = transition_selectors(theme + palette)
    assert selectors == [
        ".md-typeset a",
        ".md-nav__toggle~.md-nav",
        ".md-search__input::placeholder",
    ]
    assert narrow_switching(palette, selectors) == (
        "[data-md-color-scheme=slate]{--c:#000}@media screen{[data-md-color-switching] a,"
        "[data-md-color-switching] .md-nav,[data-md-color-switching] .md-search__input::placeholder"
        "{transition-duration:0s!important}}"
    )


def test_figure_words_go_into_the_search_index_of_the_section_that_shows_them(tmp_path):
    import json

    from coursekit.search_index import figure_words, finish

    svg = (
        '<svg><text x="1">0.5</text><text>шаг</text><text><tspan>loss</tspan> &amp; η</text></svg>'
    )
    assert figure_words(svg) == ["шаг", "loss"]
    (tmp_path / "figures").mkdir()
    (tmp_path / "figures" / "f.svg").write_text(svg, "utf-8")
    (tmp_path / "ch").mkdir()
    (tmp_path / "ch" / "index.html").write_text(
        '<h1 id="t">T</h1><img src="../figures/f.svg"><h2 id="a">A</h2><h4 id="x">X</h4>'
        '<p><img alt="" src="../figures/f.svg"></p><h2 id="b">B</h2>',
        "utf-8",
    )
    docs = [{"location": loc, "title": "", "text": "Ё"} for loc in ("ch/", "ch/#a", "ch/#b")]
    (tmp_path / "search").mkdir()
    index = tmp_path / "search" / "search_index.json"
    index.write_text(json.dumps({"config": {}, "docs": docs}), "utf-8")
    finish(tmp_path)
    texts = {doc["location"]: doc["text"] for doc in json.loads(index.read_text("utf-8"))["docs"]}
    # #x is not a section of its own in the index: its figure counts for #a.
    assert texts == {"ch/": "Ё шаг loss", "ch/#a": "Ё шаг loss", "ch/#b": "Ё"}
    assert "Ё" in index.read_text("utf-8"), "the index is UTF-8, not \\u escapes"


def test_executor_keeps_figure_words_as_text_with_a_sans_serif_fallback(tmp_path):
    code = "import matplotlib.pyplot as plt\nplt.title('$x^2$')\nplt.show()\n"
    svg = Executor(tmp_path, use_cache=False).run("plot", [block(code)])[0].figures[0]["en"]
    assert "<text" in svg, "figure words were drawn as paths"
    families = re.findall(r"font-family: ([^;\"]*)", svg)
    assert families and all(f.endswith("sans-serif") for f in families), families


def test_a_figure_with_a_symbol_from_matplotlibs_own_fonts_stays_drawn(tmp_path):
    code = 'import matplotlib.pyplot as plt\nplt.title("$f\'(x)$")\nplt.show()\n'
    svg = Executor(tmp_path, use_cache=False).run("plot", [block(code)])[0].figures[0]["en"]
    assert "cmsy10" not in svg and "<text" not in svg


@pytest.fixture
def katex(tmp_path):
    """The build's typesetter with an empty cache; Node stops after the test."""
    typesetter = Katex(KATEX_JS, tmp_path)
    yield typesetter
    typesetter.close()


def test_formulas_become_one_math_element_without_the_tex_annotation(katex):
    inline = katex.render("W_1 x", display=False)
    block = katex.render(r"\sum_{i=1}^{N} x_i", display=True)
    assert inline.startswith('<math class="katex">') and inline.endswith("</math>")
    assert block.startswith('<math class="katex" display="block">')
    for mathml in (inline, block):
        assert mathml.count("<math") == 1
        assert "annotation" not in mathml and "semantics" not in mathml
    assert "<msub><mi>W</mi><mn>1</mn></msub>" in inline


def test_primes_and_function_names_are_spaced_as_in_tex(katex):
    derivative = katex.render("f'(x)", display=False)
    logarithm = katex.render(r"\log x", display=False)
    assert "<msup>" not in derivative  # the font's prime is already raised
    assert '<mi>f</mi><mo lspace="0em" rspace="0em">′</mo>' in derivative
    assert '<mi>log</mi><mo lspace="0em" rspace="0.1667em">\u2061</mo><mi>x</mi>' in logarithm


def test_a_formula_the_math_font_cannot_draw_is_an_error(katex):
    with pytest.raises(KatexError, match="math font has no '∮'"):
        katex.render(r"\oint f", display=False)
    with pytest.raises(KatexError, match="math font has no 'ש'"):
        katex.render(r"\text{ש}", display=False)


def test_the_math_font_draws_one_letter_identifiers_in_italic():
    assert mathfont.missing("xyzhℓ∑∂≤Δ") == []
    for letter in "hxαβ":  # h is U+210E; the Greek only in italic, as MathML draws <mi>α</mi>
        assert mathfont.missing(letter, italic=True) == []
    assert mathfont.missing("α") == ["α"]
    assert mathfont.missing("∮ш") == ["∮", "ш"]


SITEMAP = """<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
    <url>
         <loc>https://example.org/course/en/ch01/</loc>
    </url>
</urlset>"""


def test_sitemap_lists_each_page_in_every_language(tmp_path):
    (tmp_path / "sitemap.xml").write_text(SITEMAP, encoding="utf-8")
    (tmp_path / "sitemap.xml.gz").write_bytes(b"")
    site_url = "https://example.org/course/en/"
    languages = [{"lang": "ru", "link": "../"}, {"lang": "en", "link": "./"}]
    roots = alternates.roots(site_url, languages)
    alternates.add_to_sitemap(tmp_path, site_url, roots)
    text = (tmp_path / "sitemap.xml").read_text(encoding="utf-8")
    for lang, url in [
        ("ru", "https://example.org/course/ch01/"),
        ("en", "https://example.org/course/en/ch01/"),
        ("x-default", "https://example.org/course/ch01/"),
    ]:
        assert f'<xhtml:link rel="alternate" hreflang="{lang}" href="{url}"/>' in text
    assert 'xmlns:xhtml="http://www.w3.org/1999/xhtml"' in text
    assert gzip.decompress((tmp_path / "sitemap.xml.gz").read_bytes()).decode() == text


def test_head_loses_relative_hreflang_links_but_the_language_switch_keeps_its_own():
    page = (
        '<head><link rel="alternate" href="../" hreflang="ru">\n'
        '<link rel="alternate" href="../en/" hreflang="en"></head>'
        '<body><a href="../en/ch01/" hreflang="en">English</a></body>'
    )
    cleaned = alternates.without_head_alternates(page)
    assert "<link" not in cleaned and 'hreflang="en">English' in cleaned


def test_purged_page_drops_jupyterlab_properties_nothing_reads():
    from coursekit.purge_css import unused_properties_removed

    page = (
        "<style>:root{--jp-a: red;--jp-b: var(--jp-c);--jp-c: 1px;--jp-d: 2px;"
        "--jp-e: var(--jp-d);--md-red-50: #fee;--md-x: 1px}.x{color:var(--jp-a)}</style>"
        '<div style="width: var(--jp-b)"></div>'
    )
    kept = unused_properties_removed(page)
    assert "--jp-a" in kept and "--jp-b" in kept and "--jp-c" in kept  # read, or read by a read
    assert "--jp-d" not in kept and "--jp-e" not in kept  # read only by an unread one
    assert "--md-red-50" not in kept  # JupyterLab's palette
    assert "--md-x" in kept  # the theme's stylesheet may read it


@pytest.fixture(scope="module")
def terms():
    from coursekit import glossary

    found, problems = glossary.load(Path(__file__).resolve().parents[1])
    assert not problems
    return found


def tooltips(markdown: str, terms, lang: str) -> list[tuple[str, str]]:
    """(the words, the English term) of each tooltip the glossary puts on a page."""
    from coursekit.glossary import mark_first_uses

    marked = mark_first_uses(markdown, terms, lang)
    assert not re.search(r"<abbr[^>]*>[^<]*<abbr", marked), marked
    return re.findall(r'<abbr title="([^"]*)">([^<]*)</abbr>', marked)


@pytest.mark.parametrize(
    ("lang", "text", "term"),
    [
        ("en", "Adam's bias correction removes the pull of the zeros.", "bias correction"),
        ("ru", "Поправка на смещение убирает притяжение к нулю.", "поправка на смещение"),
        ("en", "A multilayer perceptron is a chain of layers.", "multilayer perceptron"),
        ("ru", "Многослойный перцептрон — цепочка слоёв.", "многослойный перцептрон"),
        ("en", "We add batch normalization after each layer.", "batch normalization"),
        ("ru", "После слоя стоит батч-нормализация.", "батч-нормализация"),
        ("en", "The binary cross-entropy of one logit.", "binary cross-entropy"),
        ("ru", "Это бинарная кросс-энтропия на логитах.", "бинарная кросс-энтропия"),
    ],
)
def test_the_longest_term_wins_and_its_words_get_no_tooltip_of_their_own(terms, lang, text, term):
    from coursekit.glossary import tooltip

    shown = {words.lower(): title for title, words in tooltips(text, terms, lang)}
    wanted = next(t for t in terms if term in {s.lower() for s in t.spellings(lang)})
    assert shown[term] == tooltip(wanted, lang).replace('"', "&quot;")
    assert not [words for words in shown if words != term and words in term]


def test_no_tooltip_inside_a_heading_a_link_code_math_or_bold(terms):
    page = (
        "## Bias {#bias}\n\n"
        "See [the bias](ch02_neuron.md#bias), `bias`, $bias$ and **bias**.\n\n"
        "```python\nbias = 0\n```\n\n"
        "$$\n\\text{bias}\n$$\n\n"
        '!!! note "bias"\n\n'
        "Here the bias is added.\n"
    )
    marked = tooltips(page, terms, "en")
    assert [words for _, words in marked] == ["bias"]
    from coursekit.glossary import mark_first_uses

    assert mark_first_uses(page, terms, "en").splitlines()[-1].startswith("Here the <abbr")


@pytest.mark.parametrize(
    ("lang", "album", "later"),
    [
        (
            "en",
            "A filter<!-- not a term --> that removes pictures from a family album.",
            "Each filter of a convolution is a small square of weights.",
        ),
        (
            "ru",
            "Фильтру<!-- not a term -->, который убирает снимки из альбома, лучше ошибаться.",
            "Каждый фильтр свёртки — маленький квадрат весов.",
        ),
    ],
)
def test_a_word_marked_not_a_term_gets_no_tooltip_and_the_marker_does_not_show(
    terms, lang, album, later
):
    from coursekit.glossary import mark_first_uses

    marked = mark_first_uses(f"{album}\n\n{later}\n", terms, lang)
    first, _, second = marked.splitlines()
    assert first == album.replace("<!-- not a term -->", "")  # no tooltip, no marker
    assert re.search(r"<abbr[^>]*>[Фф]ильтр|<abbr[^>]*>filter", second), second


LIST_WITH_FORMULA = (
    "- The weights:\n\n{indent}$$\n{indent}dW_2 = dZ_2^\\top A_1.\n{indent}$$\n\n- The bias.\n"
)


@pytest.mark.parametrize(("indent", "raw"), [("  ", True), ("    ", False)])
def test_raw_tex_on_a_built_page_names_the_source_line(tmp_path, indent, raw):
    """A `$$` block indented by two spaces in a list is left as text; by four, it is typeset."""
    import markdown
    from site_checks import raw_tex

    source = "# Chapter 7\n\nText with $x$.\n\n" + LIST_WITH_FORMULA.format(indent=indent)
    (tmp_path / "docs" / "ru").mkdir(parents=True)
    (tmp_path / "docs" / "ru" / "ch07_backprop.md").write_text(source, encoding="utf-8")
    html = markdown.markdown(
        source,
        extensions=["pymdownx.arithmatex", "pymdownx.superfences"],
        extension_configs={"pymdownx.arithmatex": {"generic": True}},
    )
    page = tmp_path / "site" / "ch07_backprop" / "index.html"
    page.parent.mkdir(parents=True)
    page.write_text(f"<html><body>{html}<pre><code>$ echo \\top</code></pre></body></html>")
    problems = raw_tex(tmp_path / "site", tmp_path)
    if raw:
        [problem] = problems
        assert problem.startswith("docs/ru/ch07_backprop.md:8: site/ch07_backprop/index.html")
        assert "dZ_2^\\top" in problem
    else:
        assert problems == []


def test_the_site_check_finds_tooltips_inside_a_tooltip_a_heading_a_link_code_or_math(tmp_path):
    from site_checks import nested_tooltips

    page = tmp_path / "ch09_optimizers" / "index.html"
    page.parent.mkdir()
    page.write_text(
        '<p><abbr title="Bias correction">bias correction</abbr> and <abbr title="b">bias</abbr>'
        '<br><img src="x.png"></p><h2>a <abbr title="t">term</abbr></h2>'
        '<p><a href="#"><abbr title="t">link</abbr></a> <code><abbr title="t">x</abbr></code>'
        '<span class="katex"><abbr title="t">x</abbr></span></p>'
        '<p><abbr title="Bias correction"><abbr title="b">bias</abbr> correction</abbr></p>'
    )
    assert nested_tooltips(tmp_path) == [
        f"site/ch09_optimizers/index.html: a tooltip (abbr) inside {outer}"
        for outer in ("h2", "a", "code", "math", "abbr")
    ]
