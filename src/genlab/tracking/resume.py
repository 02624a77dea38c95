"""Continue a run that was interrupted or killed: same MLflow run, from its last checkpoint.

Each run records its output folder as a tag; `last.ckpt` there (ModelCheckpoint save_last) or
`interrupted.ckpt` (written on Ctrl-C / SIGTERM), whichever is newer, is where it stood.
"""

from pathlib import Path

from genlab.errors import CheckpointError, GenlabError

OUTPUT_DIR_TAG = "genlab.output_dir"


def resume_checkpoint(tracking_uri: str, run_id: str) -> Path:
    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException

    try:
        run = MlflowClient(tracking_uri).get_run(run_id)
    except MlflowException as err:
        raise GenlabError(f"resume={run_id}: no such MLflow run in {tracking_uri}") from err
    output_dir = run.data.tags.get(OUTPUT_DIR_TAG)
    if output_dir is None:
        raise GenlabError(f"resume={run_id}: the run has no '{OUTPUT_DIR_TAG}' tag")
    candidates = [Path(output_dir) / "checkpoints" / n for n in ("last.ckpt", "interrupted.ckpt")]
    existing = [path for path in candidates if path.is_file()]
    if not existing:
        raise CheckpointError(
            f"resume={run_id}: no last.ckpt or interrupted.ckpt in {output_dir}/checkpoints "
            "(the run was stopped before its first epoch ended)"
        )
    return max(existing, key=lambda path: path.stat().st_mtime)
