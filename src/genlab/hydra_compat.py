"""Backport of an upstream Hydra fix that is not in a hydra-core release yet.

facebookresearch/hydra#2928 (merged 2024-08): the structured-config source looks the ConfigStore
singleton up on each use instead of holding it. Hydra 1.3.x deep-copies its config repository
every time it builds a `CachingConfigRepository`, and while the source holds the store, each copy
also copies every registered structured config: 8.6 ms here with the installed Optuna, joblib
and submitit plugins. `train.py --help` builds 102 of those repositories (0.9 s of its 1.1 s);
every compose builds two. Remove this module once Hydra releases the fix.
"""

from hydra._internal.sources_registry import SourcesRegistry
from hydra.core.config_store import ConfigStore
from hydra.core.plugins import Plugins
from hydra.plugins.config_source import ConfigSource


def _live_store(_source: ConfigSource) -> ConfigStore:
    return ConfigStore.instance()


def _keep_nothing(_source: ConfigSource, _store: ConfigStore) -> None:
    """`StructuredConfigSource.__init__` assigns the singleton; the property reads it live."""


def use_live_config_store() -> None:
    """Patch the class Hydra actually uses: its plugin scan (done once per process, and here
    first) re-executes the source modules, so the class imported before the scan is stale."""
    Plugins.instance()
    source_class = SourcesRegistry.instance().resolve("structured")
    if not isinstance(source_class.__dict__.get("store"), property):
        source_class.store = property(_live_store, _keep_nothing)
