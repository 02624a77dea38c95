"""pipelines/prepare.py end to end, as a user runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import genlab

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_prepare_mnist5k_from_the_command_line(tmp_path) -> None:
    env = dict(os.environ)
    # Run the genlab this test session imports, installed or not.
    src = str(Path(genlab.__file__).resolve().parents[1])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (src, env.get("PYTHONPATH")) if p)
    result = subprocess.run(
        [sys.executable, "pipelines/prepare.py", "data=mnist5k", f"paths.root_dir={tmp_path}"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr
    prepared = tmp_path / "data" / "prepared" / "mnist5k"
    assert str(prepared) in result.stdout and "train 4000" in result.stdout
    assert {p.name for p in prepared.iterdir()} == {"train.pt", "val.pt", "meta.json"}
    assert json.loads((prepared / "meta.json").read_text())["counts"]["val"] == 1000
