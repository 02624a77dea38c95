"""Start-up: how fast the entry script answers, and how long until the first training step.

    python benchmarks/startup.py [--repeats 5]

Targets: `train.py --help` and a mistyped `model=foo` in <= 1 s, against the floor of
`python -c "import hydra"`. Time to the first training step on mnist5k (data prepared) against
the import floor of `import pytorch_lightning`. Also the peak resident memory of a short
training run and of an evaluation-sized run.

Question: Do `train.py --help` and a mistyped option answer within 1 s, and how close is the
first training step to the import floor?
Figure: BENCHMARKS.md, the summary table's `train.py --help`, `model=foo`, first-step and
peak-RSS rows.
"""

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from timing import ROOT, command_seconds, machine, run_train

PY = sys.executable
TRAIN = str(ROOT / "pipelines" / "train.py")


def first_step_seconds(root: Path, repeats: int) -> float:
    samples = []
    for attempt in range(repeats + 1):
        marker = root / f"first-step-{attempt}"
        start = time.time()
        run_train(
            f"hydra.run.dir={root}/run{attempt}",
            "+callbacks.first_step._target_=first_step.FirstStepClock",
            f"+callbacks.first_step.path={marker}",
        )
        if attempt:  # the first run is the warm-up
            samples.append(float(marker.read_text()) - start)
    return statistics.median(samples)


def peak_rss_mb(args: list[str]) -> float:
    """Peak resident memory of a command (its whole process tree), in MiB."""
    probe = (
        "import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True, "
        "capture_output=True); print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    out = subprocess.run([PY, "-c", probe, *args], cwd=ROOT, capture_output=True, text=True)
    return int(out.stdout.strip()) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="genlab-bench-start-"))
    subprocess.run([PY, str(ROOT / "pipelines" / "prepare.py")], cwd=ROOT, check=True)

    hydra_floor = command_seconds([PY, "-c", "import hydra"], args.repeats)
    help_time = command_seconds([PY, TRAIN, "--help"], args.repeats)
    typo_time = command_seconds([PY, TRAIN, "model=foo"], args.repeats)
    lightning_floor = command_seconds([PY, "-c", "import pytorch_lightning"], args.repeats)
    first_step = first_step_seconds(root, args.repeats)
    train_rss = peak_rss_mb(
        [PY, TRAIN, "experiment=smoke", "logger=none", f"hydra.run.dir={root}/rss"]
    )

    print(f"# {machine()}")
    print("| figure | measured | floor | ratio | target |")
    print("|---|---:|---:|---:|---|")
    print(
        f"| `train.py --help` | {help_time:.2f} s | {hydra_floor:.2f} s | "
        f"{help_time / hydra_floor:.1f} | <= 1 s |"
    )
    print(
        f"| `train.py model=foo` | {typo_time:.2f} s | {hydra_floor:.2f} s | "
        f"{typo_time / hydra_floor:.1f} | <= 1 s |"
    )
    print(
        f"| time to first training step | {first_step:.2f} s | {lightning_floor:.2f} s | "
        f"{first_step / lightning_floor:.2f} | |"
    )
    print(f"| peak RSS, training (experiment=smoke) | {train_rss:.0f} MiB | | | |")


if __name__ == "__main__":
    main()
