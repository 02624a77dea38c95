"""The MLflow params: one fixed list of compared hyperparameters for every run, derived from every
model config as Hydra composes it, with no paths or class names."""

import pytest
from omegaconf import OmegaConf

from genlab.tracking.params import MISSING, compared_keys, compared_params

from compose import CONF_DIR, compose_config

# Derived from the data config or plumbing, not hyperparameters of their own.
NOT_COMPARED = {"_target_", "_recursive_", "_convert_", "channels", "image_size", "image_shape"}


def leaves(node, prefix: str = "") -> list[str]:
    if isinstance(node, dict):
        return [k for key, v in node.items() for k in leaves(v, f"{prefix}/{key}".lstrip("/"))]
    return [prefix]


@pytest.mark.parametrize("model", sorted(p.stem for p in (CONF_DIR / "model").glob("*.yaml")))
def test_every_model_knob_is_a_compared_param(model: str) -> None:
    cfg = compose_config("train", [f"model={model}"])
    model_cfg = OmegaConf.to_container(cfg.model, resolve=False)
    knobs = [f"model/{key}" for key in leaves(model_cfg) if key.split("/")[-1] not in NOT_COMPARED]
    missing = sorted(set(knobs) - set(compared_keys()))
    assert not missing, missing


def test_the_knobs_of_every_family_are_derived_and_the_plumbing_left_out() -> None:
    keys = compared_keys()
    for knob in ("model/r2_gamma", "model/beta", "model/velocity/width", "model/generator/blocks"):
        assert knob in keys
    assert len(keys) == len(set(keys))
    model_keys = [key for key in keys if key.startswith("model/")]
    assert not [key for key in model_keys if key.split("/")[-1] in NOT_COMPARED]
    assert keys[-3:] == ("seed", "eval/features", "eval/num_samples")


@pytest.mark.parametrize(
    "overrides",
    [["model=gan"], ["model=vae", "data=cifar10"], ["callbacks=none", "data=image_folder"]],
)
def test_runs_of_any_sweep_log_the_same_keys_without_paths(overrides: list[str]) -> None:
    cfg = compose_config("train", [*overrides, "paths.output_dir=/tmp/x"])
    params = compared_params(cfg)
    assert list(params) == list(compared_keys())
    paths = [
        v
        for v in params.values()
        if "/" in str(v) and v != MISSING and not str(v).startswith("val/")
    ]
    assert not paths
    assert not any(str(v).startswith(("genlab.", "pytorch_lightning.")) for v in params.values())


def test_a_knob_a_model_lacks_is_logged_as_missing() -> None:
    gan = compared_params(compose_config("train", ["model=gan"]))
    vae_config = compose_config("train", ["model=vae"])
    vae = compared_params(vae_config)
    assert gan["model/beta"] == MISSING and vae["model/beta"] == vae_config.model.beta
    assert vae["model/discriminator/spectral_norm"] == MISSING
    assert gan["model/discriminator/spectral_norm"] is False
