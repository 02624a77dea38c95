"""DataLoader worker processes, set by measurement: one training epoch with
`data.num_workers` = 0, 1, 2, and the loader's batches/s alone.

    python benchmarks/loader_workers.py [--models gan vae] [--workers 0 1 2] [--rounds 2]

The prepared dataset is one uint8 tensor in memory and a batch is one indexing op
(`UInt8ImageDataset.__getitems__`), so a worker process only adds inter-process copies, and on
a 2-core machine it takes a core from the training step. Runs alternate between settings;
the figure is each setting's median epoch time over the in-process loader's (num_workers=0).
"""

import argparse
import statistics
import tempfile
from pathlib import Path

from timing import epoch_seconds, loader_batches_per_second, machine


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=["gan", "vae"])
    parser.add_argument("--workers", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="genlab-bench-workers-"))
    print(f"# {machine()}")
    rates = {w: loader_batches_per_second(f"data.num_workers={w}") for w in args.workers}
    print("| num_workers | loader alone, batches/s |")
    print("|---:|---:|")
    for workers, rate in rates.items():
        print(f"| {workers} | {rate:.0f} |")
    print()
    print("| model | " + " | ".join(f"epoch, {w} workers" for w in args.workers) + " |")
    print("|---|" + "---:|" * len(args.workers))
    for model in args.models:
        times: dict[int, list[float]] = {w: [] for w in args.workers}
        for round_ in range(args.rounds):
            for workers in args.workers:
                name = f"{model}-{workers}-{round_}"
                overrides = (f"model={model}", f"data.num_workers={workers}")
                times[workers].append(epoch_seconds(root, name, *overrides))
        base = statistics.median(times[args.workers[0]])
        cells = [
            f"{statistics.median(t):.1f} s ({statistics.median(t) / base:.2f})"
            for t in times.values()
        ]
        print(f"| {model} | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
