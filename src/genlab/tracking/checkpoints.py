"""A run's checkpoints, as its MLflow record says, and the one place that reads them back.

A run records two checkpoints in its tags:
- its newest (`genlab.checkpoint.last`: a local file, rewritten at every save, wherever the run
  or its resumptions wrote it), where `resume=<run id>` continues;
- its model (`genlab.checkpoint.kept`: the artifact path of the checkpoint uploaded to
  `checkpoints/`), the one evaluation scores, `sample.py run_id=` draws from and the logged
  MLflow model was made from. Which checkpoint that is, is decided once, by
  `genlab.callbacks.which_checkpoint.model_checkpoint`.
"""

from pathlib import Path

from genlab.tracking.ref import RunRef
from genlab.utils.errors import CheckpointError

LAST_CHECKPOINT_TAG = "genlab.checkpoint.last"
KEPT_CHECKPOINT_TAG = "genlab.checkpoint.kept"
LOGGED_EPOCH_TAG = "genlab.logged_model_epoch"
KEPT_ARTIFACT_DIR = "checkpoints"


def record_newest_checkpoint(client, run_id: str, path: Path) -> None:
    client.set_tag(run_id, LAST_CHECKPOINT_TAG, str(path.resolve()))


def record_kept_checkpoint(client, run_id: str, path: Path, epoch: int) -> None:
    """Upload the model's checkpoint and say which artifact it is and which epoch it holds."""
    client.log_artifact(run_id, str(path), KEPT_ARTIFACT_DIR)
    client.set_tag(run_id, KEPT_CHECKPOINT_TAG, f"{KEPT_ARTIFACT_DIR}/{path.name}")
    client.set_tag(run_id, LOGGED_EPOCH_TAG, str(epoch))


def resume_checkpoint(ref: RunRef) -> Path:
    """The newest checkpoint the run recorded (last.ckpt after an epoch, interrupted.ckpt
    after Ctrl-C), wherever it was written."""
    recorded = ref.get().data.tags.get(LAST_CHECKPOINT_TAG)
    if recorded is None:
        raise CheckpointError(
            f"resume={ref.run_id}: the run recorded no checkpoint "
            "(it stopped before its first epoch ended)"
        )
    if not Path(recorded).is_file():
        raise CheckpointError(f"resume={ref.run_id}: its newest checkpoint {recorded} is gone")
    return Path(recorded)


def kept_checkpoint(ref: RunRef, dst: str | Path | None = None) -> Path:
    """The run's model checkpoint, downloaded from its artifacts (into `dst`, else a temp
    folder)."""
    import tempfile

    import mlflow

    recorded = ref.get().data.tags.get(KEPT_CHECKPOINT_TAG)
    if recorded is None:
        raise CheckpointError(f"MLflow run {ref.run_id} has no kept checkpoint (checkpoints/)")
    # Runs logged before the tag named the artifact held the local file's path there.
    artifact = recorded if not Path(recorded).is_absolute() else None
    artifact = artifact or f"{KEPT_ARTIFACT_DIR}/{Path(recorded).name}"
    dst = Path(dst or tempfile.mkdtemp(prefix="genlab-ckpt-"))
    local = mlflow.artifacts.download_artifacts(
        run_id=ref.run_id, artifact_path=artifact, dst_path=str(dst), tracking_uri=ref.tracking_uri
    )
    return Path(local)
