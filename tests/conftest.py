"""Shared fixtures: the repository root and the built site (built once if missing)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MKDOCS = [sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet"]


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def site() -> Path:
    """site/ as `make build` writes it; built here when a test run starts without it."""
    site = ROOT / "site"
    if not (site / "index.html").is_file() or not (site / "en" / "index.html").is_file():
        env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
        subprocess.run([*MKDOCS, "-f", "mkdocs.yml"], cwd=ROOT, check=True, env=env)
        subprocess.run([*MKDOCS, "-f", "mkdocs.en.yml"], cwd=ROOT, check=True, env=env)
    return site
