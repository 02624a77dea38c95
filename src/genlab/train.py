"""`train(cfg)`: instantiate what the config names, wire it together, fit. Nothing else."""

import os
import shlex
from typing import Any

import pytorch_lightning as pl
from hydra.utils import instantiate
from omegaconf import DictConfig
from pytorch_lightning.callbacks import WeightAveraging
from pytorch_lightning.loggers import Logger
from pytorch_lightning.utilities import rank_zero_only

from genlab.callbacks.interrupt import InterruptCheckpoint
from genlab.callbacks.sample_grid import SampleGridCallback
from genlab.callbacks.which_checkpoint import model_checkpoint
from genlab.checkpoints import check_fits, load_module
from genlab.errors import GenlabError
from genlab.handoff import TrainResult
from genlab.tracking.checkpoints import resume_checkpoint
from genlab.tracking.fluent import tracking_uri_kept
from genlab.tracking.logger import RunLogger, is_run_logger, open_run, run_loggers
from genlab.tracking.naming import run_name, run_tags
from genlab.tracking.record import log_config, log_model, mark_killed
from genlab.tracking.ref import RunRef


def instantiate_callbacks(cfg: DictConfig | None) -> list[pl.Callback]:
    """The configured callbacks, weight averaging last: Lightning calls callbacks in list
    order, and the averaged weights must still be swapped in while the FID monitor and the
    sample grid sample at the end of validation."""
    callbacks = [instantiate(node) for node in (cfg or {}).values() if node is not None]
    return sorted(callbacks, key=lambda callback: isinstance(callback, WeightAveraging))


def data_arguments(cfg: DictConfig, datamodule: Any) -> dict[str, Any]:
    """What a model needs from the prepared data: a conditional one the class count and the
    training split's class frequencies (it draws labels from them when none are asked); a
    self-conditioned one the training split's size (spectral clusters keep every image's)."""
    meta = datamodule.meta
    if cfg.model.get("conditional"):
        counts = meta["class_counts"]["train"]
        return {
            "num_classes": len(meta["classes"]),
            "class_counts": [int(counts[name]) for name in meta["classes"]],
        }
    if (cfg.model.get("self_conditioning") or {}).get("clusters"):
        return {"train_images": len(datamodule.train_set)}
    return {}


def run_logger_node(cfg: DictConfig) -> DictConfig | None:
    """The logger config that opens the MLflow run (a RunLogger), if any."""
    nodes = [n for n in (cfg.get("logger") or {}).values() if n is not None and is_run_logger(n)]
    return nodes[0] if nodes else None


def instantiate_loggers(cfg: DictConfig) -> list[Logger]:
    """Loggers from `cfg.logger`; the MLflow run is opened (or reopened) by genlab.tracking."""
    loggers: list[Logger] = []
    for node in (cfg.get("logger") or {}).values():
        if node is None:
            continue
        if is_run_logger(node):
            rank_zero = rank_zero_only.rank == 0
            loggers.append(
                open_run(node, run_name(cfg), run_tags(cfg), cfg.get("resume"), rank_zero)
            )
        else:
            loggers.append(instantiate(node))
    return loggers


def ddp_strategy(strategy: str, model: pl.LightningModule) -> str:
    """`ddp` (or `ddp_spawn`) with the unused-parameter search a model's steps need: a GAN's
    discriminator step never touches the generator, and DDP fails on such parameters unless
    it looks for them (slower, so only where needed)."""
    needs_search = getattr(model, "ddp_find_unused_parameters", False)
    if needs_search and strategy in ("ddp", "ddp_spawn"):
        return f"{strategy}_find_unused_parameters_true"
    return strategy


def train(cfg: DictConfig) -> TrainResult:
    """Fit the configured model; return where the results are. The config is taken as
    checked (genlab.validate.check_config; the command line does it). MLflow's process-wide
    tracking URI is left as it was (genlab.tracking.fluent)."""
    with tracking_uri_kept():
        return _train(cfg)


