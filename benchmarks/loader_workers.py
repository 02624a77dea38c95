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
import time
from pathlib import Path

from hydra.utils import instantiate
from timing import compose_config, machine, run_train


def epoch_seconds(model: str, workers: int, root: Path, tag: str) -> float:
    clock = root / f"{model}-{workers}-{tag}.txt"
    run_train(
        f"model={model}",
        f"data.num_workers={workers}",
        "trainer.max_epochs=1",
        "trainer.enable_progress_bar=false",
        f"hydra.run.dir={root}/{model}-{workers}-{tag}",
        "+callbacks.clock._target_=epoch_clock.EpochClock",
        f"+callbacks.clock.path={clock}",
    )
    return float(clock.read_text())


def loader_batches_per_second(workers: int, epochs: int = 3) -> float:
    cfg = compose_config("train", [f"data.num_workers={workers}"])
    datamodule = instantiate(cfg.data)
    datamodule.prepare_data()
    datamodule.setup("fit")
    loader = datamodule.train_dataloader()
    for _ in loader:  # warm-up (starts the persistent workers)
        pass
    start, batches = time.perf_counter(), 0
    for _ in range(epochs):
        for _ in loader:
            batches += 1
    return batches / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=["gan", "vae"])
    parser.add_argument("--workers", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="genlab-bench-workers-"))
    print(f"# {machine()}")
    rates = {w: loader_batches_per_second(w) for w in args.workers}
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
                times[workers].append(epoch_seconds(model, workers, root, str(round_)))
        base = statistics.median(times[args.workers[0]])
        cells = [
            f"{statistics.median(t):.1f} s ({statistics.median(t) / base:.2f})"
            for t in times.values()
        ]
        print(f"| {model} | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
