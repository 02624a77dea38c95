"""The report of a sweep: every evaluated run of a Hydra sweep (its `sweep` tag) or of an MLflow
experiment, one row per model with the mean ± standard deviation over its seeds.

One seed says little about a GAN: two seeds of the same recipe can differ by more than two
recipes do. So the report flags every pair of models whose FID ranges (mean ± std) overlap:
their difference is within the seed-to-seed spread, not a ranking.
"""

import itertools
import statistics
from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from genlab.app.report import save_figure  # noqa: E402
from genlab.tracking.store import require_existing_store  # noqa: E402
from genlab.utils.errors import GenlabError  # noqa: E402

SCORES = [
    ("FID ↓", "eval/fid"),
    ("KID ↓", "eval/kid"),
    ("IS ↑", "eval/is_mean"),
    ("precision ↑", "eval/precision"),
    ("recall ↑", "eval/recall"),
    ("coverage ↑", "eval/coverage"),
    ("label accuracy ↑", "eval/label_accuracy"),
]


@dataclass
class ModelRuns:
    model: str
    seeds: list[str]
    scores: dict[str, list[float]]  # metric key -> one value per run

    def mean_std(self, key: str) -> tuple[float, float] | None:
        values = self.scores.get(key, [])
        if not values:
            return None
        return statistics.mean(values), statistics.stdev(values) if len(values) > 1 else 0.0


def find_runs(tracking_uri: str, sweep: str | None, experiment_name: str | None) -> list:
    from mlflow import MlflowClient

    if (sweep is None) == (experiment_name is None):
        raise GenlabError("give exactly one of sweep=<sweep folder> or experiment_name=<name>")
    require_existing_store(tracking_uri)
    client = MlflowClient(tracking_uri)
    if experiment_name is not None:
        experiment = client.get_experiment_by_name(experiment_name)
        if experiment is None:
            raise GenlabError(f"no MLflow experiment named '{experiment_name}' in {tracking_uri}")
        experiment_ids, query = [experiment.experiment_id], ""
    else:
        experiment_ids = [e.experiment_id for e in client.search_experiments()]
        sweep_tag = str(Path(sweep).resolve()) if Path(sweep).exists() else sweep
        query = f"tags.sweep = '{sweep_tag}'"
    runs = client.search_runs(experiment_ids, filter_string=query, max_results=5000)
    scored = [r for r in runs if "eval/fid" in r.data.metrics]
    if not scored:
        where = f"sweep {sweep}" if sweep else f"experiment {experiment_name}"
        raise GenlabError(
            f"no evaluated runs in {where} ({len(runs)} runs without eval/fid); train with "
            "evaluate=true or score each run with pipelines/evaluate.py run_id=<id>"
        )
    return scored


def group_by_model(runs: list) -> list[ModelRuns]:
    groups: dict[str, ModelRuns] = {}
    for run in sorted(runs, key=lambda r: (r.data.tags.get("model", "?"), r.info.start_time)):
        model = run.data.tags.get("model", "?")
        group = groups.setdefault(model, ModelRuns(model, [], {}))
        group.seeds.append(run.data.tags.get("seed", "?"))
        for _, key in SCORES:
            if key in run.data.metrics:
                group.scores.setdefault(key, []).append(run.data.metrics[key])
    return list(groups.values())


def overlapping_pairs(groups: list[ModelRuns], key: str = "eval/fid") -> list[tuple[str, str]]:
    """Pairs of models whose mean ± std ranges of `key` overlap."""
    pairs = []
    for a, b in itertools.combinations(groups, 2):
        sa, sb = a.mean_std(key), b.mean_std(key)
        if sa and sb and abs(sa[0] - sb[0]) <= sa[1] + sb[1]:
            pairs.append((a.model, b.model))
    return pairs


def markdown(groups: list[ModelRuns]) -> str:
    keys = [(name, key) for name, key in SCORES if any(g.scores.get(key) for g in groups)]
    lines = [
        "| model | runs | " + " | ".join(name for name, _ in keys) + " |",
        "|---|---:|" + "---:|" * len(keys),
    ]
    for group in groups:
        cells = []
        for _, key in keys:
            stats = group.mean_std(key)
            cells.append("–" if stats is None else f"{stats[0]:.3g} ± {stats[1]:.2g}")
        lines.append(f"| {group.model} | {len(group.seeds)} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def error_bar_figure(groups: list[ModelRuns], path: Path) -> None:
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    for ax, (title, key) in zip(axes, [SCORES[0], SCORES[2]], strict=True):
        stats = [g.mean_std(key) or (float("nan"), 0.0) for g in groups]
        ax.errorbar(
            [g.model for g in groups],
            [s[0] for s in stats],
            yerr=[s[1] for s in stats],
            fmt="o",
            capsize=5,
        )
        for i, group in enumerate(groups):  # every seed as a dot
            values = group.scores.get(key, [])
            ax.scatter([i] * len(values), values, color="tab:gray", s=12, zorder=3)
        ax.set_title(f"{title} (mean ± std over seeds)")
    save_figure(fig, path)


def write_sweep_report(
    tracking_uri: str, sweep: str | None, experiment_name: str | None, out_dir: Path
) -> Path:
    groups = group_by_model(find_runs(tracking_uri, sweep, experiment_name))
    figure = out_dir / "sweep.png"
    error_bar_figure(groups, figure)
    overlaps = overlapping_pairs(groups)
    flags = [
        f"- **{a} and {b} overlap**: their FID ranges (mean ± std over seeds) overlap, so "
        "the sweep does not rank them."
        for a, b in overlaps
    ] or ["- No two models' FID ranges overlap: the sweep ranks them."]
    source = f"sweep `{sweep}`" if sweep else f"experiment `{experiment_name}`"
    text = "\n".join(
        [
            f"# genlab sweep report: {source}",
            "",
            "Each row: the mean ± standard deviation over the model's evaluated runs "
            "(seeds). Scores as in reports/report.md (evaluator features).",
            "",
            markdown(groups),
            "",
            *flags,
            "",
            f"![scores over seeds]({figure.name})",
            "",
        ]
    )
    report = out_dir / "sweep_report.md"
    report.write_text(text)
    return report
