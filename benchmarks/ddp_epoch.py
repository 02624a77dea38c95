"""One epoch of each model on mnist5k: one process vs 2-process DDP on the CPU (gloo).

    python benchmarks/ddp_epoch.py [--models gan dcgan vae] [--devices 2]

Each rank gets half the batches, so on a machine with N cores DDP can at best share them
out; on 2 cores with torch already using both, expect little gain. Reported: the epoch's
wall time (EpochClock: training batches and validation) and the whole command's.
"""

import argparse
import tempfile
import time
from pathlib import Path

from timing import epoch_seconds, machine


def run(model: str, root: Path, tag: str, extra: list[str]) -> tuple[float, float]:
    """The first epoch's seconds and the whole command's."""
    start = time.perf_counter()
    epoch = epoch_seconds(root, f"{model}-{tag}", f"model={model}", *extra)
    return epoch, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=["gan", "dcgan", "vae"])
    parser.add_argument("--devices", type=int, default=2)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="genlab-bench-ddp-"))
    ddp = ["trainer=ddp", "trainer.accelerator=cpu", f"trainer.devices={args.devices}"]
    print(f"# {machine()}")
    print(
        f"| model | 1 process: epoch / command | DDP x{args.devices}: epoch / command "
        "| epoch ratio DDP / 1 |"
    )
    print("|---|---:|---:|---:|")
    for model in args.models:
        single = run(model, root, "single", [])
        parallel = run(model, root, "ddp", ddp)
        print(
            f"| {model} | {single[0]:.1f} s / {single[1]:.1f} s | {parallel[0]:.1f} s / "
            f"{parallel[1]:.1f} s | {parallel[0] / single[0]:.2f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
