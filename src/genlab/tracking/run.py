"""The one owner of a training run's MLflow record.

Everything that touches the run goes through here: opening it (under the store lock, or
reopening it to resume), writing into it (params and config, where its checkpoints are, the
kept model, the evaluation scores), finding its checkpoints again (one rule each: the newest
for resume, the kept one for scoring and sampling), and handing it on to the pipeline's later
stages (the `train.json` hand-off). A run is passed around as a `RunRef`.
"""

import json
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import torch
from omegaconf import DictConfig, OmegaConf
from pytorch_lightning.loggers import Logger, MLFlowLogger

from genlab.errors import CheckpointError, GenlabError
from genlab.tracking.fluent import fluent_store
from genlab.tracking.params import compared_params
from genlab.tracking.redact import redact, redact_value
from genlab.tracking.store import ensure_experiment, require_existing_store, store_lock

# Tags through which a run records its checkpoints, rewritten at every save: wherever a run
# (or its resumptions) wrote them, the run itself says where the newest one is.
LAST_CHECKPOINT_TAG = "genlab.checkpoint.last"
KEPT_CHECKPOINT_TAG = "genlab.checkpoint.kept"
LOGGED_EPOCH_TAG = "genlab.logged_model_epoch"
KEPT_ARTIFACT_DIR = "checkpoints"


@dataclass(frozen=True)
class RunRef:
    """Where a run lives: enough to reopen it from any process."""

    tracking_uri: str
    run_id: str

    def client(self):
        from mlflow import MlflowClient

        return MlflowClient(self.tracking_uri)


@dataclass
class TrainResult:
    """What `genlab.train.train` returns and the pipeline hands to its later stages."""

    checkpoint: str | None  # the kept checkpoint: best by the monitor, else the last
    sample_grid: str | None
    run: RunRef | None
    metrics: dict[str, float] = field(default_factory=dict)
    monitor: str | None = None
    is_global_zero: bool = True

    @property
    def monitored_value(self) -> float | None:
        return self.metrics.get(self.monitor) if self.monitor else None

    def write(self, path: str | Path) -> None:
        """The hand-off file (`train.json`), read back by `TrainResult.read`."""
        data = asdict(self)
        data["run"] = asdict(self.run) if self.run else None
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_text(json.dumps(data, indent=2) + "\n")

    @classmethod
    def read(cls, path: str | Path) -> "TrainResult":
        path = Path(path)
        if not path.is_file():
            raise GenlabError(f"train result not found: {path}")
        data = json.loads(path.read_text())
        data["run"] = RunRef(**data["run"]) if data.get("run") else None
        return cls(**data)


class RunLogger(MLFlowLogger):
    """Lightning's MLFlowLogger that records where the run's checkpoints are, and that does
    not log a step twice: a resumed run replays the steps between its checkpoint and the
    interruption, which the interrupted process had already logged (with the same values,
    since resume is exact)."""

    def __init__(self, tracking_uri: str, **kwargs: Any) -> None:
        super().__init__(tracking_uri=tracking_uri, **kwargs)
        self.tracking_uri = tracking_uri
        self.logged_steps: dict[str, int] = {}  # key -> last step already in the run

    @property
    def ref(self) -> RunRef:
        return RunRef(self.tracking_uri, self.run_id)

    def skip_logged_steps(self) -> None:
        """Resuming: remember how far each metric's history already goes."""
        client = self.ref.client()
        for key in client.get_run(self.run_id).data.metrics:
            history = client.get_metric_history(self.run_id, key)
            self.logged_steps[key] = max(m.step for m in history)

    def log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        if step is not None and self.logged_steps:
            metrics = {k: v for k, v in metrics.items() if step > self.logged_steps.get(k, -1)}
        if metrics:
            super().log_metrics(metrics, step)

    def after_save_checkpoint(self, checkpoint_callback: Any) -> None:
        super().after_save_checkpoint(checkpoint_callback)
        newest = getattr(checkpoint_callback, "last_model_path", "") or getattr(
            checkpoint_callback, "best_model_path", ""
        )
        if newest:
            self.record_checkpoint(newest)

    def record_checkpoint(self, path: str | Path) -> None:
        self.experiment.set_tag(self.run_id, LAST_CHECKPOINT_TAG, str(Path(path).resolve()))


def run_loggers(loggers: list[Logger]) -> list[RunLogger]:
    return [lg for lg in loggers if isinstance(lg, RunLogger)]


def is_run_logger(node: DictConfig) -> bool:
    from hydra.utils import get_class

    return issubclass(get_class(node._target_), RunLogger)


def open_run(
    node: DictConfig, name: str, tags: dict[str, str], resume: str | None, rank_zero: bool
) -> RunLogger:
    """The run logger for a new run, or for run `resume` reopened. Parallel jobs and DDP
    ranks open the store one by one; only rank 0 ever writes to it."""
    from hydra.utils import instantiate

    with store_lock(node.tracking_uri):
        if rank_zero:
            ensure_experiment(node.tracking_uri, node.experiment_name, node.artifact_location)
        extra = {"run_id": resume} if resume else {}
        logger = instantiate(node, run_name=name, tags=tags, **extra)
    if resume and rank_zero:
        logger.skip_logged_steps()
    return logger


