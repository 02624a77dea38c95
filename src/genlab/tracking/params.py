"""The params every run logs to MLflow: the hyperparameters a researcher compares, one fixed
list for every model, dataset and callback set.

MLflow's compare view lines runs up by param key, so every run must log the same keys: a key a
run's config lacks (a GAN's `model/beta`, a VAE's discriminator) is logged as "n/a". Paths,
class names and other plumbing stay out of the params; the whole resolved config is logged
beside them as `config/config.yaml`.

The model keys are derived, not listed: every knob of every model config in `conf/model/` as
Hydra composes it (the typed schemas hold them), so a new option is compared as soon as its
schema field exists. The rest is the short list of run-level settings below.
"""

from functools import lru_cache
from typing import Any

from omegaconf import DictConfig, OmegaConf

MISSING = "n/a"

# A model config's leaves that are plumbing or follow from the data config, not knobs.
NOT_COMPARED = {"_target_", "_recursive_", "_convert_", "channels", "image_size", "image_shape"}

RUN_PARAMS: tuple[str, ...] = (
    "data/name",
    "data/image_size",
    "data/channels",
    "data/batch_size",
    "trainer/max_epochs",
    "trainer/max_steps",
    "trainer/precision",
    "trainer/accelerator",
    "trainer/devices",
    "trainer/num_nodes",
    "trainer/strategy",
    "trainer/accumulate_grad_batches",
    "trainer/gradient_clip_val",
    "callbacks/ema/enabled",
    "callbacks/ema/decay",
    "callbacks/ema/update_every_n_steps",
    "callbacks/ema/update_starting_at_step",
    "callbacks/fid_monitor/num_samples",
    "callbacks/channels_last/enabled",
    "callbacks/compile_networks/enabled",
    "callbacks/model_checkpoint/monitor",
    "seed",
    "eval/features",
    "eval/num_samples",
)


def model_names() -> list[str]:
    """The model group's options: the configs in conf/model/."""
    from genlab.utils.configs import config_dir

    return sorted(path.stem for path in (config_dir() / "model").glob("*.yaml"))


def composed_model(model: str) -> DictConfig:
    """`model=<model>`'s node of the train config as Hydra composes it, also from inside a
    running Hydra app (whose config loader composes other overrides of the same configs)."""
    from hydra.core.global_hydra import GlobalHydra
    from hydra.types import RunMode

    from genlab.utils.configs import compose

    hydra = GlobalHydra.instance()
    if not hydra.is_initialized():
        return compose("train", [f"model={model}"]).model
    loader = hydra.config_loader()
    return loader.load_configuration("train", [f"model={model}"], RunMode.RUN).model


def knobs(node: Any, prefix: str) -> list[str]:
    """The leaves of a config node, as `prefix/key/...`, less the plumbing."""
    if not isinstance(node, dict):
        return [prefix]
    return [
        leaf
        for key, value in node.items()
        if key not in NOT_COMPARED
        for leaf in knobs(value, f"{prefix}/{key}")
    ]


@lru_cache(maxsize=1)
def compared_keys() -> tuple[str, ...]:
    """Every model's knobs (in model order, each once), then the run-level settings."""
    keys: dict[str, None] = {}
    for model in model_names():
        node = OmegaConf.to_container(composed_model(model), resolve=False)
        keys |= dict.fromkeys(knobs(node, "model"))
    return (*keys, *RUN_PARAMS)


def compared_params(cfg: DictConfig) -> dict[str, Any]:
    """`compared_keys()` read from the resolved config; "n/a" where the config has no value."""
    params = {}
    for key in compared_keys():
        value = OmegaConf.select(cfg, key.replace("/", "."), default=None)
        if OmegaConf.is_config(value):
            # As text: Lightning's MLFlowLogger drops empty lists (DiffAugment's policy [])
            value = str(OmegaConf.to_container(value, resolve=True))
        params[key] = MISSING if value is None else value
    return params
