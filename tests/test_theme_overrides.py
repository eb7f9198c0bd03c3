"""What the site takes from Material's internals fails here, loudly, when Material changes.

docs/hooks/README.md says why each one is kept.
"""

import re
from pathlib import Path

from material import templates

MATERIAL = Path(templates.__file__).parent
ROOT = Path(__file__).resolve().parents[1]
COMMENT = re.compile(r"\{#-.*?-#\}\n", re.DOTALL)


def bundle() -> str:
    return next((MATERIAL / "assets" / "javascripts").glob("bundle.*.min.js")).read_text("utf-8")


def test_the_search_partial_is_materials_with_only_the_dialog_named():
    ours = COMMENT.sub("", (ROOT / "docs/overrides/partials/search.html").read_text("utf-8"))
    theirs = COMMENT.sub("", (MATERIAL / "partials" / "search.html").read_text("utf-8"))
    named = 'role="dialog" aria-label="{{ lang.t(\'search\') }}">'
    assert ours == theirs.replace('role="dialog">', named, 1), (
        "Material's partials/search.html changed: copy it again into docs/overrides/partials/ "
        "and name the dialog (aria-label)"
    )


def test_material_still_fetches_the_search_index_with_an_xmlhttprequest():
    # partials/search-on-demand.html holds back that very request until the reader searches.
    code = bundle()
    assert "search_index.json" in code
    assert re.search(r"new XMLHttpRequest;return \w+\.open\(\"GET\"", code), (
        "Material no longer fetches with XMLHttpRequest: partials/search-on-demand.html "
        "would defer nothing"
    )


def test_material_still_knows_the_content_lazy_feature():
    assert "content.lazy" in bundle(), (
        "Material dropped the undocumented content.lazy feature that mkdocs.yml turns on"
    )