def log_config(logger: RunLogger, cfg: DictConfig) -> None:
    """Params for comparing runs, plus the exact YAML (credentials redacted) to re-run one."""
    config = redact(OmegaConf.to_container(cfg, resolve=True, throw_on_missing=False))
    logger.log_hyperparams(compared_params(cfg))
    logger.experiment.log_text(logger.run_id, OmegaConf.to_yaml(config), "config/config.yaml")


def log_kept_model(logger: RunLogger, module: torch.nn.Module, checkpoint: str | None) -> None:
    """The model evaluation scores: its checkpoint as an artifact (`checkpoints/`), and the
    module as an MLflow PyTorch model whose `forward(z, labels=None)` gives images, tagged
    with the checkpoint and epoch it came from."""
    import mlflow

    if checkpoint:
        logger.experiment.log_artifact(logger.run_id, checkpoint, KEPT_ARTIFACT_DIR)
    with fluent_store(logger.tracking_uri), mlflow.start_run(run_id=logger.run_id):
        mlflow.pytorch.log_model(
            module.to("cpu").eval(),
            name="model",
            serialization_format="pickle",  # pt2 export would freeze the batch size
            pip_requirements=[f"torch=={torch.__version__.split('+')[0]}", "genlab"],
        )
        if checkpoint:
            epoch = torch.load(checkpoint, map_location="cpu", weights_only=True)["epoch"]
            mlflow.set_tags({LOGGED_EPOCH_TAG: str(epoch), KEPT_CHECKPOINT_TAG: checkpoint})


def mark_killed(logger: RunLogger) -> None:
    """Lightning marks an interrupted run FAILED; it can be resumed, so it is KILLED."""
    logger.experiment.set_terminated(logger.run_id, "KILLED")


def _get_run(ref: RunRef):
    from mlflow.exceptions import MlflowException

    require_existing_store(ref.tracking_uri)
    try:
        return ref.client().get_run(ref.run_id)
    except MlflowException as err:
        raise GenlabError(
            f"no MLflow run {ref.run_id} in {redact_value(ref.tracking_uri)}"
        ) from err


def resume_checkpoint(ref: RunRef) -> Path:
    """The newest checkpoint the run recorded (last.ckpt after an epoch, interrupted.ckpt
    after Ctrl-C), wherever it was written."""
    recorded = _get_run(ref).data.tags.get(LAST_CHECKPOINT_TAG)
    if recorded is None:
        raise CheckpointError(
            f"resume={ref.run_id}: the run recorded no checkpoint "
            "(it stopped before its first epoch ended)"
        )
    if not Path(recorded).is_file():
        raise CheckpointError(f"resume={ref.run_id}: its newest checkpoint {recorded} is gone")
    return Path(recorded)


def kept_checkpoint(ref: RunRef, dst: str | Path | None = None) -> Path:
    """The checkpoint the run kept and scored (uploaded to `checkpoints/`), downloaded."""
    import mlflow

    _get_run(ref)
    client = ref.client()
    uploaded = [f.path for f in client.list_artifacts(ref.run_id, KEPT_ARTIFACT_DIR)]
    uploaded = [path for path in uploaded if path.endswith(".ckpt")]
    if not uploaded:
        raise CheckpointError(f"MLflow run {ref.run_id} has no kept checkpoint (checkpoints/)")
    dst = Path(dst or tempfile.mkdtemp(prefix="genlab-ckpt-"))
    local = mlflow.artifacts.download_artifacts(
        run_id=ref.run_id,
        artifact_path=sorted(uploaded)[-1],
        dst_path=str(dst),
        tracking_uri=ref.tracking_uri,
    )
    return Path(local)


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


def resolve_checkpoint(
    cfg: DictConfig, dst: str | Path | None = None
) -> tuple[Path, RunRef | None]:
    """What evaluate and sample were asked to use: exactly one of `ckpt_path=<file>`,
    `run_id=<id>` (its kept checkpoint; its store from the config) or `train_result=<json>`.
    The run, where there is one, receives what the script logs."""
    given = [k for k in ("ckpt_path", "run_id", "train_result") if cfg.get(k) is not None]
    if len(given) != 1:
        options = "ckpt_path=<file.ckpt>, run_id=<mlflow run id>"
        if "train_result" in cfg:
            options += " or train_result=<train.json>"
        raise GenlabError(f"give exactly one of {options}")
    if cfg.get("ckpt_path") is not None:
        return Path(cfg.ckpt_path), None
    if cfg.get("run_id") is not None:
        ref = RunRef(cfg.tracking_uri, str(cfg.run_id))
        return kept_checkpoint(ref, dst), ref
    result = TrainResult.read(cfg.train_result)
    if result.checkpoint is None:
        raise GenlabError(f"{cfg.train_result} names no checkpoint")
    return Path(result.checkpoint), result.run
