"""A release is what the notebooks install: one version, a wheel and an sdist that install, and a
least-privilege workflow that publishes them before it deploys the site."""

import re
import subprocess
import sys
import tomllib
import venv
from importlib import metadata
from pathlib import Path

import pytest
import yaml

import nnzero

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = ROOT / ".github" / "workflows"


def test_the_version_is_defined_once():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert "version" not in project and "version" in project["dynamic"]
    assert metadata.version("nnzero") == nnzero.__version__


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(ROOT)],
        check=True,
        capture_output=True,
    )
    return out


def test_the_sdist_and_the_wheel_pass_twine_check(dist):
    names = sorted(p.name for p in dist.iterdir())
    version = nnzero.__version__
    assert names == [f"nnzero-{version}-py3-none-any.whl", f"nnzero-{version}.tar.gz"]
    result = subprocess.run(
        [sys.executable, "-m", "twine", "check", "--strict", *map(str, dist.iterdir())],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_wheel_installs_in_a_fresh_venv_and_reports_its_version(dist, tmp_path):
    # --no-deps: torch and the rest come from the reader's environment (Colab has them); here
    # the point is the package itself, installed with pip as the notebook's first cell does.
    venv.create(tmp_path / "env", with_pip=True)
    python = tmp_path / "env" / "bin" / "python"
    wheel = next(dist.glob("*.whl"))
    subprocess.run(
        [python, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", str(wheel)],
        check=True,
    )
    shown = subprocess.run(
        [
            python,
            "-c",
            "import nnzero, importlib.metadata as m; print(nnzero.__version__, "
            "m.version('nnzero'), nnzero.__file__)",
        ],
        check=True,
        capture_output=True,
        text=True,
        cwd=tmp_path,
    ).stdout.split()
    assert shown[:2] == [nnzero.__version__] * 2
    assert str(tmp_path / "env") in shown[2]


def jobs(name: str) -> dict:
    return yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))["jobs"]


def test_the_release_workflow_publishes_then_deploys_with_least_privilege():
    text = (WORKFLOWS / "release.yml").read_text(encoding="utf-8")
    workflow = yaml.safe_load(text)
    assert workflow[True] == {"push": {"tags": ["v*"]}}  # yaml reads the key `on` as True
    assert workflow["permissions"] == {}
    release = workflow["jobs"]
    assert release["dist"]["permissions"] == {"contents": "read"}
    assert release["publish"]["needs"] == "dist"
    assert release["publish"]["permissions"] == {"id-token": "write"}
    assert re.search(r"pypa/gh-action-pypi-publish@[0-9a-f]{40} ", text)
    assert "password" not in text and "secrets." not in text  # trusted publishing: no token
    assert release["site"]["needs"] == "publish"
    assert release["site"]["uses"] == "$/.github/workflows/pages.yml"
    # id-token: write only where an OIDC token is the point: the index and GitHub Pages.
    with_id_token = {
        (name, job_name)
        for name in ("release.yml", "pages.yml", "test.yml", "audit.yml")
        for job_name, job in jobs(name).items()
        if (job.get("permissions") or {}).get("id-token") == "write"
    }
    assert with_id_token == {
        ("release.yml", "publish"),
        ("release.yml", "site"),
        ("pages.yml", "deploy"),
    }


def test_the_tag_check_reads_the_version_where_it_is_defined():
    text = (WORKFLOWS / "release.yml").read_text(encoding="utf-8")
    pattern = re.search(r"re\.search\(r\"(.+?)\", open\(\"(.+?)\"\)", text)
    assert pattern, "release.yml: the tag check no longer reads the version"
    source = (ROOT / pattern[2]).read_text(encoding="utf-8")
    assert re.search(pattern[1].replace('\\"', '"'), source)[1] == nnzero.__version__