def _train(cfg: DictConfig) -> TrainResult:
    if cfg.get("seed") is not None:
        pl.seed_everything(cfg.seed, workers=True)

    datamodule = instantiate(cfg.data)
    # Before any run is opened: a dataset that cannot be had fails here, leaving no empty run.
    # DDP ranks that Lightning starts re-run this script: only each node's first process writes.
    if int(os.environ.get("LOCAL_RANK", 0)) == 0:
        datamodule.prepare_data()
    datamodule.setup("fit")  # the prepared data fits the config (size, batch): before any run
    model = instantiate(cfg.model, **data_arguments(cfg, datamodule))
    ckpt_path = cfg.get("ckpt_path")
    if cfg.get("resume"):
        node = run_logger_node(cfg)
        if node is None:
            raise GenlabError(f"resume={cfg.resume} needs the MLflow logger (logger=mlflow)")
        ckpt_path = str(resume_checkpoint(RunRef(node.tracking_uri, str(cfg.resume))))
    if ckpt_path:
        check_fits(ckpt_path, model)
    callbacks = instantiate_callbacks(cfg.get("callbacks"))
    loggers = instantiate_loggers(cfg)
    trainer: pl.Trainer = instantiate(
        cfg.trainer,
        callbacks=callbacks,
        logger=loggers or False,
        strategy=ddp_strategy(cfg.trainer.strategy, model),
    )

    if not cfg.get("resume") and trainer.is_global_zero:  # a resumed run keeps its params
        for logger in run_loggers(loggers):
            log_config(logger, cfg)
    try:
        trainer.fit(model, datamodule=datamodule, ckpt_path=ckpt_path)
    except SystemExit as stop:  # Ctrl-C (Lightning turns it into exit 1) or SIGTERM
        raise interrupted(trainer, loggers) from stop

    kept = model_checkpoint(trainer)
    if trainer.is_global_zero:
        # The model that evaluation scores: the checkpoint kept by val/fid (or the last one),
        # not the module as fit left it.
        logged = load_module(kept) if kept else model
        for logger in run_loggers(loggers):
            log_model(logger, logged, kept)

    grids = [cb.last_grid for cb in callbacks if isinstance(cb, SampleGridCallback)]
    runs = run_loggers(loggers)
    return TrainResult(
        checkpoint=str(kept) if kept else None,
        sample_grid=str(grids[0]) if grids and grids[0] else None,
        run=runs[0].ref if runs else None,
        metrics={k: float(v) for k, v in trainer.callback_metrics.items()},
        monitor=trainer.checkpoint_callback.monitor if trainer.checkpoint_callback else None,
        is_global_zero=trainer.is_global_zero,
    )


def interrupted(trainer: pl.Trainer, loggers: list[Logger]) -> GenlabError:
    """Mark the MLflow run KILLED and say how to continue it: the same command, plus
    `resume=<run id>`."""
    runs: list[RunLogger] = run_loggers(loggers) if trainer.is_global_zero else []
    for logger in runs:
        mark_killed(logger)
    saved = [cb.ckpt_path for cb in trainer.callbacks if isinstance(cb, InterruptCheckpoint)]
    where = f"saved {saved[0]}" if saved and saved[0].is_file() else "no checkpoint saved"
    how = f"; continue with: {resume_command(runs[0].run_id)}" if runs else ""
    return GenlabError(
        f"training interrupted at step {trainer.global_step} (epoch {trainer.current_epoch}); "
        f"{where}{how}"
    )


def resume_command(run_id: str) -> str:
    """The command line that was run, with its overrides, and `resume=<run id>`."""
    from hydra.core.hydra_config import HydraConfig

    overrides = []
    if HydraConfig.initialized():
        overrides = [o for o in HydraConfig.get().overrides.task if not o.startswith("resume=")]
    return shlex.join(["python", "pipelines/train.py", *overrides, f"resume={run_id}"])
