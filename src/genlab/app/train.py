"""`train(cfg)`: instantiate what the config names, wire it together, fit. Nothing else."""

import os
import shlex
from typing import Any

import pytorch_lightning as pl
from hydra.utils import instantiate
from omegaconf import DictConfig, OmegaConf
from pytorch_lightning.callbacks import WeightAveraging
from pytorch_lightning.loggers import Logger
from pytorch_lightning.utilities import rank_zero_only

from genlab.app.handoff import TrainResult
from genlab.app.sweep_resume import finished_job, resume_sweep_command, this_job
from genlab.callbacks.interrupt import InterruptCheckpoint
from genlab.callbacks.model_checks import ChecksModel
from genlab.callbacks.sample_grid import SampleGridCallback
from genlab.callbacks.which_checkpoint import (
    model_checkpoint,
    recorded_resume_checkpoint,
    require_validation_before_the_end,
)
from genlab.models.checkpoints import check_fits, load_module
from genlab.tracking.fluent import tracking_uri_kept
from genlab.tracking.logger import RunLogger, is_run_logger, open_run, run_loggers
from genlab.tracking.naming import run_name, run_tags
from genlab.tracking.record import log_config, log_model, mark_killed
from genlab.tracking.ref import RunRef
from genlab.tracking.store import check_store
from genlab.utils import checks
from genlab.utils.errors import GenlabError, first_line


def instantiate_callbacks(cfg: DictConfig | None) -> list[pl.Callback]:
    """The configured callbacks, weight averaging last: Lightning calls callbacks in list
    order, and the averaged weights must still be swapped in while the FID monitor and the
    sample grid sample at the end of validation. A node that says `enabled: false` is built,
    so its values are checked all the same, and then left out (the flag lets an experiment or
    the command line turn it on). Built in a forked RNG (the FID monitor builds its evaluator
    network): which callbacks a run has never changes what it trains."""
    import torch

    nodes = [OmegaConf.to_container(n, resolve=True) for n in (cfg or {}).values() if n is not None]
    with torch.random.fork_rng(devices=[]):
        built = [
            (
                node.get("enabled", True),
                instantiate({k: v for k, v in node.items() if k != "enabled"}),
            )
            for node in nodes
        ]
    callbacks = [callback for enabled, callback in built if enabled]
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


def instantiate_loggers(
    cfg: DictConfig, resume: str | None = None, sweep: str | None = None
) -> list[Logger]:
    """Loggers from `cfg.logger`; the MLflow run is opened (or run `resume` reopened) by
    genlab.tracking; `sweep` is the tag of the sweep a resumed sweep continues."""
    loggers: list[Logger] = []
    for node in (cfg.get("logger") or {}).values():
        if node is None:
            continue
        if is_run_logger(node):
            rank_zero = rank_zero_only.rank == 0
            loggers.append(open_run(node, run_name(cfg), run_tags(cfg, sweep), resume, rank_zero))
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
    """Fit the configured model; return where the results are. Everything the config names is
    built, and so checked, before the MLflow run is opened. MLflow's process-wide tracking URI
    is left as it was (genlab.tracking.fluent)."""
    with tracking_uri_kept():
        return _train(cfg)


