"""The cost of a `dvc repro` that has nothing to do, over `dvc status` on the same repo.

    python benchmarks/pipeline_noop.py [--repo .] [--repeats 5]

Run it after a full `dvc repro`. Target: repro - status <= 1 s.

Question: Does a `dvc repro` with nothing to do cost at most 1 s over `dvc status`?
Figure: BENCHMARKS.md, the summary table's "pipeline no-op" row.
"""

import argparse
import subprocess
import sys
from pathlib import Path

from timing import ROOT, command_seconds, machine


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repo", type=Path, default=ROOT)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    dvc = [sys.executable, "-m", "dvc"]
    status = subprocess.run([*dvc, "status"], cwd=args.repo, capture_output=True, text=True)
    if "up to date" not in status.stdout:
        raise SystemExit(f"run `dvc repro` in {args.repo} first:\n{status.stdout}")
    repro = command_seconds([*dvc, "repro"], args.repeats, cwd=args.repo)
    status_time = command_seconds([*dvc, "status"], args.repeats, cwd=args.repo)
    print(f"# {machine()}")
    print("| figure | value | target |")
    print("|---|---:|---|")
    print(f"| no-op `dvc repro` | {repro:.2f} s | |")
    print(f"| `dvc status` | {status_time:.2f} s | |")
    print(f"| repro - status | {repro - status_time:.2f} s | <= 1 s |")


if __name__ == "__main__":
    main()
