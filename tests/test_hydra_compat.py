"""The backported Hydra fix (genlab/hydra_compat.py): config repositories copy no ConfigStore."""

import copy
import pickle
import subprocess
import sys
from collections.abc import Iterator

import pytest
from hydra._internal.sources_registry import SourcesRegistry
from hydra.core.config_store import ConfigStore

from genlab.utils import hydra_compat

from compose import CONF_DIR
from scripts import run_script


@pytest.fixture(autouse=True)
def patched() -> Iterator[None]:
    """As every entry script does (genlab.app.cli.run); Hydra as it was after each test."""
    applied = hydra_compat.use_live_config_store()
    yield
    if applied:
        hydra_compat.undo_live_config_store()


def test_the_backport_is_undone_and_hydra_copies_the_store_again() -> None:
    assert not hydra_compat.copies_the_store()  # applied by the fixture
    hydra_compat.undo_live_config_store()
    try:
        assert "__deepcopy__" not in hydra_compat.structured_source_class().__dict__
        assert hydra_compat.copies_the_store()
    finally:
        hydra_compat.use_live_config_store()


def test_the_installed_hydra_still_needs_the_backport() -> None:
    """Fails once hydra-core ships facebookresearch/hydra#2928: then delete genlab/hydra_compat.py
    and its call in genlab.app.cli."""
    source_class = hydra_compat.structured_source_class()
    patch = source_class.__dict__.get("__deepcopy__")
    try:
        if patch is not None:
            del source_class.__deepcopy__
        assert hydra_compat.copies_the_store(), "Hydra has the upstream fix: drop the backport"
    finally:
        if patch is not None:
            source_class.__deepcopy__ = patch


def test_importing_genlab_patches_nothing() -> None:
    probe = (
        "import genlab.app.train, genlab.app.cli, genlab.app.evaluate; "
        "from genlab.utils.hydra_compat import structured_source_class as s; "
        "print('__deepcopy__' in s().__dict__)"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert result.stdout.strip() == "False", result.stderr[-2000:]


def test_copied_structured_source_reads_the_live_store() -> None:
    source = SourcesRegistry.instance().resolve("structured")("genlab", "structured://")
    copied = copy.deepcopy(source)  # what every CachingConfigRepository does
    assert copied.store is ConfigStore.instance()

    ConfigStore.instance().store(name="genlab_registered_after_copy", node={"answer": 42})
    try:  # upstream's regression case: a config registered later is still found
        assert copied.is_config("genlab_registered_after_copy")
    finally:
        ConfigStore.instance().repo.pop("genlab_registered_after_copy.yaml")


def test_source_unpickles_in_a_process_without_the_patch() -> None:
    """joblib's workers receive Hydra's config loader pickled, in a fresh interpreter."""
    source = SourcesRegistry.instance().resolve("structured")("genlab", "structured://")
    probe = "import pickle, sys; print(pickle.load(sys.stdin.buffer).is_group('hydra'))"
    result = subprocess.run(
        [sys.executable, "-c", probe], input=pickle.dumps(source), capture_output=True
    )
    assert result.stdout.strip() == b"True", result.stderr.decode()[-2000:]


def test_help_lists_every_config_group(tmp_path) -> None:
    result = run_script("train.py", "--help", root=tmp_path)
    assert result.returncode == 0, result.stderr
    models = ", ".join(sorted(p.stem for p in (CONF_DIR / "model").glob("*.yaml")))
    assert f"model: {models}\n" in result.stdout
    assert "hparams_search: fid_optuna\n" in result.stdout
    assert "_target_: genlab.data.datamodule.PreparedDataModule" in result.stdout
