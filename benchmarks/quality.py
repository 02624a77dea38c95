"""Sample-quality ablation: each row trains a model with some options, keeps its best epoch by
val/fid (as the pipeline does), then scores 1,000 samples with the evaluator, per seed.

    python benchmarks/quality.py --rows dcgan dcgan+ema --seeds 1 2
    python benchmarks/quality.py --list

Rows run one after another (never two trainings at once on this 2-core box), in a scratch root
(`--root`, default /tmp/genlab-quality) holding the prepared data and the pipeline's evaluator
(params.yaml's data, seed and epochs). Each finished (row, seed) appends to
<root>/quality.jsonl with the commit it trained, and is skipped when asked again at that commit
with a clean tree, so an interrupted ablation continues; changed code trains again. The table at
the end, of the (row, seed) pairs asked: each row's mean over its seeds, the per-seed values and
the training seconds. QUALITY.md holds the figures and the commands.

Question: Which sample-quality option or recipe scores better, over seeds, at the pipeline's
budget?
Figure: QUALITY.md (each round's tables).
"""

import argparse
import csv
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import yaml
from quality_rows import ROWS
from timing import ROOT

MANIFOLD = ("precision", "recall", "density", "coverage", "memorization_ratio")
TRAIN = [
    "callbacks=with_fid",
    "logger=csv",
    "trainer.enable_progress_bar=false",
    "trainer.enable_model_summary=false",
]


def run(args: list[str], root: Path) -> float:
    """Run an entry script under `root`; its wall seconds."""
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env={**os.environ, "GENLAB_ROOT": str(root)},
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise SystemExit(f"failed: {' '.join(args)}\n{result.stderr[-3000:]}")
    return time.perf_counter() - start


def evaluator_checkpoint(root: Path) -> Path:
    """Where the pipeline's evaluator is under `root` (conf/paths/default.yaml says)."""
    from genlab.utils.configs import compose

    data = yaml.safe_load((ROOT / "params.yaml").read_text())["data"]
    return Path(compose("evaluator", [f"paths.root_dir={root}", f"data={data}"]).checkpoint)


def prepare(root: Path) -> None:
    params = yaml.safe_load((ROOT / "params.yaml").read_text())
    data = params["data"]
    if not evaluator_checkpoint(root).is_file():
        run(["pipelines/prepare.py", f"data={data}"], root)
        run(
            [
                "pipelines/train_evaluator.py",
                f"data={data}",
                f"seed={params['seed']}",
                f"trainer.max_epochs={params['evaluator']['epochs']}",
                "trainer.enable_progress_bar=false",
            ],
            root,
        )


def val_fid_curve(metrics_csv: Path) -> list[tuple[int, float]]:
    """(epoch, counted from 1, val/fid) for each validation: the recipes validate every other
    epoch, so a validation's index is not its epoch."""
    with metrics_csv.open() as f:
        rows = [row for row in csv.DictReader(f) if row.get("val/fid")]
    return [(int(row["epoch"]) + 1, float(row["val/fid"])) for row in rows]


def code_version() -> str:
    """The commit whose code trains the rows, with "+dirty" when the tree differs from it."""
    git = ["git", "-C", str(ROOT)]
    commit = subprocess.run([*git, "rev-parse", "HEAD"], capture_output=True, text=True).stdout
    changed = subprocess.run([*git, "status", "--porcelain"], capture_output=True, text=True)
    return commit.strip() + ("+dirty" if changed.stdout.strip() else "")


def reusable(result: dict, name: str, seed: int, version: str) -> bool:
    """A logged result stands for (row, seed) only if the same code trained the same overrides."""
    return (
        result["row"] == name
        and result["overrides"] == [*ROWS[name], f"seed={seed}"]
        and result.get("commit") == version
        and not version.endswith("+dirty")
    )


