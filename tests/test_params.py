"""The MLflow params: one fixed list of compared hyperparameters for every run, covering every
knob of the shipped model configs, and no paths or class names."""

import pytest
from omegaconf import OmegaConf

from genlab.tracking.params import COMPARED_PARAMS, MISSING, compared_params

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
    missing = sorted(set(knobs) - set(COMPARED_PARAMS))
    assert not missing, f"add to genlab.tracking.params.COMPARED_PARAMS: {missing}"


@pytest.mark.parametrize(
    "overrides",
    [["model=gan"], ["model=vae", "data=cifar10"], ["callbacks=none", "data=image_folder"]],
)
def test_runs_of_any_sweep_log_the_same_keys_without_paths(overrides: list[str]) -> None:
    cfg = compose_config("train", [*overrides, "paths.output_dir=/tmp/x"])
    params = compared_params(cfg)
    assert list(params) == list(COMPARED_PARAMS)
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


def test_every_compared_model_param_is_a_knob_of_some_model() -> None:
    """The other way round: a removed option leaves no key behind (COMPARED_PARAMS is the one
    copy of the knobs' names outside the schemas, so a test holds both directions)."""
    knobs = set()
    for model in sorted(p.stem for p in (CONF_DIR / "model").glob("*.yaml")):
        model_cfg = OmegaConf.to_container(compose_config("train", [f"model={model}"]).model)
        knobs |= {f"model/{key}" for key in leaves(model_cfg, "")}
    stale = sorted(k for k in COMPARED_PARAMS if k.startswith("model/") and k not in knobs)
    assert not stale, f"remove from genlab.tracking.params.COMPARED_PARAMS: {stale}"
