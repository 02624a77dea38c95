"""What a run records about its checkpoints, so that a later process can answer "which
checkpoint" from the run alone (genlab.callbacks.which_checkpoint reads these tags back):
- its newest, where `resume=<run id>` continues: a local file, rewritten at every save,
  wherever the run or its resumptions wrote it;
- its model, the one evaluation scores and `sample.py run_id=` draws from: the checkpoint
  uploaded to `checkpoints/`, with the epoch it holds.
"""

from pathlib import Path

from genlab.callbacks.which_checkpoint import (
    KEPT_ARTIFACT_DIR,
    KEPT_CHECKPOINT_TAG,
    LAST_CHECKPOINT_TAG,
)

LOGGED_EPOCH_TAG = "genlab.logged_model_epoch"


def record_newest_checkpoint(client, run_id: str, path: Path) -> None:
    client.set_tag(run_id, LAST_CHECKPOINT_TAG, str(path.resolve()))


def record_kept_checkpoint(client, run_id: str, path: Path, epoch: int) -> None:
    """Upload the model's checkpoint and say which artifact it is and which epoch it holds."""
    client.log_artifact(run_id, str(path), KEPT_ARTIFACT_DIR)
    client.set_tag(run_id, KEPT_CHECKPOINT_TAG, f"{KEPT_ARTIFACT_DIR}/{path.name}")
    client.set_tag(run_id, LOGGED_EPOCH_TAG, str(epoch))
