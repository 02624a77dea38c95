"""Backport of an upstream Hydra fix that is not in a hydra-core release yet.

facebookresearch/hydra#2928 (merged 2024-08): the structured-config source looks the ConfigStore
singleton up on each use instead of holding it; here, copies of the source share the store.
Hydra 1.3.x deep-copies its config repository every time it builds a `CachingConfigRepository`,
and with it the store: every registered structured config, 8.6 ms here with the installed
Optuna, joblib and submitit plugins. `train.py --help` builds 102 of those repositories (0.9 s
of its 1.1 s); every compose builds two. Remove this module once Hydra releases the fix.
"""

import copy

from hydra._internal.sources_registry import SourcesRegistry
from hydra.core.plugins import Plugins
from hydra.plugins.config_source import ConfigSource


def _copy_sharing_store(source: ConfigSource, memo: dict) -> ConfigSource:
    """A deep copy that keeps the one ConfigStore (its other fields are strings). Instances
    still hold the store, so they pickle as before: joblib's workers unpickle them without
    this patch."""
    return copy.copy(source)


def use_live_config_store() -> None:
    """Patch the class Hydra actually uses: its plugin scan (done once per process, and here
    first) re-executes the source modules, so the class imported before the scan is stale."""
    Plugins.instance()
    source_class = SourcesRegistry.instance().resolve("structured")
    source_class.__deepcopy__ = _copy_sharing_store
