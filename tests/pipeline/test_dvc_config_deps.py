"""Every DVC stage declares the config files its Hydra command composes, so an edit to a shared
config (conf/gan_module.yaml) re-runs exactly the stages that load it. The files are Hydra's
own defaults list for each stage's command as DVC resolves it (every `foreach` item, so a model
added to params.yaml is covered), not a list kept by hand."""

import json
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from dvc.repo import Repo
from hydra import initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from hydra.types import RunMode

from compose import CONF_DIR, ROOT

# What a stage's Hydra command and its declared deps need from the project.
PROJECT = ["dvc.yaml", "params.yaml", "conf", "pipelines", "src"]


def resolved_stages(root: Path) -> dict[str, tuple[list[str], list[str]]]:
    """Stage address (train@cdcgan) -> (its command's words, its declared dep paths)."""
    with Repo(str(root)) as repo:
        return {
            stage.addressing: (shlex.split(stage.cmd), [str(dep.def_path) for dep in stage.deps])
            for stage in repo.index.stages
        }


def composed_config_files(words: list[str]) -> set[str]:
    """The conf/ files Hydra loads for `python pipelines/<script>.py <overrides>`: its defaults
    list, less the entries that are no file of conf/ (Hydra's own, the typed schemas)."""
    script = next(w for w in words if w.startswith("pipelines/"))
    config_name = re.search(r'config_name="(\w+)"', (ROOT / script).read_text()).group(1)
    overrides = words[words.index(script) + 1 :]
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        loader = GlobalHydra.instance().config_loader()
        defaults = loader.compute_defaults_list(config_name, overrides, RunMode.RUN).defaults
    files = {f"conf/{d.config_path}.yaml" for d in defaults if d.config_path}
    return {f for f in files if (ROOT / f).is_file()}


def declares(deps: list[str], path: str) -> bool:
    return any(path == d or path.startswith(d.rstrip("/") + "/") for d in deps)


def test_every_stage_declares_every_config_file_its_command_composes() -> None:
    stages = resolved_stages(ROOT)
    assert {"train@gan", "train@vae", "prepare", "report"} <= set(stages)
    missing = {
        name: sorted(f for f in composed_config_files(words) if not declares(deps, f))
        for name, (words, deps) in stages.items()
    }
    missing = {name: files for name, files in missing.items() if files}
    assert not missing, f"add to the stages' deps in dvc.yaml: {missing}"


def test_every_stacked_recipe_composes_only_what_the_stacked_train_stage_declares() -> None:
    """A model that stacked/params.yaml does not list yet (the opt-in `flow`) is covered too:
    each conf/experiment/stacked_<model>.yaml put into the train stage's matrix in gan's place."""
    stages = resolved_stages(ROOT)
    name = next(n for n in stages if n.startswith("stacked/dvc.yaml:train@gan-"))
    words, deps = stages[name]
    recipes = sorted((CONF_DIR / "experiment").glob("stacked_*.yaml"))
    assert "stacked_flow" in {recipe.stem for recipe in recipes}
    missing = {}
    for recipe in recipes:
        as_recipe = [w.replace("stacked_gan", recipe.stem) for w in words]
        declared = [d.replace("stacked_gan", recipe.stem) for d in deps]
        files = sorted(f for f in composed_config_files(as_recipe) if not declares(declared, f))
        if files:
            missing[recipe.stem] = files
    assert not missing, f"add to stacked/dvc.yaml's train deps: {missing}"


def dvc(copy: Path, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "dvc", *args], cwd=copy, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.slow
def test_an_edit_to_the_shared_gan_config_makes_every_gan_stage_changed_and_no_other(
    tmp_path: Path,
) -> None:
    """In a copy with a real git and DVC repository whose outputs are recorded (`dvc commit`),
    an edit to conf/gan_module.yaml changes the three GAN train stages, and not the VAE's."""
    copy = tmp_path / "copy"
    copy.mkdir()
    for name in PROJECT:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, copy / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, copy / name)
    subprocess.run(["git", "init", "-q"], cwd=copy, check=True)
    dvc(copy, "init", "-q")
    with Repo(str(copy)) as repo:  # stand-ins for what the stages write (a folder: no suffix)
        outs = [Path(out.fs_path) for stage in repo.index.stages for out in stage.outs]
    for path in outs:
        folder = path if not path.suffix else path.parent
        folder.mkdir(parents=True, exist_ok=True)
        (path if path.suffix else path / "stand-in").write_text("stand-in")
    dvc(copy, "commit", "-f", "-q")
    assert dvc(copy, "status", "--json").strip() in ("{}", "")

    with (copy / "conf/gan_module.yaml").open("a") as config:
        config.write("# an edit to a shared GAN default\n")
    changed = set(json.loads(dvc(copy, "status", "--json")))
    assert {"train@gan", "train@dcgan", "train@cdcgan"} <= changed
    assert "train@vae" not in changed
