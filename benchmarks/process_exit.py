"""How long a stage's process takes to exit, with and without `genlab.app.cli`'s freeze.

    python benchmarks/process_exit.py [--rounds 5]

A child imports what every training and evaluation stage imports (Lightning, torchmetrics'
image metrics, MLflow's SQL store, scikit-learn) and builds a Trainer, then exits: once as
Python does by default, once after `leave_objects_to_the_os()` (what every entry script calls
when its job ends). The child reports when its work ended; the exit is the wall time from then
until the parent sees it gone. Rounds alternate the two, and the ratio compares medians
measured in the same run.
"""

import argparse
import subprocess
import sys
import time

from timing import interleaved, machine

CHILD = """
import sys, time
import pytorch_lightning, torchmetrics.image, mlflow.store.tracking.sqlalchemy_store
import sklearn.mixture
pytorch_lightning.Trainer(logger=False, enable_progress_bar=False, enable_model_summary=False)
if sys.argv[1] == "freeze":
    from genlab.app.cli import leave_objects_to_the_os
    leave_objects_to_the_os()
print(time.time(), flush=True)
"""


def exit_seconds(mode: str) -> float:
    child = subprocess.run(
        [sys.executable, "-c", CHILD, mode], capture_output=True, text=True, check=True
    )
    ended = time.time()
    return ended - float(child.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    frozen, default, ratio = interleaved(
        lambda: exit_seconds("freeze"), lambda: exit_seconds("default"), rounds=args.rounds
    )
    print(f"# {machine()}")
    print("| process exit after a stage's imports | default | frozen | frozen / default |")
    print("|---|---:|---:|---:|")
    print(f"| median of {args.rounds} rounds | {default:.2f} s | {frozen:.2f} s | {ratio:.2f} |")


if __name__ == "__main__":
    main()
