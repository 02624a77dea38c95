"""Continue a sweep: `python pipelines/train.py -m <the same overrides> resume_sweep=<folder>`.

A sweep is known by its folder. Its first contact (a Hydra callback, before any job) writes
`genlab_sweep.yaml` there: the overrides it was started with, and the `sweep` tag its runs
carry. Every run of a sweep is tagged with that folder and with its job's own overrides
(genlab.tracking.naming), so a resumed sweep finds each job's MLflow run by what the job is,
not by its number (Optuna numbers its trials anew):
- a FINISHED run: the job is skipped, its run untouched;
- a run that was interrupted or killed (RUNNING, KILLED, FAILED): the job reopens it and
  continues from its newest checkpoint, as `resume=<run id>` does;
- no run: the job starts, tagged as part of the original sweep.
The resumed sweep writes its files into its own folder (Hydra's `hydra.sweep.dir`); its runs
and report are the original sweep's.
"""

import logging
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from hydra.experimental.callback import Callback
from omegaconf import DictConfig, OmegaConf, open_dict

from genlab.app.handoff import TrainResult
from genlab.tracking.naming import SWEEP_JOB_TAG, own_overrides, sweep_job
from genlab.tracking.ref import RunRef
from genlab.utils.errors import GenlabError

log = logging.getLogger(__name__)
RECORD = "genlab_sweep.yaml"


def read_record(folder: Path) -> dict[str, Any]:
    """What a sweep folder says about its sweep. Only genlab's record will do: a sweep started
    without it also left its runs without the job tags a resume finds them by."""
    record = folder / RECORD
    if not record.is_file():
        raise GenlabError(
            f"resume_sweep={folder}: no {RECORD} there, so not a sweep genlab can continue; give "
            "the folder of a train.py -m sweep (its hydra.sweep.dir, multirun/train/<date_time>)"
        )
    return yaml.safe_load(record.read_text())


def difference(recorded: list[str], given: list[str]) -> str | None:
    """The first override that differs, said as a user would fix it; None when none does."""

    def by_key(overrides: list[str]) -> dict[str, str]:
        return dict(o.split("=", 1) if "=" in o else (o, "") for o in overrides)

    old, new = by_key(recorded), by_key(given)
    for key in sorted(old.keys() | new.keys()):
        if old.get(key) != new.get(key):
            was = f"{key}={old[key]}" if key in old else f"no {key}"
            now = f"{key}={new[key]}" if key in new else f"no {key}"
            return f"the sweep ran {was}, this command gives {now}"
    return None


def check_same_sweep(folder: Path, given: list[str]) -> dict[str, Any]:
    """The record of the sweep `folder`; refused in one line when `given` differs from its
    overrides (another model or seed list would be another sweep)."""
    record = read_record(folder)
    changed = difference(own_overrides(list(record["overrides"])), own_overrides(given))
    if changed is not None:
        raise GenlabError(
            f"resume_sweep={folder}: {changed}; repeat the sweep's own overrides to continue it"
        )
    return record


class SweepRecord(Callback):
    """Hydra calls this once per `-m` command, before the sweeper starts any job. Hydra turns
    a callback's exceptions into warnings and goes on, so a refusal is said here, in the
    front door's one-line form, and ends the command (SystemExit passes through Hydra)."""

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        try:
            self.record(config)
        except GenlabError as err:
            print(f"error: {err}", file=sys.stderr)
            raise SystemExit(2) from err
        except Exception as err:  # a bug here must not pass as a warning either
            traceback.print_exc()
            raise SystemExit(1) from err

    def record(self, config: DictConfig) -> None:
        # As typed: an override may hold an interpolation that only a job can resolve.
        given = OmegaConf.to_container(config.hydra.overrides.task, resolve=False)
        assert isinstance(given, list)
        here = Path(str(config.hydra.sweep.dir))
        record = {"sweep": str(here), "overrides": own_overrides(given)}
        resume = config.get("resume_sweep")
        if resume:
            folder = Path(str(resume))
            if not folder.is_dir():
                raise GenlabError(f"resume_sweep={folder}: no such sweep folder")
            record["sweep"] = check_same_sweep(folder, given)["sweep"]
            continue_study(config, folder)
        here.mkdir(parents=True, exist_ok=True)
        if not (resume and (here / RECORD).is_file()):  # a resume into its own folder keeps it
            (here / RECORD).write_text(yaml.safe_dump(record, sort_keys=False))


