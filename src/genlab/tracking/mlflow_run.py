"""Make every training run comparable in the MLflow UI.

Runs get a readable unique name (model-data-seed, plus the job number inside a Hydra sweep),
tags to filter on (model, data, seed, git commit, sweep), the resolved config as flattened
params and as a YAML artifact, and the trained module logged as an MLflow PyTorch model whose
`forward(z)` samples images.
"""

import subprocess
from pathlib import Path
from typing import Any

import torch
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, OmegaConf
from pytorch_lightning.loggers import Logger, MLFlowLogger

from genlab import __version__
from genlab.tracking.params import compared_params
from genlab.tracking.redact import redact
from genlab.tracking.resume import OUTPUT_DIR_TAG


def _hydra_job() -> tuple[str | None, str | None]:
    """(job number, sweep dir) inside a Hydra multirun; (None, None) otherwise."""
    if not HydraConfig.initialized():
        return None, None
    hydra_cfg = HydraConfig.get()
    if hydra_cfg.mode is None or hydra_cfg.mode.name != "MULTIRUN":
        return None, None
    return str(hydra_cfg.job.num), str(hydra_cfg.sweep.dir)


def git_commit(root: str | Path = Path(__file__).parent) -> str:
    """The commit of the genlab code that ran (not of the data or output folder)."""
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True
        )
    except OSError:
        return "unknown"
    return out.stdout.strip() or "unknown"


def run_name(cfg: DictConfig) -> str:
    name = f"{cfg.model.name}-{cfg.data.name}-seed{cfg.seed}"
    job_num, _ = _hydra_job()
    return f"{name}-job{job_num}" if job_num is not None else name


def run_tags(cfg: DictConfig) -> dict[str, str]:
    tags = {
        "model": str(cfg.model.name),
        "data": str(cfg.data.name),
        "seed": str(cfg.seed),
        "git_commit": git_commit(),
        "genlab_version": __version__,
        OUTPUT_DIR_TAG: str(Path(cfg.paths.output_dir).resolve()),
    }
    _, sweep_dir = _hydra_job()
    if sweep_dir is not None:
        tags["sweep"] = sweep_dir
    return tags


def loggable_config(cfg: DictConfig) -> dict[str, Any]:
    """The resolved config as plain data, credentials redacted."""
    return redact(OmegaConf.to_container(cfg, resolve=True, throw_on_missing=False))


def mlflow_loggers(loggers: list[Logger]) -> list[MLFlowLogger]:
    return [lg for lg in loggers if isinstance(lg, MLFlowLogger)]


def log_config(loggers: list[Logger], cfg: DictConfig) -> None:
    """Params for comparing runs, plus the exact YAML for re-running one."""
    for logger in mlflow_loggers(loggers):
        config = loggable_config(cfg)
        logger.log_hyperparams(compared_params(cfg))
        logger.experiment.log_text(logger.run_id, OmegaConf.to_yaml(config), "config/config.yaml")


LOGGED_EPOCH_TAG = "genlab.logged_model_epoch"
LOGGED_CHECKPOINT_TAG = "genlab.logged_model_checkpoint"


def log_sampling_model(
    logger: MLFlowLogger, module: torch.nn.Module, checkpoint: str | None = None
) -> None:
    """Log `module` as an MLflow PyTorch model, `forward(z, labels=None)` giving images, and
    tag the run with the checkpoint (and its epoch) it came from."""
    import mlflow

    mlflow.set_tracking_uri(logger._tracking_uri)
    module = module.to("cpu").eval()
    with mlflow.start_run(run_id=logger.run_id):
        mlflow.pytorch.log_model(
            module,
            name="model",
            serialization_format="pickle",  # pt2 export would freeze the batch size
            pip_requirements=[f"torch=={torch.__version__.split('+')[0]}", "genlab"],
        )
        if checkpoint is not None:
            epoch = torch.load(checkpoint, map_location="cpu", weights_only=True)["epoch"]
            mlflow.set_tags({LOGGED_EPOCH_TAG: str(epoch), LOGGED_CHECKPOINT_TAG: checkpoint})
