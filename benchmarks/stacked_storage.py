"""Stacked MNIST's storage: prepared stacks (what genlab does) against stacking on the fly.

Question: should data=stacked_mnist store its 128,000 stacks as prepared uint8 tensors, or only
the digit triples (indices into mnist5k's 4,000 training digits) and stack each batch when it is
drawn? Measures memory (bytes held and on disk) and the time to assemble a training batch of 64
both ways, from the same seeded indices, in one run.
Figure: BENCHMARKS.md, "Stacked MNIST storage".

    python benchmarks/run.py stacked_storage [--batches 2000]
"""

import argparse
import tempfile
import time
from pathlib import Path

import torch

from genlab.data.prepared import read_split, write_prepared
from genlab.data.sources import Mnist5kSource, StackedMnistSource
from genlab.data.sources.stacked_mnist import stack_digits
from genlab.utils.pixels import from_uint8

BATCH = 64


def timed_batches(assemble, batches: int, size: int) -> float:
    """Seconds per batch of `assemble(index)` over `batches` seeded random batches."""
    generator = torch.Generator().manual_seed(0)
    order = [torch.randint(size, (BATCH,), generator=generator) for _ in range(batches)]
    start = time.perf_counter()
    for index in order:
        assemble(index)
    return (time.perf_counter() - start) / batches


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=2000)
    args = parser.parse_args()
    torch.set_num_threads(1)  # as the training process's loader runs: in-process

    source = StackedMnistSource()
    start = time.perf_counter()
    prepared = source.load()
    build = time.perf_counter() - start
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        write_prepared(prepared, folder, "stacked_mnist", {"bench": True})
        write = time.perf_counter() - start
        disk = sum(f.stat().st_size for f in Path(folder).iterdir())
        stacks, _ = read_split(folder, "train")  # memory-mapped, as the datamodule reads it
        per_prepared = timed_batches(lambda i: from_uint8(stacks[i]), args.batches, len(stacks))

        digits, labels = Mnist5kSource().load().splits["train"]
        _, modes = stack_digits(digits, labels, len(stacks), torch.Generator().manual_seed(0))
        # On the fly: per stack, the index of each channel's digit (what a triples store holds).
        picks = torch.randint(len(digits), (len(stacks), 3), generator=torch.Generator())
        flat = digits[:, 0]

        def on_the_fly(index: torch.Tensor) -> torch.Tensor:
            return from_uint8(flat[picks[index].flatten()].reshape(len(index), 3, 28, 28))

        per_fly = timed_batches(on_the_fly, args.batches, len(stacks))

    held_prepared = stacks.numel() * stacks.element_size()
    held_fly = picks.numel() * picks.element_size() + digits.numel() + modes.numel() * 8
    print(f"build 128,000 + 26,000 stacks: {build:.2f} s; write prepared: {write:.2f} s")
    print(f"prepared: {held_prepared / 2**20:.0f} MiB of training stacks, {disk / 2**20:.0f} MiB")
    print(f"  on disk (train + val); {per_prepared * 1e6:.0f} us per batch of {BATCH}")
    print(f"on the fly: {held_fly / 2**20:.1f} MiB (digits + triples); {per_fly * 1e6:.0f} us")
    print(f"  per batch of {BATCH}; ratio prepared / on the fly: {per_prepared / per_fly:.2f}")


if __name__ == "__main__":
    main()
