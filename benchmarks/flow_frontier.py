"""The flow model's frontier: FID against sampling steps, and against training budget.

Question: how many solver steps does a trained flow model need, what does each step count cost
at evaluation, and how does its FID fall with training? For one trained run (its `train.json`),
scores 1,000 samples at 2, 4, 8, 16 and 32 steps of each solver asked for, like the pipeline's
evaluate stage (`model_overrides` rebuilds the checkpoint with the other step count), timing the
sampling of 1,000 images; the val/fid curve of its metrics.csv (500 samples per validation, at
the recipe's steps) gives FID against epochs of training. Writes a JSON and a figure.
Figure: QUALITY.md, seventeenth, twentieth and twenty-second rounds; BENCHMARKS.md, "Flow
sampling cost".

    python benchmarks/run.py flow_frontier --run models/flow [--solvers euler heun]
        [--out docs/figures/flow_frontier]
"""

import argparse
import csv
import json
import os
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import torch  # noqa: E402

STEPS = (2, 4, 8, 16, 32)


def evaluate_at(run: Path, steps: int, solver: str, out: Path) -> dict:
    """Scores of the run's kept checkpoint with `steps` steps of `solver`, as evaluate.py gives
    them, and the seconds sampling 1,000 images takes."""
    from genlab.app.evaluate import evaluate
    from genlab.models.checkpoints import load_module
    from genlab.utils.configs import compose

    tag = f"{solver}{steps}"
    cfg = compose(
        "evaluate",
        [
            f"train_result={run / 'train.json'}",
            f"+model_overrides.sampling_steps={steps}",
            f"+model_overrides.solver={solver}",
            f"metrics_path={out / f'{tag}.json'}",
            f"grid_path={out / f'{tag}.png'}",
            f"nearest_path={out / f'{tag}_nearest.png'}",
            "hydra.run.dir=.",
        ],
    )
    scores = evaluate(cfg, out)
    checkpoint = json.loads((run / "train.json").read_text())["checkpoint"]
    module = load_module(
        Path(cfg.paths.root_dir) / checkpoint,
        overrides={"sampling_steps": steps, "solver": solver},
    )
    start = time.perf_counter()
    module.sample(1000, generator=torch.Generator().manual_seed(0))
    seconds = time.perf_counter() - start
    return {
        "steps": steps,
        "solver": solver,
        "fid": scores["fid"],
        "is": scores["is_mean"],
        "sample_seconds_per_1000": round(seconds, 2),
    }


def training_curve(run: Path) -> list[dict]:
    """(epoch, counted from 1, val/fid) of every validation in the run's metrics.csv; an epoch
    costs the same CPU time throughout, so epochs are a budget axis."""
    with (run / "metrics.csv").open() as f:
        rows = [row for row in csv.DictReader(f) if row.get("val/fid")]
    return [{"epoch": int(r["epoch"]) + 1, "val_fid": float(r["val/fid"])} for r in rows]


def plot(points: list[dict], curve: list[dict], path: Path) -> None:
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.6))
    for solver in sorted({p["solver"] for p in points}):
        mine = [p for p in points if p["solver"] == solver]
        evals = 1 if solver == "euler" else 2
        left.plot(
            [p["steps"] * evals for p in mine],
            [p["fid"] for p in mine],
            "o-",
            label=f"{solver} ({evals} evaluation{'s' if evals > 1 else ''} a step)",
        )
        for p in mine:
            left.annotate(f"{p['steps']}", (p["steps"] * evals, p["fid"]), fontsize=7)
    left.set(
        xscale="log",
        yscale="log",
        xlabel="velocity evaluations per sample",
        ylabel="FID (1,000 samples)",
        title="FID against sampling steps (labels: steps)",
    )
    left.legend(fontsize=8)
    right.plot([c["epoch"] for c in curve], [c["val_fid"] for c in curve], "o-")
    right.set(
        yscale="log",
        xlabel="epoch",
        ylabel="val/fid (500 samples)",
        title="FID against training budget",
    )
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", type=Path, required=True, help="a flow run folder (train.json)")
    parser.add_argument("--solvers", nargs="+", default=["euler", "heun"])
    parser.add_argument("--steps", nargs="+", type=int, default=list(STEPS))
    parser.add_argument("--out", type=Path, default=Path("reports/flow_frontier"))
    args = parser.parse_args()
    os.environ.setdefault("GENLAB_ROOT", str(Path.cwd()))
    args.out.mkdir(parents=True, exist_ok=True)
    points = [
        evaluate_at(args.run.resolve(), steps, solver, args.out.resolve())
        for solver in args.solvers
        for steps in args.steps
    ]
    curve = training_curve(args.run)
    (args.out / "frontier.json").write_text(
        json.dumps({"steps": points, "training": curve}, indent=2) + "\n"
    )
    plot(points, curve, args.out / "frontier.png")
    for p in points:
        print(
            f"{p['solver']:>8} {p['steps']:>3} steps: FID {p['fid']:6.2f}  IS {p['is']:.2f}  "
            f"{p['sample_seconds_per_1000']:.1f} s / 1,000 samples"
        )
    for c in curve:
        print(f"epoch {c['epoch']:>3}: val/fid {c['val_fid']:.2f}")
    print(f"figure: {args.out / 'frontier.png'}")


if __name__ == "__main__":
    main()
