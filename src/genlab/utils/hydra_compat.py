"""Backport of an upstream Hydra fix that is not in a hydra-core release yet, applied by the
entry scripts (genlab.app.cli.run) only: importing genlab never patches Hydra.

facebookresearch/hydra#2928 (merged 2024-08): the structured-config source looks the ConfigStore
singleton up on each use instead of holding it; here, copies of the source share the store.
Hydra 1.3.x deep-copies its config repository every time it builds a `CachingConfigRepository`,
and with it the store: every registered structured config, with the installed Optuna, joblib
and submitit plugins. `train.py --help` builds about a hundred of those repositories, every
compose two (BENCHMARKS.md has the times).

Guarded twice: only for hydra-core 1.3.x, and only while a deep copy of the structured source
still copies the store (the upstream fix makes it not). tests/test_hydra_compat.py fails once
the installed Hydra has the fix, so this module gets removed.
"""

import copy

import hydra
from hydra.core.plugins import Plugins
from hydra.plugins.config_source import ConfigSource

PATCHED_VERSIONS = ("1.3.",)


def _copy_sharing_store(source: ConfigSource, memo: dict) -> ConfigSource:
    """A deep copy that keeps the one ConfigStore (its other fields are strings). Instances
    still hold the store, so they pickle as before: joblib's workers unpickle them without
    this patch."""
    return copy.copy(source)


def structured_source_class() -> type:
    """The class Hydra actually uses, found through the public plugin API: its plugin scan
    (done once per process) re-executes the source modules, so a class imported before the scan
    is stale, and the scheme's newest registration is the live one."""
    sources = Plugins.instance().discover(ConfigSource)
    return [source for source in sources if source.scheme() == "structured"][-1]


def copies_the_store() -> bool:
    """Whether this Hydra still deep-copies the ConfigStore with the structured source."""
    source = structured_source_class()("genlab", "structured://")
    store = getattr(source, "store", None)
    return store is not None and copy.deepcopy(source).store is not store


def use_live_config_store() -> bool:
    """Apply the backport where it is needed; whether it was applied."""
    if not hydra.__version__.startswith(PATCHED_VERSIONS) or not copies_the_store():
        return False
    structured_source_class().__deepcopy__ = _copy_sharing_store
    return True


def undo_live_config_store() -> None:
    """Take the backport out again (tests that applied it restore Hydra as they found it)."""
    source_class = structured_source_class()
    if source_class.__dict__.get("__deepcopy__") is _copy_sharing_store:
        del source_class.__deepcopy__
