"""Compare runs by eye: their sample grids side by side, as a figure and an offline page.

MLflow's compare view shows params and metrics, not images (mlflow/mlflow#2696). This reads
the runs' `samples/epoch_NNN.png` grids and writes, into `output_dir`:
- `compare.png`: one panel per run at its kept epoch (or `epoch` for all), titled with the
  run's name, the params that differ between the runs and its FID;
- `compare.html` with `grids/`: every logged epoch, one slider for all runs, a sortable table.

Both are then logged into a comparison run of their own, in the compared runs' experiment,
under `compare/`. Not into the compared runs: they stay exactly as training left them (a sweep
being resumed must find its jobs untouched), and a comparison of runs from several sweeps or of
a hand-picked list has no single run it belongs to. Its own run is listed beside the runs it
compares, where MLflow previews its figure, and tags name the runs it compares.
"""

import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from genlab.app.compare_figure import grids_figure
from genlab.app.compare_page import write_page
from genlab.app.compare_runs import (
    COMPARISON_TAG,
    ComparedRun,
    differing_params,
    find_runs,
    pick_epochs,
)

ARTIFACT_DIR = "compare"
COMPARED_RUNS_TAG = "genlab.compared_runs"


@dataclass
class Comparison:
    figure: Path
    page: Path
    runs: list[ComparedRun]
    mlflow_run_id: str | None


def download_grids(tracking_uri: str, runs: list[ComparedRun], out_dir: Path) -> list[dict]:
    """Each run's grids into `out_dir/grids/<run id>/`; epoch -> path relative to `out_dir`."""
    import mlflow

    grids_dir = out_dir / "grids"
    shutil.rmtree(grids_dir, ignore_errors=True)  # a previous comparison's runs
    local = []
    for run in runs:
        dst = grids_dir / run.run_id
        dst.mkdir(parents=True)
        if run.grids:
            mlflow.artifacts.download_artifacts(
                run_id=run.run_id,
                artifact_path=Path(next(iter(run.grids.values()))).parent.as_posix(),
                dst_path=str(dst),
                tracking_uri=tracking_uri,
            )
        local.append({e: (dst / p).relative_to(out_dir).as_posix() for e, p in run.grids.items()})
    return local


def log_comparison(tracking_uri: str, runs: list[ComparedRun], out_dir: Path, title: str) -> str:
    """A run of its own in the first compared run's experiment, artifacts under `compare/`."""
    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri)
    ids = [r.run_id for r in runs]
    note = "\n".join(
        [
            f"{title}. Open `{ARTIFACT_DIR}/compare.png`, or download the `{ARTIFACT_DIR}/` "
            "folder and open `compare.html` (offline; its grids are beside it).",
            "",
            *(f"- {r.name} (`{r.run_id}`)" for r in runs),
        ]
    )
    run = client.create_run(
        runs[0].experiment_id,
        run_name=f"compare-{len(runs)}-runs-{time.strftime('%Y%m%d-%H%M%S')}",
        tags={
            COMPARISON_TAG: "true",
            # MLflow caps a tag at 8,000 characters; the note lists every run.
            COMPARED_RUNS_TAG: ",".join(ids)[:8000],
            "mlflow.note.content": note,
        },
    )
    run_id = run.info.run_id
    for name in ("compare.png", "compare.html"):
        client.log_artifact(run_id, str(out_dir / name), ARTIFACT_DIR)
    client.log_artifacts(run_id, str(out_dir / "grids"), f"{ARTIFACT_DIR}/grids")
    client.set_terminated(run_id, "FINISHED")
    return run_id


def compare(
    tracking_uri: str,
    run_ids: list[str] | None,
    sweep: str | None,
    experiment_name: str | None,
    epoch: int | None,
    out_dir: Path,
    log_to_mlflow: bool = True,
) -> Comparison:
    runs = find_runs(tracking_uri, run_ids, sweep, experiment_name)
    epochs = pick_epochs(runs, epoch)  # a bad epoch fails here, before anything is written
    params = differing_params(runs)
    local = download_grids(tracking_uri, runs, out_dir)
    shown = [None if e is None else out_dir / g[e] for e, g in zip(epochs, local, strict=True)]
    figure = grids_figure(runs, epochs, shown, params, out_dir / "compare.png")
    title = f"genlab: {len(runs)} runs compared"
    if sweep or experiment_name:
        title += f" ({'sweep ' + sweep if sweep else 'experiment ' + str(experiment_name)})"
    page = write_page(runs, local, params, out_dir / "compare.html", title)
    mlflow_run_id = log_comparison(tracking_uri, runs, out_dir, title) if log_to_mlflow else None
    return Comparison(figure, page, runs, mlflow_run_id)
