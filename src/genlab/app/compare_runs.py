"""The runs a comparison shows, read from MLflow: which runs (ids, a sweep or an experiment),
what differs between them, their scores, and where their sample grids are.

Only what the runs already logged is read; nothing in them is changed, so a comparison never
disturbs a sweep that may still be resumed.
"""

from dataclasses import dataclass, field
from pathlib import Path

from genlab.callbacks.sample_grid import ARTIFACT_DIR, GRID_PATTERN
from genlab.tracking.checkpoints import LOGGED_EPOCH_TAG
from genlab.tracking.params import MISSING
from genlab.tracking.redact import redact_value
from genlab.tracking.ref import RunRef
from genlab.tracking.store import require_existing_store
from genlab.utils.errors import GenlabError

# Scores shown for each run, in this order, where a run has them.
SCORE_KEYS = (
    "eval/fid",
    "eval/kid",
    "eval/is_mean",
    "eval/precision",
    "eval/recall",
    "val/fid",
    "val/is",
)
# The tag that marks a comparison's own MLflow run, so that comparing an experiment again
# leaves earlier comparisons out.
COMPARISON_TAG = "genlab.comparison"


@dataclass
class ComparedRun:
    run_id: str
    name: str
    experiment_id: str
    params: dict[str, str]
    scores: dict[str, float]
    grids: dict[int, str] = field(default_factory=dict)  # epoch -> artifact path
    kept_epoch: int | None = None  # the epoch of the run's kept checkpoint, as its grid counts


def grid_epoch(kept_checkpoint_epoch: str | None) -> int | None:
    """A checkpoint holds Lightning's 0-based epoch; the grid drawn at that epoch's validation
    is numbered from 1 (epoch_001.png after the first epoch)."""
    if kept_checkpoint_epoch is None or not kept_checkpoint_epoch.isdigit():
        return None
    return int(kept_checkpoint_epoch) + 1


def compared_run(client, run) -> ComparedRun:
    grids = {}
    for info in client.list_artifacts(run.info.run_id, ARTIFACT_DIR):
        match = GRID_PATTERN.search(info.path)
        if match and not info.is_dir:
            grids[int(match.group(1))] = info.path
    return ComparedRun(
        run_id=run.info.run_id,
        name=run.info.run_name or run.info.run_id,
        experiment_id=run.info.experiment_id,
        params=dict(run.data.params),
        scores={k: run.data.metrics[k] for k in SCORE_KEYS if k in run.data.metrics},
        grids=dict(sorted(grids.items())),
        kept_epoch=grid_epoch(run.data.tags.get(LOGGED_EPOCH_TAG)),
    )


def find_runs(
    tracking_uri: str,
    run_ids: list[str] | None,
    sweep: str | None,
    experiment_name: str | None,
) -> list[ComparedRun]:
    """The runs to compare, oldest first: the given ids in their order, else every run of the
    sweep or experiment (earlier comparisons left out)."""
    from mlflow import MlflowClient

    given = [x for x in (run_ids, sweep, experiment_name) if x is not None]
    if len(given) != 1:
        raise GenlabError(
            "give exactly one of run_ids=[<id>,...], sweep=<sweep folder> or experiment_name=<name>"
        )
    require_existing_store(tracking_uri)
    client = MlflowClient(tracking_uri)
    if run_ids is not None:
        if not run_ids:
            raise GenlabError("run_ids=[] names no run; give at least one MLflow run id")
        runs = [RunRef(tracking_uri, str(run_id)).get() for run_id in run_ids]
    else:
        runs = _search(client, tracking_uri, sweep, experiment_name)
        runs = [r for r in runs if r.data.tags.get(COMPARISON_TAG) != "true"]
        runs.sort(key=lambda r: r.info.start_time)
    if not runs:
        where = f"sweep {sweep}" if sweep else f"experiment {experiment_name}"
        raise GenlabError(f"no runs in {where} in {redact_value(tracking_uri)}")
    compared = [compared_run(client, run) for run in runs]
    if not any(c.grids for c in compared):
        raise GenlabError(
            f"none of the {len(compared)} runs logged a sample grid "
            f"({ARTIFACT_DIR}/epoch_NNN.png); "
            "train with the sample_grid callback (callbacks=default)"
        )
    return compared


def _search(client, tracking_uri: str, sweep: str | None, experiment_name: str | None) -> list:
    if experiment_name is not None:
        experiment = client.get_experiment_by_name(experiment_name)
        if experiment is None:
            raise GenlabError(
                f"no MLflow experiment named '{experiment_name}' in {redact_value(tracking_uri)}"
            )
        return client.search_runs([experiment.experiment_id], max_results=5000)
    experiment_ids = [e.experiment_id for e in client.search_experiments()]
    # Sweep jobs tag the folder as Hydra resolved it (genlab.tracking.naming).
    sweep_tag = str(Path(sweep).resolve()) if Path(sweep).exists() else sweep
    return client.search_runs(
        experiment_ids, filter_string=f"tags.sweep = '{sweep_tag}'", max_results=5000
    )


def differing_params(runs: list[ComparedRun]) -> list[str]:
    """Param keys whose values are not the same in every run (a key a run lacks counts as
    "n/a"): keys every run has a value for first, as they tell runs apart best, then the
    others; alphabetical within each."""
    keys = sorted({k for r in runs for k in r.params})
    differ = [k for k in keys if len({r.params.get(k, MISSING) for r in runs}) > 1]
    return sorted(differ, key=lambda k: any(r.params.get(k, MISSING) == MISSING for r in runs))


def pick_epochs(runs: list[ComparedRun], epoch: int | None) -> list[int | None]:
    """The epoch each run shows in the figure: `epoch` for all, else its kept epoch, else its
    last grid (None: the run logged no grid)."""
    chosen: list[int | None] = []
    for run in runs:
        if epoch is not None:
            if epoch not in run.grids:
                have = ", ".join(map(str, run.grids)) or "none"
                raise GenlabError(
                    f"epoch={epoch}: run {run.name} ({run.run_id}) has no grid for it; "
                    f"its epochs: {have}"
                )
            chosen.append(epoch)
        elif run.kept_epoch in run.grids:
            chosen.append(run.kept_epoch)
        else:
            chosen.append(max(run.grids) if run.grids else None)
    return chosen
