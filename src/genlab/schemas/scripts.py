"""Each entry script's own keys (its config groups are typed by their own schemas)."""

from dataclasses import dataclass, field
from typing import Any


@dataclass
class GroupsConf:
    """The config groups an entry script may compose, each typed by its own schema."""

    data: Any = None
    trainer: Any = None
    model: Any = None
    logger: Any = None
    callbacks: Any = None
    eval: Any = None
    paths: Any = None


@dataclass
class TrainConf(GroupsConf):
    seed: int | None = 42
    experiment_name: str = "genlab"
    ckpt_path: str | None = None
    resume: str | None = None
    resume_sweep: str | None = None
    evaluate: bool = False
    result_path: str | None = None


@dataclass
class EvaluateConf(GroupsConf):
    ckpt_path: str | None = None
    run_id: str | None = None
    train_result: str | None = None
    tracking_uri: str = "???"
    metrics_path: str | None = None
    grid_path: str | None = None
    nearest_path: str | None = None
    # Saved model options replaced for this evaluation, those that change sampling and not the
    # weights, e.g. `model_overrides.sampling_steps=8` for a flow model.
    model_overrides: dict[str, Any] = field(default_factory=dict)


@dataclass
class InterpolationConf:
    rows: int = 8
    steps: int = 10


@dataclass
class SampleConf(GroupsConf):
    ckpt_path: str | None = None
    run_id: str | None = None
    tracking_uri: str = "???"
    num_samples: int = 64
    nrow: int = 8
    labels: Any = None  # a class, or a list of them
    per_class: int | None = None
    seed: int = 0
    interpolation: InterpolationConf = field(default_factory=InterpolationConf)
    reconstructions: int = 32
    output_dir: str = "???"


@dataclass
class ReportConf(GroupsConf):
    models: list[str] | None = None
    metrics_dir: str = "???"
    figures_dir: str = "???"
    output_dir: str = "???"
    sweep: str | None = None
    experiment_name: str | None = None
    tracking_uri: str = "???"


@dataclass
class EvaluatorConf(GroupsConf):
    seed: int = 0
    output_dir: str = "???"
    checkpoint: str = "???"


@dataclass
class CompareConf(GroupsConf):
    run_ids: list[str] | None = None
    sweep: str | None = None
    experiment_name: str | None = None
    epoch: int | None = None
    output_dir: str = "???"
    tracking_uri: str = "???"
    log_to_mlflow: bool = True


@dataclass
class StackedReportConf(GroupsConf):
    params_file: str = "???"
    metrics_dir: str = "???"
    figures_dir: str = "???"
    prepared_dir: str = "???"
    output_dir: str = "???"


SCRIPTS: dict[str, type] = {
    "train": TrainConf,
    "evaluate": EvaluateConf,
    "sample": SampleConf,
    "report": ReportConf,
    "stacked_report": StackedReportConf,
    "prepare": GroupsConf,
    "evaluator": EvaluatorConf,
    "compare": CompareConf,
}
