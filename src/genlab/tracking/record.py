"""What genlab writes into a training run beyond Lightning's metrics: the params and config
that let runs be compared and re-run, the model (its checkpoint and an MLflow PyTorch model),
the evaluation scores, and the KILLED state of an interrupted run."""

from pathlib import Path
from typing import TYPE_CHECKING

import torch
from omegaconf import DictConfig, OmegaConf

from genlab.tracking.checkpoints import record_kept_checkpoint
from genlab.tracking.fluent import fluent_store
from genlab.tracking.logger import RunLogger
from genlab.tracking.params import compared_params
from genlab.tracking.redact import redact
from genlab.tracking.ref import RunRef

if TYPE_CHECKING:
    from mlflow.models.signature import ModelSignature


def log_config(logger: RunLogger, cfg: DictConfig) -> None:
    """Params for comparing runs, plus the exact YAML (credentials redacted) to re-run one."""
    config = redact(OmegaConf.to_container(cfg, resolve=True, throw_on_missing=False))
    logger.log_hyperparams(compared_params(cfg))
    logger.experiment.log_text(logger.run_id, OmegaConf.to_yaml(config), "config/config.yaml")


def log_model(logger: RunLogger, module: torch.nn.Module, checkpoint: Path | None) -> None:
    """The model evaluation scores: its checkpoint as an artifact (`checkpoints/`), and its
    `forward(z[, labels])` as an MLflow PyTorch model in MLflow's `pt2` format (a
    `torch.export` graph, loaded without unpickling code). The batch dimension is dynamic: the
    signature marks it -1, which MLflow exports as `Dim.AUTO`. The model's metadata says how to
    draw the inputs."""
    import mlflow

    if checkpoint is not None:
        epoch = torch.load(checkpoint, map_location="cpu", weights_only=True)["epoch"]
        record_kept_checkpoint(logger.experiment, logger.run_id, checkpoint, epoch)
    module = module.to("cpu").eval()
    example, signature = graph_inputs(module)
    with fluent_store(logger.tracking_uri), mlflow.start_run(run_id=logger.run_id):
        mlflow.pytorch.log_model(
            module,
            name="model",
            serialization_format="pt2",
            input_example=example,
            signature=signature,
            metadata=input_metadata(module),
            pip_requirements=[f"torch=={torch.__version__.split('+')[0]}"],
        )


def graph_inputs(module: torch.nn.Module) -> tuple[tuple[torch.Tensor, ...], "ModelSignature"]:
    """An example batch (two images: `torch.export` fixes a size-1 dimension) and the signature
    that makes its batch dimension dynamic: `z`, then `labels` for a model whose networks take
    labels (its classes or its clusters)."""
    import numpy as np
    from mlflow.models.signature import ModelSignature
    from mlflow.types.schema import Schema, TensorSpec

    z = torch.zeros(2, module.latent_dim)
    inputs = [TensorSpec(np.dtype(np.float32), (-1, module.latent_dim), "z")]
    example: tuple[torch.Tensor, ...] = (z,)
    if module.label_weights() is not None:
        inputs.append(TensorSpec(np.dtype(np.int64), (-1,), "labels"))
        example = (z, torch.zeros(2, dtype=torch.int64))
    with torch.no_grad():
        images = module(*example)
    outputs = [TensorSpec(np.dtype(np.float32), (-1, *images.shape[1:]), "images")]
    return example, ModelSignature(Schema(inputs), Schema(outputs))


def input_metadata(module: torch.nn.Module) -> dict[str, object]:
    """What a user of the graph needs to draw its inputs as genlab's `sample()` does."""
    weights = module.label_weights()
    metadata: dict[str, object] = {
        "images": "in [-1, 1], shape (N, C, H, W)",
        "z": "standard normal, shape (N, latent_dim)",
    }
    if getattr(module.hparams, "prior", "normal") == "gmm":
        metadata["z"] = (
            "the VAE's fitted latent mixture, which the graph does not hold: "
            "genlab.models.checkpoints.load_module(<checkpoints/ artifact>).sample(n) draws it"
        )
    if weights is not None:
        kind = "clusters" if module.clusters is not None else "classes"
        metadata["labels"] = f"int64 {kind}, shape (N,); label_weights: how often each is drawn"
        metadata["label_weights"] = [round(w, 6) for w in weights.tolist()]
    return metadata


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
