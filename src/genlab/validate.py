"""Check the values a run depends on before anything is built, so a typo such as
`trainer.max_epochs=abc` or `data.batch_size=-4` gets one line naming the key and what is valid,
instead of a traceback from deep inside Lightning or PyTorch minutes later."""

from collections.abc import Callable
from typing import Any

from omegaconf import DictConfig, OmegaConf

from genlab.errors import GenlabError
from genlab.tracking.store import check_reachable


def _integer(minimum: int) -> Callable[[Any], bool]:
    return lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= minimum


def _positive_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value > 0


# (key, check, what is valid). Keys missing from a config are skipped.
RULES: list[tuple[str, Callable[[Any], bool], str]] = [
    ("trainer.max_epochs", _integer(-1), "an integer >= -1 (-1: no limit)"),
    ("data.batch_size", _integer(1), "an integer >= 1"),
    ("data.num_workers", _integer(0), "an integer >= 0"),
    ("data.image_size", _integer(8), "an integer >= 8 (pixels)"),
    ("data.channels", lambda v: v in (1, 3), "1 (grayscale) or 3 (RGB)"),
    ("model.latent_dim", _integer(1), "an integer >= 1"),
    ("model.lr", _positive_number, "a number > 0"),
    ("model.beta", lambda v: isinstance(v, int | float) and v >= 0, "a number >= 0"),
    ("seed", lambda v: v is None or _integer(0)(v), "an integer >= 0 or null"),
    ("eval.num_samples", _integer(2), "an integer >= 2"),
]


def check_config(cfg: DictConfig) -> None:
    """Raise GenlabError for the first value that breaks a rule."""
    for key, is_valid, valid in RULES:
        value = OmegaConf.select(cfg, key, default="__absent__")
        if value == "__absent__":
            continue
        if not is_valid(value):
            raise GenlabError(f"{key} must be {valid}, got {value!r}")
    _check_kid_subset(cfg)
    tracking_uri = OmegaConf.select(cfg, "logger.mlflow.tracking_uri")
    if isinstance(tracking_uri, str):
        check_reachable(tracking_uri)


def _check_kid_subset(cfg: DictConfig) -> None:
    num = OmegaConf.select(cfg, "eval.num_samples")
    subset = OmegaConf.select(cfg, "eval.kid_subset_size")
    if isinstance(num, int) and isinstance(subset, int) and subset > num:
        raise GenlabError(
            f"eval.kid_subset_size={subset} is larger than eval.num_samples={num}; "
            "KID needs subset_size <= num_samples"
        )
