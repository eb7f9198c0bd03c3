"""Shared fixtures: the repository root and the built site (built once if missing)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parents[1]
# The tests' tensors are tiny: one thread is faster than torch's default on 2 cores.
torch.set_num_threads(1)
MKDOCS = [sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet"]


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def site() -> Path:
    """site/ as `make build` writes it, or $COURSE_SITE; built here when a run starts without it."""
    site = Path(os.environ.get("COURSE_SITE", ROOT / "site"))
    if not (site / "index.html").is_file() or not (site / "en" / "index.html").is_file():
        env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
        for config, folder in (("mkdocs.yml", site), ("mkdocs.en.yml", site / "en")):
            subprocess.run([*MKDOCS, "-f", config, "-d", folder], cwd=ROOT, check=True, env=env)
    return site


@pytest.fixture
def copy_into_torch():
    """Turns an nnzero.layers.Sequential into a torch.nn.Sequential with the same weights."""
    from nnzero.layers import Linear

    def copy(model) -> torch.nn.Sequential:
        layers: list[torch.nn.Module] = []
        for layer in model.layers:
            if isinstance(layer, Linear):
                fan_out, fan_in = layer.weight.shape
                lin = torch.nn.Linear(fan_in, fan_out, bias=layer.bias is not None).double()
                with torch.no_grad():
                    lin.weight.copy_(layer.weight)
                    if layer.bias is not None:
                        lin.bias.copy_(layer.bias)
                layers.append(lin)
            else:
                layers.append(torch.nn.ReLU())
        return torch.nn.Sequential(*layers)

    return copy
