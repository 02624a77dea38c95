"""An Optuna study that outlives its process, for `resume_sweep=`.

hydra-optuna-sweeper 1.3 needs optuna < 3, whose only file storage is SQLite through
SQLAlchemy, and that fails with SQLAlchemy 2 (TOOLCHAIN.md); optuna's JournalStorage came in
3.1. So the study stays in memory, and every trial it ends is also written to the sweep
folder's `optuna_trials.json` with optuna's own distribution JSON. A resumed sweep rebuilds
the study from that file: its finished trials are added back as they were (so they count
toward `n_trials` and the sampler learns from them), and a trial the interruption cut short is
queued again with its parameters, so its job continues that trial's MLflow run.
"""

import json
from pathlib import Path
from typing import Any

import optuna
from optuna.distributions import distribution_to_json, json_to_distribution
from optuna.storages import InMemoryStorage
from optuna.study import StudyDirection
from optuna.trial import TrialState, create_trial

TRIALS_FILE = "optuna_trials.json"


def read_trials(path: Path) -> list[dict[str, Any]]:
    return json.loads(path.read_text()) if path.is_file() else []


def finished_trials(path: Path) -> int:
    return sum(1 for trial in read_trials(path) if trial["state"] == "COMPLETE")


class RecordedStorage(InMemoryStorage):
    """Optuna's in-memory storage, written to `path` whenever a trial of study `study_name`
    gets a parameter or a new state (so a trial cut short is on file with its parameters)."""

    def __init__(self, path: str | Path, study_name: str) -> None:
        super().__init__()
        self.path, self.study_name = Path(path), study_name

    def set_trial_param(self, trial_id: int, param_name: str, *args: Any) -> None:
        super().set_trial_param(trial_id, param_name, *args)
        self.write()

    def set_trial_state(self, trial_id: int, state: TrialState) -> bool:
        changed = super().set_trial_state(trial_id, state)
        self.write()
        return changed

    def write(self) -> None:
        study_id = self.get_study_id_from_name(self.study_name)
        trials = [
            {
                "state": trial.state.name,
                "params": trial.params,
                "distributions": {
                    name: distribution_to_json(d) for name, d in trial.distributions.items()
                },
                "values": trial.values,
            }
            for trial in self.get_all_trials(study_id, deepcopy=False)
        ]
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(json.dumps(trials, indent=1))


def study_storage(
    trials_path: str, study_name: str, direction: Any, resume_sweep: str | None = None
) -> RecordedStorage:
    """The sweeper's storage (`hydra.sweeper.storage`): a new study, or with `resume_sweep`
    the study that sweep's trials file holds."""
    storage = RecordedStorage(trials_path, study_name)
    if not resume_sweep:
        return storage
    study = optuna.create_study(
        storage=storage, study_name=study_name, direction=StudyDirection[direction_name(direction)]
    )
    for trial in read_trials(Path(resume_sweep) / TRIALS_FILE):
        if trial["state"] == "COMPLETE":
            distributions = {k: json_to_distribution(v) for k, v in trial["distributions"].items()}
            study.add_trial(
                create_trial(
                    params=trial["params"], distributions=distributions, values=trial["values"]
                )
            )
        elif trial["state"] == "RUNNING":
            study.enqueue_trial(trial["params"])
    return storage


def direction_name(direction: Any) -> str:
    """`minimize`, as the sweeper's config holds it (a string or its Direction enum)."""
    return str(getattr(direction, "name", direction)).upper()
