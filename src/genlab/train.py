"""`train(cfg)`: instantiate what the config names, wire it together, fit. Nothing else."""

import json
import os
from pathlib import Path
from typing import Any

import pytorch_lightning as pl
from hydra.utils import instantiate
from omegaconf import DictConfig
from pytorch_lightning.callbacks import WeightAveraging
from pytorch_lightning.loggers import Logger
from pytorch_lightning.utilities import rank_zero_only

from genlab.callbacks.interrupt import InterruptCheckpoint
from genlab.callbacks.sample_grid import SampleGridCallback
from genlab.checkpoints import check_fits, load_module
from genlab.errors import GenlabError
from genlab.tracking.mlflow_run import (
    log_config,
    log_sampling_model,
    mlflow_loggers,
    run_name,
    run_tags,
)
from genlab.tracking.resume import resume_checkpoint
from genlab.tracking.store import ensure_experiment, store_lock
from genlab.validate import check_config


def instantiate_callbacks(cfg: DictConfig | None) -> list[pl.Callback]:
    """The configured callbacks, weight averaging last: Lightning calls callbacks in list
    order, and the averaged weights must still be swapped in while the FID monitor and the
    sample grid sample at the end of validation."""
    callbacks = [instantiate(node) for node in (cfg or {}).values() if node is not None]
    return sorted(callbacks, key=lambda callback: isinstance(callback, WeightAveraging))


def class_arguments(cfg: DictConfig, datamodule: Any) -> dict[str, Any]:
    """What a conditional model needs from the prepared data: the class count and the
    training split's class frequencies (from which it draws labels when none are asked)."""
    if not cfg.model.get("conditional"):
        return {}
    meta = datamodule.meta
    counts = meta["class_counts"]["train"]
    return {
        "num_classes": len(meta["classes"]),
        "class_counts": [int(counts[name]) for name in meta["classes"]],
    }


def instantiate_loggers(cfg: DictConfig) -> list[Logger]:
    """Loggers from `cfg.logger`; MLflow ones get the run's name and tags."""
    loggers = []
    for node in (cfg.get("logger") or {}).values():
        if node is None:
            continue
        if not node.get("_target_", "").endswith("MLFlowLogger"):
            loggers.append(instantiate(node))
            continue
        with store_lock(node.tracking_uri):  # parallel jobs and ranks open the store one by one
            if rank_zero_only.rank == 0:  # only rank 0 ever writes to it
                ensure_experiment(node.tracking_uri, node.experiment_name, node.artifact_location)
            run = {"run_id": cfg.resume} if cfg.get("resume") else {}
            loggers.append(instantiate(node, run_name=run_name(cfg), tags=run_tags(cfg), **run))
    return loggers


def ddp_strategy(strategy: str, model: pl.LightningModule) -> str:
    """`ddp` (or `ddp_spawn`) with the unused-parameter search a model's steps need: a GAN's
    discriminator step never touches the generator, and DDP fails on such parameters unless
    it looks for them (slower, so only where needed)."""
    needs_search = getattr(model, "ddp_find_unused_parameters", False)
    if needs_search and strategy in ("ddp", "ddp_spawn"):
        return f"{strategy}_find_unused_parameters_true"
    return strategy


def train(cfg: DictConfig) -> dict[str, Any]:
    """Fit the configured model; return the final metrics and where the results are."""
    check_config(cfg)
    if cfg.get("seed") is not None:
        pl.seed_everything(cfg.seed, workers=True)

    datamodule = instantiate(cfg.data)
    # Before any run is opened: a dataset that cannot be had fails here, leaving no empty run.
    # DDP ranks that Lightning starts re-run this script: only each node's first process writes.
    if int(os.environ.get("LOCAL_RANK", 0)) == 0:
        datamodule.prepare_data()
    model = instantiate(cfg.model, **class_arguments(cfg, datamodule))
    ckpt_path = cfg.get("ckpt_path")
    if cfg.get("resume"):
        ckpt_path = str(resume_checkpoint(cfg.logger.mlflow.tracking_uri, cfg.resume))
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

    if not cfg.get("resume"):  # a resumed run keeps the params it was started with
        log_config(loggers, cfg)
    try:
        trainer.fit(model, datamodule=datamodule, ckpt_path=ckpt_path)
    except SystemExit as stop:  # Ctrl-C (Lightning turns it into exit 1) or SIGTERM
        raise interrupted(trainer, loggers) from stop

    kept = trainer.checkpoint_callback.best_model_path if trainer.checkpoint_callback else ""
    if trainer.is_global_zero:
        # The model that evaluation scores: the checkpoint kept by val/fid (or the last one),
        # not the module as fit left it.
        logged = load_module(kept) if kept else model
        for logger in mlflow_loggers(loggers):
            if kept:
                logger.experiment.log_artifact(logger.run_id, kept, "checkpoints")
            log_sampling_model(logger, logged, kept or None)

    grids = [cb.last_grid for cb in callbacks if isinstance(cb, SampleGridCallback)]
    metrics = {k: float(v) for k, v in trainer.callback_metrics.items()}
    monitor = trainer.checkpoint_callback.monitor if trainer.checkpoint_callback else None
    return {
        "metrics": metrics,
        "monitor": monitor,
        "monitored_value": metrics.get(monitor) if monitor else None,
        "checkpoint": kept or None,
        "sample_grid": str(grids[0]) if grids and grids[0] else None,
        "is_global_zero": trainer.is_global_zero,
        "mlflow": [
            (lg._tracking_uri, lg.experiment_id, lg.run_id) for lg in mlflow_loggers(loggers)
        ],
    }


def interrupted(trainer: pl.Trainer, loggers: list[Logger]) -> GenlabError:
    """Mark the MLflow run KILLED (Lightning marks it FAILED) and say how to continue it."""
    run_ids = []
    if trainer.is_global_zero:
        for logger in mlflow_loggers(loggers):
            logger.experiment.set_terminated(logger.run_id, "KILLED")
            run_ids.append(logger.run_id)
    saved = [cb.ckpt_path for cb in trainer.callbacks if isinstance(cb, InterruptCheckpoint)]
    where = f"saved {saved[0]}" if saved and saved[0].is_file() else "no checkpoint saved"
    how = f"; continue with: python pipelines/train.py resume={run_ids[0]}" if run_ids else ""
    return GenlabError(
        f"training interrupted at step {trainer.global_step} (epoch {trainer.current_epoch}); "
        f"{where}{how}"
    )


def write_result(result: dict[str, Any], path: str | Path) -> None:
    """A small JSON that hands the run on to later pipeline stages (evaluation, report)."""
    tracking_uri, _, run_id = result["mlflow"][0] if result["mlflow"] else (None, None, None)
    summary = {
        "checkpoint": result["checkpoint"],
        "sample_grid": result["sample_grid"],
        "mlflow_tracking_uri": tracking_uri,
        "mlflow_run_id": run_id,
        "metrics": result["metrics"],
    }
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(json.dumps(summary, indent=2) + "\n")
