"""`make new-chapter`: a chapter scaffolded into a copy of the course passes the source checks,
its program prints what its record says, and its tests pass."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from coursekit.scaffold import scaffold

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def course(tmp_path_factory: pytest.TempPathFactory) -> Path:
    copy = tmp_path_factory.mktemp("course")
    skip = shutil.ignore_patterns("__pycache__", "*.egg-info")
    for folder in ("docs", "snippets", "src", "tests"):
        shutil.copytree(ROOT / folder, copy / folder, ignore=skip)
    shutil.copytree(ROOT / ".github" / "chapter-template", copy / ".github" / "chapter-template")
    for config in ("mkdocs.yml", "mkdocs.en.yml", "pyproject.toml"):
        shutil.copy(ROOT / config, copy / config)
    scaffold(copy, 16, "some_slug")
    return copy


def run(course: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": f"{course / 'src'}{os.pathsep}{course / 'docs/hooks'}"}
    return subprocess.run(
        [sys.executable, *args], cwd=course, env=env, capture_output=True, text=True, check=False
    )


def test_the_new_chapter_passes_the_source_checks(course: Path) -> None:
    result = run(course, "-m", "coursekit.checks")
    assert result.returncode == 0, result.stdout + result.stderr
    for config in ("mkdocs.yml", "mkdocs.en.yml"):
        text = (course / config).read_text(encoding="utf-8")
        assert "- ch15_many_machines.md\n      - ch16_some_slug.md\n" in text


def test_the_program_prints_its_record_and_its_test_passes(course: Path) -> None:
    program = run(course, "snippets/ch16_some_slug.py")
    assert program.returncode == 0, program.stderr
    record = (course / "snippets/ch16_some_slug.out").read_text(encoding="utf-8")
    assert [line for line in record.splitlines() if not line.startswith("#")] == (
        program.stdout.splitlines()
    )
    tests = ("tests/test_ch16_some_slug.py", "tests/test_exercise_checks.py", "-k", "ch16 or every")
    test = run(course, "-m", "pytest", "-q", "-p", "no:cacheprovider", *tests)
    assert test.returncode == 0, test.stdout
    assert " passed" in test.stdout and " failed" not in test.stdout


def test_it_refuses_to_overwrite_a_chapter(course: Path) -> None:
    with pytest.raises(FileExistsError, match="exists already"):
        scaffold(course, 16, "some_slug")