def train_and_score(name: str, seed: int, root: Path, version: str) -> dict:
    run_dir = root / "runs" / f"{re.sub(r'[^A-Za-z0-9_.-]+', '_', name)}-seed{seed}"
    overrides = [*ROWS[name], f"seed={seed}"]
    # A (row, seed) that was interrupted left its folder: its metrics.csv would be appended to
    # (and CSVLogger fails on the mixed header), its checkpoints compete with the new ones.
    shutil.rmtree(run_dir, ignore_errors=True)
    seconds = run(
        [
            "pipelines/train.py",
            *TRAIN,
            *overrides,
            f"hydra.run.dir={run_dir}",
            f"result_path={run_dir}/train.json",
        ],
        root,
    )
    run(
        [
            "pipelines/evaluate.py",
            f"train_result={run_dir}/train.json",
            "eval.num_samples=1000",
            f"metrics_path={run_dir}/eval.json",
            f"grid_path={run_dir}/eval.png",
            f"hydra.run.dir={run_dir}/evaluation",
        ],
        root,
    )
    scores = json.loads((run_dir / "eval.json").read_text())
    curve = val_fid_curve(run_dir / "metrics.csv")
    checkpoint = json.loads((run_dir / "train.json").read_text())["checkpoint"]
    return {
        "row": name,
        "seed": seed,
        "overrides": overrides,
        "commit": version,
        "train_seconds": round(seconds, 1),
        "fid": scores["fid"],
        "is": scores["is_mean"],
        "kid": scores["kid"],
        "fid_interval": [scores["fid_low"], scores["fid_high"]],
        **{key: scores[key] for key in (*MANIFOLD, "label_accuracy") if key in scores},
        **class_mix(root / checkpoint, root),
        "best_epoch": min(curve, key=lambda point: point[1])[0] if curve else None,
        "val_fid": [round(fid, 2) for _, fid in curve],
        "reference": {"fid": scores["reference"]["fid"], "is": scores["reference"]["is_mean"]},
        "grid": str(run_dir / "eval.png"),
    }


def class_mix(checkpoint: Path, root: Path) -> dict:
    """The evaluator's labels of 1,000 samples: each class's share, and their total variation
    distance from a uniform mix. A diagnostic of mode balance, read after training, never fed
    back into it."""
    from class_histogram import class_shares

    from genlab.metrics.evaluator import load_evaluator

    evaluator = load_evaluator(evaluator_checkpoint(root))
    shares = class_shares(checkpoint, evaluator.eval(), 1000, seed=0)
    tv = float((shares - 1 / len(shares)).abs().sum() / 2)
    return {"class_shares": [round(float(x), 3) for x in shares], "class_mix_tv": tv}


def mean_of(done: list[dict], key: str, fmt: str) -> str:
    values = [r[key] for r in done if r.get(key) is not None]
    return fmt.format(statistics.mean(values)) if values else "–"


def table(results: list[dict], rows: list[str]) -> str:
    lines = [
        "| row | FID ↓ (mean) | IS ↑ (mean) | per seed FID / IS | precision | density "
        "| coverage | memorization | class mix TV | best epoch | train s |",
        "|---|---:|---:|---|---:|---:|---:|---:|---:|---|---:|",
    ]
    for name in rows:
        done = [r for r in results if r["row"] == name]
        if not done:
            continue
        per_seed = ", ".join(f"{r['fid']:.1f} / {r['is']:.2f}" for r in done)
        epochs = ", ".join(str(r["best_epoch"]) for r in done)
        lines.append(
            f"| {name} | {statistics.mean(r['fid'] for r in done):.1f} "
            f"| {statistics.mean(r['is'] for r in done):.2f} | {per_seed} "
            f"| {mean_of(done, 'precision', '{:.3f}')} | {mean_of(done, 'density', '{:.3f}')} "
            f"| {mean_of(done, 'coverage', '{:.3f}')} "
            f"| {mean_of(done, 'memorization_ratio', '{:.2f}')} "
            f"| {mean_of(done, 'class_mix_tv', '{:.3f}')} | {epochs} "
            f"| {statistics.mean(r['train_seconds'] for r in done):.0f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", nargs="+", default=[])
    parser.add_argument("--seeds", nargs="+", type=int, default=[1, 2])
    parser.add_argument("--root", type=Path, default=Path("/tmp/genlab-quality"))
    parser.add_argument("--list", action="store_true", help="print the rows and exit")
    args = parser.parse_args()
    if args.list or not args.rows:
        for name, overrides in ROWS.items():
            print(f"{name:32} {' '.join(overrides)}")
        return
    unknown = [r for r in args.rows if r not in ROWS]
    if unknown:
        raise SystemExit(f"unknown rows: {', '.join(unknown)} (see --list)")
    args.root.mkdir(parents=True, exist_ok=True)
    prepare(args.root)
    log = args.root / "quality.jsonl"
    logged = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
    version = code_version()
    results = []
    for name in args.rows:
        for seed in args.seeds:
            done = [r for r in logged if reusable(r, name, seed, version)]
            if done:
                results.append(done[-1])
                continue
            result = train_and_score(name, seed, args.root, version)
            results.append(result)
            with log.open("a") as f:
                f.write(json.dumps(result) + "\n")
            print(
                f"{name} seed {seed}: FID {result['fid']:.2f} IS {result['is']:.2f} "
                f"(best epoch {result['best_epoch']}, {result['train_seconds']:.0f} s)",
                flush=True,
            )
    print(table(results, args.rows))


if __name__ == "__main__":
    main()
