"""The evaluate stage of one trained run against another's (a flow model against a GAN), timed
as whole `pipelines/evaluate.py` commands, alternated A, B, A, B so the machine's drift falls
on both alike.

Question: how many times a GAN's evaluate stage does a flow model's take (issue 34: <= 2)?
Figure: BENCHMARKS.md, "Flow sampling cost".

    cd <quality root> && python <repo>/benchmarks/evaluate_cost.py \\
        --runs runs/<flow run> runs/<gan run> [--rounds 2] [-- +model_overrides.x=y]

Each run folder is one `benchmarks/quality.py` wrote (its `train.json`); the overrides after
`--` go to the first run's commands only (e.g. the flow's float32 solve).
"""

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from timing import ROOT


def evaluate_seconds(run: Path, out: Path, extra: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "pipelines" / "evaluate.py"),
            f"train_result={run}/train.json",
            "eval.num_samples=1000",
            f"metrics_path={out}/metrics.json",
            f"grid_path={out}/samples.png",
            f"hydra.run.dir={out}",
            *extra,
        ],
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", nargs=2, type=Path, required=True, metavar=("A", "B"))
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("overrides", nargs="*", help="for run A's commands, after --")
    args = parser.parse_args()
    first, second = args.runs
    with tempfile.TemporaryDirectory() as scratch:
        for round_ in range(1, args.rounds + 1):
            a = evaluate_seconds(first, Path(scratch) / "a", args.overrides)
            b = evaluate_seconds(second, Path(scratch) / "b", [])
            print(f"round {round_}: {first.name} {a:.1f} s, {second.name} {b:.1f} s: {a / b:.2f}x")


if __name__ == "__main__":
    main()
