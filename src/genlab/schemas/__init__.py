"""Typed schemas of genlab's config groups, registered in Hydra's ConfigStore under `schema/`.

Each group's YAML files start from their schema (`defaults: [/schema/<name>@_here_, _self_]`),
so Hydra checks every value's type when it composes the config: `trainer.max_epochs=abc` or
`data.batch_size=1.5` is refused before any job starts, and a key a schema lacks is refused
unless added with `+`. What a value must be beyond its type (a positive learning rate, a batch
of at least one image) is checked by the object that takes it (the datamodule, the module, the
callback), when the entry script builds it and before anything is written.

Light on purpose: dataclasses only, so `--help` stays fast.
"""

from hydra.core.config_store import ConfigStore

from genlab.schemas.callbacks import CALLBACKS
from genlab.schemas.data import DataConf
from genlab.schemas.eval import EvalConf
from genlab.schemas.models import MODELS
from genlab.schemas.scripts import SCRIPTS
from genlab.schemas.trainer import TrainerConf


def register() -> None:
    """Store every schema (again, harmlessly, on every call)."""
    store = ConfigStore.instance()
    store.store(group="schema", name="trainer", node=TrainerConf)
    store.store(group="schema", name="data", node=DataConf)
    store.store(group="schema", name="eval", node=EvalConf)
    for group, nodes in (("schema/model", MODELS), ("schema/callbacks", CALLBACKS)):
        for name, node in nodes.items():
            store.store(group=group, name=name, node=node)
    for name, node in SCRIPTS.items():
        store.store(group="schema/script", name=name, node=node)