def continue_study(config: DictConfig, folder: Path) -> None:
    """An Optuna sweep asks for `n_trials` more trials: the ones the sweep finished count. Its
    sampler is seeded anew (its seed plus the trials on record): with the sweep's own seed it
    would draw the first trials' parameters again."""
    sweeper = config.hydra.sweeper
    if "n_trials" not in sweeper:
        return
    # Only here: importing Optuna costs a resumed grid sweep seconds (BENCHMARKS.md, "A resumed
    # sweep's cost").
    from genlab.app.optuna_record import TRIALS_FILE, finished_trials, read_trials

    trials = folder / TRIALS_FILE
    with open_dict(sweeper):
        sweeper.n_trials = max(0, int(sweeper.n_trials) - finished_trials(trials))
        if sweeper.get("sampler") is not None and sweeper.sampler.get("seed") is not None:
            sweeper.sampler.seed = int(sweeper.sampler.seed) + len(read_trials(trials))


@dataclass(frozen=True)
class SweepJob:
    """What this job of a resumed sweep does: skip (its run `finished`), reopen `run_id`, or
    start (no run); `sweep` is the tag its run carries."""

    run_id: str | None
    finished: bool
    sweep: str


def this_job(cfg: DictConfig, node: DictConfig | None) -> SweepJob:
    """This job's run in the sweep `cfg.resume_sweep`, found by the sweep's tag and the job's
    own overrides."""
    if node is None:
        raise GenlabError(
            f"resume_sweep={cfg.resume_sweep} needs the MLflow logger (logger=mlflow)"
        )
    if cfg.get("resume"):
        raise GenlabError("give resume=<run id> (one run) or resume_sweep=<folder>, not both")
    job = sweep_job()
    if job is None:
        raise GenlabError(
            f"resume_sweep={cfg.resume_sweep} continues a sweep: run the sweep's command "
            "with -m (python pipelines/train.py -m <its overrides> resume_sweep=<folder>)"
        )
    sweep = str(read_record(Path(str(cfg.resume_sweep)))["sweep"])
    runs = sweep_runs(node.tracking_uri, node.experiment_name, sweep, job)
    finished = [r for r in runs if r.info.status == "FINISHED"]
    if finished:
        return SweepJob(finished[0].info.run_id, True, sweep)
    if runs:  # interrupted or killed (KILLED, FAILED, or RUNNING after kill -9)
        return SweepJob(max(runs, key=lambda r: r.info.start_time).info.run_id, False, sweep)
    return SweepJob(None, False, sweep)


def sweep_runs(tracking_uri: str, experiment_name: str, sweep: str, job: str) -> list:
    """The runs of sweep `sweep` (its tag, any spelling of the folder) made by job `job`."""
    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri)
    experiment = client.get_experiment_by_name(experiment_name)
    if experiment is None:
        return []
    quoted = job.replace("'", "\\'")
    runs = client.search_runs(
        [experiment.experiment_id], filter_string=f"tags.`{SWEEP_JOB_TAG}` = '{quoted}'"
    )
    folder = Path(sweep).resolve()
    return [r for r in runs if Path(r.data.tags.get("sweep", "")).resolve() == folder]


def finished_job(cfg: DictConfig, ref: RunRef) -> TrainResult:
    """A job whose run finished: nothing is trained or logged. Its model is fetched only for
    `evaluate=true` (the caller scores it)."""
    from genlab.callbacks.which_checkpoint import recorded_model_checkpoint

    log.info("resume_sweep: this job's run %s finished; skipped", ref.run_id)
    checkpoint = None
    if cfg.get("evaluate"):
        checkpoint = str(recorded_model_checkpoint(ref, Path(cfg.paths.output_dir) / "checkpoints"))
    monitor = OmegaConf.select(cfg, "callbacks.model_checkpoint.monitor")
    return TrainResult(
        checkpoint=checkpoint,
        sample_grid=None,
        run=ref,
        metrics=dict(ref.get().data.metrics),
        monitor=monitor,
        skipped=True,
    )


def resume_sweep_command() -> str | None:
    """Inside a sweep job: the command that continues the sweep (its overrides, from the record
    in its folder, and `resume_sweep=` that folder). None outside one."""
    import shlex

    from hydra.core.hydra_config import HydraConfig

    if sweep_job() is None:
        return None
    folder = str(HydraConfig.get().sweep.dir)  # its trial file is the newest, for Optuna
    try:
        record = read_record(Path(folder))
    except GenlabError:
        return None
    overrides = [*own_overrides(list(record["overrides"])), f"resume_sweep={folder}"]
    return shlex.join(["python", "pipelines/train.py", "-m", *overrides])
