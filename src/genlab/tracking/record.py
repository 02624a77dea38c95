"""What genlab writes into a training run beyond Lightning's metrics: the params and config
that let runs be compared and re-run, the model (its checkpoint and an MLflow PyTorch model),
the evaluation scores, and the KILLED state of an interrupted run."""

from pathlib import Path

import torch
from omegaconf import DictConfig, OmegaConf

from genlab.tracking.checkpoints import record_kept_checkpoint
from genlab.tracking.fluent import fluent_store
from genlab.tracking.logger import RunLogger
from genlab.tracking.params import compared_params
from genlab.tracking.redact import redact
from genlab.tracking.ref import RunRef


def log_config(logger: RunLogger, cfg: DictConfig) -> None:
    """Params for comparing runs, plus the exact YAML (credentials redacted) to re-run one."""
    config = redact(OmegaConf.to_container(cfg, resolve=True, throw_on_missing=False))
    logger.log_hyperparams(compared_params(cfg))
    logger.experiment.log_text(logger.run_id, OmegaConf.to_yaml(config), "config/config.yaml")


def log_model(logger: RunLogger, module: torch.nn.Module, checkpoint: Path | None) -> None:
    """The model evaluation scores: its checkpoint as an artifact (`checkpoints/`), and the
    module as an MLflow PyTorch model whose `forward(z, labels=None)` gives images."""
    import mlflow

    if checkpoint is not None:
        epoch = torch.load(checkpoint, map_location="cpu", weights_only=True)["epoch"]
        record_kept_checkpoint(logger.experiment, logger.run_id, checkpoint, epoch)
    with fluent_store(logger.tracking_uri), mlflow.start_run(run_id=logger.run_id):
        mlflow.pytorch.log_model(
            module.to("cpu").eval(),
            name="model",
            serialization_format="pickle",  # pt2 export would freeze the batch size
            pip_requirements=[f"torch=={torch.__version__.split('+')[0]}", "genlab"],
        )


def mark_killed(logger: RunLogger) -> None:
    """Lightning marks an interrupted run FAILED; it can be resumed, so it is KILLED."""
    logger.experiment.set_terminated(logger.run_id, "KILLED")


def log_scores(ref: RunRef, metrics: dict[str, float], figures: list[Path]) -> None:
    """Evaluation scores into the run, so the MLflow UI compares models on them, and onto the
    run's logged model (MLflow 3's Models view lists them beside it)."""
    import time

    from mlflow.entities import Metric

    client = ref.client()
    experiment_id = client.get_run(ref.run_id).info.experiment_id
    models = client.search_logged_models(
        experiment_ids=[experiment_id], filter_string=f"source_run_id = '{ref.run_id}'"
    )
    model_id = models[0].model_id if models else None
    now = int(time.time() * 1000)
    client.log_batch(
        ref.run_id, metrics=[Metric(k, v, now, 0, model_id=model_id) for k, v in metrics.items()]
    )
    for figure in figures:
        client.log_artifact(ref.run_id, str(figure), "evaluation")
