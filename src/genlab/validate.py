"""Check the values a run depends on before anything is built, so a typo such as
`trainer.max_epochs=abc` or `data.batch_size=-4` gets one line naming the key and what is valid,
instead of a traceback from deep inside Lightning or PyTorch minutes later.

`check_config` serves every entry script: a rule whose key a config lacks is skipped. The
command line runs it on the composed config before Hydra starts the job (genlab.cli), so a bad
value leaves no run folder, no MLflow run and no file behind.
"""

import math
from collections.abc import Callable
from typing import Any

from omegaconf import DictConfig, OmegaConf

from genlab.errors import GenlabError
from genlab.models.choices import AUGMENTATIONS, CONDITIONINGS, LOSSES, PRIORS
from genlab.tracking.store import check_store

# Lightning 2.6's Trainer arguments and precision names (tests/test_validate.py checks them
# against the installed Lightning, so an upgrade that changes them fails there, not here).
TRAINER_ARGUMENTS = frozenset(
    (
        "accelerator",
        "accumulate_grad_batches",
        "barebones",
        "benchmark",
        "callbacks",
        "check_val_every_n_epoch",
        "default_root_dir",
        "detect_anomaly",
        "deterministic",
        "devices",
        "enable_autolog_hparams",
        "enable_checkpointing",
        "enable_model_summary",
        "enable_progress_bar",
        "fast_dev_run",
        "gradient_clip_algorithm",
        "gradient_clip_val",
        "inference_mode",
        "limit_predict_batches",
        "limit_test_batches",
        "limit_train_batches",
        "limit_val_batches",
        "log_every_n_steps",
        "logger",
        "max_epochs",
        "max_steps",
        "max_time",
        "min_epochs",
        "min_steps",
        "model_registry",
        "num_nodes",
        "num_sanity_val_steps",
        "overfit_batches",
        "plugins",
        "precision",
        "profiler",
        "reload_dataloaders_every_n_epochs",
        "strategy",
        "sync_batchnorm",
        "use_distributed_sampler",
        "val_check_interval",
    )
)
PRECISIONS = (
    "32-true",
    "16-mixed",
    "bf16-mixed",
    "16-true",
    "bf16-true",
    "64-true",
    "transformer-engine",
    "transformer-engine-float16",
    "32",
    "16",
    "bf16",
    "64",
    32,
    16,
    64,
)
ACCELERATORS = ("cpu", "gpu", "cuda", "mps", "tpu", "auto")


def _integer(minimum: int) -> Callable[[Any], bool]:
    return lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= minimum


def _finite_positive(value: Any) -> bool:
    number = isinstance(value, int | float) and not isinstance(value, bool)
    return number and math.isfinite(value) and value > 0


def _one_of(choices: tuple) -> Callable[[Any], bool]:
    return lambda v: v in choices


def _devices(value: Any) -> bool:
    if value == "auto" or value == -1:
        return True
    if isinstance(value, list):
        return bool(value) and all(_integer(0)(v) for v in value)
    return _integer(1)(value)


def _policy(value: Any) -> bool:
    return isinstance(value, list) and all(v in AUGMENTATIONS for v in value)


def _labels(value: Any) -> bool:
    values = value if isinstance(value, list) else [value]
    return value is None or (bool(values) and all(_integer(0)(v) for v in values))


# (key, check, what is valid). Keys missing from a config are skipped.
RULES: list[tuple[str, Callable[[Any], bool], str]] = [
    ("trainer.max_epochs", _integer(-1), "an integer >= -1 (-1: no limit)"),
    ("trainer.devices", _devices, "an integer >= 1, -1 (all), 'auto' or a list of device ids"),
    ("trainer.num_nodes", _integer(1), "an integer >= 1"),
    ("trainer.precision", _one_of(PRECISIONS), "one of " + ", ".join(map(str, PRECISIONS[:6]))),
    ("trainer.accelerator", _one_of(ACCELERATORS), "one of " + ", ".join(ACCELERATORS)),
    ("data.batch_size", _integer(1), "an integer >= 1"),
    ("data.num_workers", _integer(0), "an integer >= 0"),
    ("data.image_size", _integer(8), "an integer >= 8 (pixels)"),
    ("data.channels", lambda v: v in (1, 3), "1 (grayscale) or 3 (RGB)"),
    ("model.latent_dim", _integer(1), "an integer >= 1"),
    ("model.lr", _finite_positive, "a finite number > 0"),
    ("model.lr_d", lambda v: v is None or _finite_positive(v), "null (= model.lr) or a number > 0"),
    ("model.beta", lambda v: isinstance(v, int | float) and v >= 0, "a number >= 0"),
    ("model.loss", _one_of(LOSSES), "one of " + ", ".join(LOSSES)),
    ("model.prior", _one_of(PRIORS), "one of " + ", ".join(PRIORS)),
    ("model.prior_components", _integer(1), "an integer >= 1"),
    ("model.augment.policy", _policy, "a list of " + ", ".join(AUGMENTATIONS)),
    ("model.generator.conditioning", _one_of(CONDITIONINGS), "one of " + ", ".join(CONDITIONINGS)),
    ("callbacks.ema.decay", lambda v: isinstance(v, float | int) and 0 <= v <= 1, "in [0, 1]"),
    ("callbacks.ema.update_every_n_steps", _integer(1), "an integer >= 1"),
    ("seed", lambda v: v is None or _integer(0)(v), "an integer >= 0 or null"),
    ("eval.num_samples", _integer(2), "an integer >= 2"),
    ("eval.batch_size", _integer(1), "an integer >= 1"),
    ("eval.device", _one_of(("cpu", "cuda")), "cpu or cuda"),
    # pipelines/sample.py
    ("num_samples", _integer(1), "an integer >= 1"),
    ("nrow", _integer(1), "an integer >= 1"),
    ("interpolation.rows", _integer(1), "an integer >= 1"),
    ("interpolation.steps", _integer(2), "an integer >= 2"),
    ("reconstructions", _integer(0), "an integer >= 0"),
    ("per_class", lambda v: v is None or _integer(1)(v), "an integer >= 1 or null"),
    ("labels", _labels, "a class number or a list of them, e.g. labels=7 or labels=[0,3,7]"),
]