def build_trainer(
    cfg: DictConfig, callbacks: list[pl.Callback], model: pl.LightningModule
) -> pl.Trainer:
    """Lightning's Trainer from `cfg.trainer`, its loggers attached later (opening the MLflow
    run is the last thing done before fitting). What the Trainer refuses is one line."""
    import inspect

    import torch
    from hydra.errors import InstantiationException

    accepted = inspect.signature(pl.Trainer.__init__).parameters
    unknown = sorted(k for k in cfg.trainer if k != "_target_" and k not in accepted)
    if unknown:
        raise GenlabError(
            f"trainer.{unknown[0]} is not an argument of Lightning's Trainer; "
            "see `python pipelines/train.py --cfg job` for the trainer keys genlab sets"
        )
    accelerator = cfg.trainer.get("accelerator")
    if accelerator in ("gpu", "cuda") and not torch.cuda.is_available():
        raise GenlabError(
            f"trainer.accelerator={accelerator} asks for a GPU, but PyTorch sees no CUDA GPU on "
            "this machine; use trainer=cpu"
        )
    try:
        trainer: pl.Trainer = instantiate(
            cfg.trainer,
            callbacks=callbacks,
            logger=False,
            strategy=ddp_strategy(cfg.trainer.strategy, model),
        )
    except InstantiationException as err:
        raise GenlabError(f"trainer: {first_line(err.__cause__ or err)}") from err
    require_validation_before_the_end(trainer)
    return trainer


def probe_model(cfg: DictConfig) -> pl.LightningModule:
    """The model built once before any data is prepared, in a forked RNG (so the real model's
    initial weights are unchanged): its constructors check every option, and the callbacks and
    the trainer can be checked against it. A conditional model is probed with two classes; the
    data's own class count is checked when the model is built for real."""
    import torch

    labels = {"num_classes": 2} if cfg.model.get("conditional") else {}
    with torch.random.fork_rng(devices=[]):
        return instantiate(cfg.model, **labels)


def _train(cfg: DictConfig) -> TrainResult:
    # Everything a bad value can stop is built before anything is written: the datamodule (no
    # data prepared yet), a first build of the model, the callbacks, the trainer, the store.
    if cfg.get("seed") is not None:
        checks.at_least("seed", cfg.seed, 0)
        pl.seed_everything(cfg.seed, workers=True)
    datamodule = instantiate(cfg.data)
    probe = probe_model(cfg)
    callbacks = instantiate_callbacks(cfg.get("callbacks"))
    for callback in callbacks:
        if isinstance(callback, ChecksModel):
            callback.check_model(probe)
    trainer = build_trainer(cfg, callbacks, probe)
    node = run_logger_node(cfg)
    if cfg.get("resume") and node is None:
        raise GenlabError(f"resume={cfg.resume} needs the MLflow logger (logger=mlflow)")
    if node is not None:
        check_store(node.tracking_uri)
    resume, sweep = cfg.get("resume"), None
    if cfg.get("resume_sweep"):
        job = this_job(cfg, node)
        if job.finished:
            return finished_job(cfg, RunRef(node.tracking_uri, str(job.run_id)))
        resume, sweep = job.run_id, job.sweep

    # DDP ranks that Lightning starts re-run this script: only each node's first process writes.
    if int(os.environ.get("LOCAL_RANK", 0)) == 0:
        datamodule.prepare_data()
    datamodule.setup("fit")  # the prepared data fits the config (size, batch): before any run
    model = instantiate(cfg.model, **data_arguments(cfg, datamodule))
    ckpt_path = cfg.get("ckpt_path")
    if resume:
        # A sweep job killed before its first checkpoint starts over, in its own run.
        ref = RunRef(node.tracking_uri, str(resume))
        newest = recorded_resume_checkpoint(ref, required=sweep is None)
        ckpt_path = str(newest) if newest else None
    if ckpt_path:
        check_fits(ckpt_path, model)
    loggers = instantiate_loggers(cfg, resume, sweep)
    trainer.loggers = loggers

    if not resume and trainer.is_global_zero:  # a resumed run keeps its params
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
    """The command line that was run, with its overrides, and `resume=<run id>`; inside a
    sweep, the sweep's command with `resume_sweep=<its folder>`, which continues every job."""
    from hydra.core.hydra_config import HydraConfig

    sweep = resume_sweep_command()
    if sweep is not None:
        return sweep
    overrides = []
    if HydraConfig.initialized():
        overrides = [o for o in HydraConfig.get().overrides.task if not o.startswith("resume=")]
    return shlex.join(["python", "pipelines/train.py", *overrides, f"resume={run_id}"])
