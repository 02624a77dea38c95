"""What a sweep's interruption costs: a killed and resumed sweep against an uninterrupted one.

Question: is a 6-job sweep (`model=gan,dcgan,vae seed=1,2`, short budgets) that is killed with
SIGKILL in its 4th job and then resumed with `resume_sweep=` done in at most the uninterrupted
sweep's time + 15 %? The cost of the cut is a second start (imports, Hydra, the store's
finished-job lookup), timed on its own by resuming the finished sweep, and the batches after
the cut job's last checkpoint. Both sweeps run in one
process of this script, one after the other, each against its own SQLite store, so the ratio is
measured on one machine at one time.
Figure: BENCHMARKS.md, "A resumed sweep's cost".

    python benchmarks/run.py sweep_resume [--batches 20 --epochs 2 --kill-batch 10]

The kill is the test suite's own SIGKILL callback (tests/pipeline/sweep_faults.py), armed for
job 3 only, in the cut job's last epoch.
"""

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GRID = ["model=gan,dcgan,vae", "seed=1,2"]
KILLED_JOB = 3


def sweep(root: Path, folder: str, overrides: list[str], kill: bool) -> tuple[float, int]:
    """Seconds and exit status of `train.py -m`, in its own process group as a scheduler runs it."""
    env = {**os.environ, "GENLAB_ROOT": str(root), "PYTHONPATH": str(ROOT / "tests" / "pipeline"),
           "MLFLOW_TRACKING_URI": f"sqlite:///{root}/mlflow.db"}  # fmt: skip
    if kill:
        env["GENLAB_TEST_KILL_JOB"] = str(KILLED_JOB)
    command = [sys.executable, str(ROOT / "pipelines" / "train.py"), "-m", *overrides,
               f"hydra.sweep.dir={root}/{folder}"]  # fmt: skip
    start = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True,
                          start_new_session=True)  # fmt: skip
    seconds = time.perf_counter() - start
    if done.returncode not in (0, -signal.SIGKILL):
        raise SystemExit(f"sweep {folder} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return seconds, done.returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--batches", type=int, default=20, help="training batches per epoch")
    parser.add_argument("--kill-batch", type=int, default=10, help="batch of the last epoch")
    args = parser.parse_args()
    data = ROOT / "data" / "prepared"
    if not (data / "mnist5k").is_dir():
        raise SystemExit(f"no prepared mnist5k in {data}: run `python pipelines/prepare.py` first")
    overrides = [
        *GRID,
        f"trainer.max_epochs={args.epochs}",
        f"trainer.limit_train_batches={args.batches}",
        "trainer.limit_val_batches=1",
        "trainer.enable_progress_bar=false",
        f"paths.data_dir={data}",
        "+callbacks.kill._target_=sweep_faults.KillSweepInJob",
        f"+callbacks.kill.epoch={args.epochs - 1}",
        f"+callbacks.kill.batch={args.kill_batch}",
    ]
    with tempfile.TemporaryDirectory() as straight, tempfile.TemporaryDirectory() as cut:
        uninterrupted, status = sweep(Path(straight), "multirun", overrides, kill=False)
        assert status == 0
        # Resuming a finished sweep skips every job: what a resume costs before any training.
        skipping, status = sweep(
            Path(straight), "again", [*overrides, f"resume_sweep={straight}/multirun"], kill=False
        )
        assert status == 0
        killed, status = sweep(Path(cut), "multirun", overrides, kill=True)
        assert status == -signal.SIGKILL, "the armed sweep was not killed"
        resumed, status = sweep(
            Path(cut), "resumed", [*overrides, f"resume_sweep={cut}/multirun"], kill=False
        )
        assert status == 0
    total = killed + resumed
    print(f"uninterrupted sweep: {uninterrupted:.1f} s; resuming it, every job skipped: "
          f"{skipping:.1f} s")  # fmt: skip
    print(f"killed in job {KILLED_JOB} after {killed:.1f} s, resumed in {resumed:.1f} s: "
          f"{total:.1f} s in all")  # fmt: skip
    print(f"resumed / uninterrupted: {total / uninterrupted:.3f} (target <= 1.15)")


if __name__ == "__main__":
    main()