def check_config(cfg: DictConfig) -> None:
    """Raise GenlabError for the first value that breaks a rule."""
    for key, is_valid, valid in RULES:
        value = OmegaConf.select(cfg, key, default="__absent__")
        if OmegaConf.is_config(value):
            value = OmegaConf.to_container(value, resolve=True)
        if value == "__absent__":
            continue
        if not is_valid(value):
            raise GenlabError(f"{key} must be {valid}, got {value!r}")
    _check_missing(cfg)
    _check_ema(cfg)
    _check_trainer(cfg)
    _check_validation_reached(cfg)
    _check_resolution(cfg)
    _check_tracking(cfg)


def _check_missing(cfg: DictConfig) -> None:
    """Mandatory values (`???`) the user has to give, e.g. data.source.root."""
    for section in ("data", "model"):
        node = cfg.get(section)
        if isinstance(node, DictConfig):
            missing = sorted(OmegaConf.missing_keys(node))
            if missing:
                raise GenlabError(
                    f"set {', '.join(missing)} on the command line, "
                    "e.g. data.source.root=/path/to/images"
                )


def _check_ema(cfg: DictConfig) -> None:
    every = OmegaConf.select(cfg, "callbacks.ema.update_every_n_steps")
    enabled = OmegaConf.select(cfg, "callbacks.ema.enabled")
    target = str(OmegaConf.select(cfg, "model._target_", default=""))
    if enabled and isinstance(every, int) and every % 2 == 0 and target.endswith("GANModule"):
        raise GenlabError(
            f"callbacks.ema.update_every_n_steps={every} would never update a GAN's average: "
            "a GAN batch makes 2 optimizer steps and Lightning counts them; use an odd number"
        )


def _check_validation_reached(cfg: DictConfig) -> None:
    """A run shorter than its validation interval never validates, so a checkpoint kept by a
    `val/` metric would never be written and evaluation would find nothing."""
    monitor = OmegaConf.select(cfg, "callbacks.model_checkpoint.monitor", default=None)
    epochs = OmegaConf.select(cfg, "trainer.max_epochs", default=None)
    every = OmegaConf.select(cfg, "trainer.check_val_every_n_epoch", default=None)
    if (
        isinstance(monitor, str)
        and monitor.startswith("val/")
        and isinstance(epochs, int)
        and isinstance(every, int)
        and 0 < epochs < every
    ):
        raise GenlabError(
            f"trainer.max_epochs={epochs} ends before the first validation "
            f"(trainer.check_val_every_n_epoch={every}), so no checkpoint would be kept by "
            f"{monitor}; add trainer.check_val_every_n_epoch=1"
        )


def _check_trainer(cfg: DictConfig) -> None:
    trainer = cfg.get("trainer")
    if not isinstance(trainer, DictConfig):
        return
    unknown = sorted(k for k in trainer if k != "_target_" and k not in TRAINER_ARGUMENTS)
    if unknown:
        raise GenlabError(
            f"trainer.{unknown[0]} is not an argument of Lightning's Trainer; "
            "see `python pipelines/train.py --cfg job` for the trainer keys genlab sets"
        )
    if trainer.get("accelerator") in ("gpu", "cuda"):
        import torch  # only here: two seconds, and only when a GPU is asked for

        if not torch.cuda.is_available():
            raise GenlabError(
                f"trainer.accelerator={trainer.accelerator} asks for a GPU, but PyTorch sees "
                "no CUDA GPU on this machine; use trainer=cpu"
            )


def _check_resolution(cfg: DictConfig) -> None:
    """Convolutional networks reach only some image sizes (28, 32, 64, ...)."""
    from genlab.models.components.resolution import plan_resolution

    size = OmegaConf.select(cfg, "data.image_size")
    for network in ("generator", "discriminator", "encoder", "decoder"):
        node = OmegaConf.select(cfg, f"model.{network}")
        if isinstance(node, DictConfig) and "image_size" in node and isinstance(size, int):
            plan_resolution(size, str(cfg.model.get("name", "model")))


def _check_tracking(cfg: DictConfig) -> None:
    """The MLflow store the script will open: train.py's logger, or evaluate/sample/report
    when they are given a run."""
    uri = OmegaConf.select(cfg, "logger.mlflow.tracking_uri", default=None)
    resume = OmegaConf.select(cfg, "resume", default=None)
    if resume is not None and uri is None:
        raise GenlabError(
            f"resume={resume} continues an MLflow run, but logger has no MLflow logger "
            "(logger=none?); resume with logger=mlflow"
        )
    if uri is None and any(
        OmegaConf.select(cfg, key, default=None) is not None
        for key in ("run_id", "sweep", "experiment_name")
        if "tracking_uri" in cfg
    ):
        uri = cfg.tracking_uri
    if uri is not None:
        check_store(str(uri))
