"""Every DVC stage declares the genlab code it runs, so editing a module re-runs the stages
that import it (DVC only sees the deps it is told about)."""

import modulefinder
import re
import subprocess
from pathlib import Path

import pytest
import yaml

from compose import ROOT

# Third-party packages: not genlab's to declare, and slow to scan.
THIRD_PARTY = [
    "torch",
    "torchvision",
    "torchmetrics",
    "torch_fidelity",
    "pytorch_lightning",
    "lightning_fabric",
    "mlflow",
    "hydra",
    "omegaconf",
    "sklearn",
    "numpy",
    "scipy",
    "pandas",
    "matplotlib",
    "PIL",
    "tqdm",
    "prdc",
    "mlxtend",
    "filelock",
    "yaml",
]
# Loaded by name from a checkpoint (`genlab_module_class`), which static analysis cannot see.
CHECKPOINT_LOADED = {"evaluate": ["src/genlab/models"], "stacked/evaluate": ["src/genlab/models"]}


# Every pipeline's file; their stages run from the project root (stacked/'s name `wdir: ..`).
PIPELINES = ["dvc.yaml", "stacked/dvc.yaml"]


def stages() -> dict[str, tuple[str, list[str]]]:
    """stage name (stacked/train for stacked/dvc.yaml's) -> (entry script, declared deps)."""
    found = {}
    for pipeline in PIPELINES:
        prefix = f"{Path(pipeline).parent}/".removeprefix("./")  # "" for the root's dvc.yaml
        for name, stage in yaml.safe_load((ROOT / pipeline).read_text())["stages"].items():
            body = stage.get("do", stage)
            script = re.search(r"python (pipelines/\S+\.py)", body["cmd"]).group(1)
            found[prefix + name] = (script, [str(d) for d in body.get("deps", [])])
    return found


def genlab_files(script: str) -> set[str]:
    finder = modulefinder.ModuleFinder(path=[str(ROOT / "src")], excludes=THIRD_PARTY)
    finder.run_script(str(ROOT / script))
    files = set()
    for name, module in finder.modules.items():
        if name.split(".")[0] == "genlab" and module.__file__:
            files.add(str(Path(module.__file__).resolve().relative_to(ROOT)))
    return files


def declares(deps: list[str], path: str) -> bool:
    return any(path == d or path.startswith(d.rstrip("/") + "/") for d in deps)


def test_every_pipeline_file_is_checked() -> None:
    tracked = subprocess.run(
        ["git", "ls-files", "dvc.yaml", "*/dvc.yaml"], cwd=ROOT, capture_output=True, text=True
    ).stdout.split()
    assert tracked and sorted(tracked) == sorted(PIPELINES)


@pytest.mark.parametrize("stage", sorted(stages()))
def test_stage_declares_every_genlab_module_it_imports(stage: str) -> None:
    script, deps = stages()[stage]
    declared = [d for d in deps if "${" not in d] + CHECKPOINT_LOADED.get(stage, [])
    missing = sorted(path for path in genlab_files(script) if not declares(declared, path))
    assert not missing, f"{stage}: add to its deps: {missing}"
    for loaded in CHECKPOINT_LOADED.get(stage, []):
        assert declares(deps, loaded), f"{stage} loads models from checkpoints: declare {loaded}"
