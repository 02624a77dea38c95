"""CPU settings for a training step, each against the default step, in lockstep.

    python benchmarks/step_cpu.py [--models gan dcgan vae] [--steps 120]

Two copies of the bare training loop (framework_overhead.BareLoop, channels-last as training
has it) alternate step by step: the default and one setting. The figure is the median of the
per-pair ratios of time per image, setting / default, so the machine's drift cancels. A
setting that is process-wide in torch (threads, denormals) is switched on for its own steps
only and back off after each.
- `1 thread`: torch.set_num_threads(1) instead of the default pool (2 here);
- `foreach Adam`, `fused Adam`: torch.optim.Adam(foreach=True) / (fused=True);
- `flush denormal`: torch.set_flush_denormal(True);
- `bf16 autocast`: the step's forward passes under torch.autocast("cpu", torch.bfloat16);
- `batch 128`, `batch 256`: the cost per image of a larger batch.
"""

import argparse
import contextlib
import statistics
import time
from collections.abc import Callable, Iterator

import torch
from framework_overhead import BATCH, BareLoop, real_digits
from timing import lockstep, machine
from torch.utils.data import DataLoader, TensorDataset

from genlab.utils.resolvers import default_precision


class Loop(BareLoop):
    """A bare loop with its own batch size, optimizer arguments and step context."""

    def __init__(
        self,
        model: str,
        data: TensorDataset,
        batch: int = BATCH,
        adam: dict | None = None,
        context: Callable[[], contextlib.AbstractContextManager] = contextlib.nullcontext,
    ) -> None:
        super().__init__(model, data)
        self.batch, self.context = batch, context
        self.module.to(memory_format=torch.channels_last)
        if adam:
            optimizers = self.optimizers if isinstance(self.optimizers, list) else [self.optimizers]
            rebuilt = [
                torch.optim.Adam(group["params"], **{**defaults(opt), **adam})
                for opt in optimizers
                for group in opt.param_groups
            ]
            self.optimizers = rebuilt if isinstance(self.optimizers, list) else rebuilt[0]

    def next_batch(self) -> torch.Tensor:
        try:
            return next(self.batches)[0]
        except StopIteration:
            self.batches: Iterator = iter(
                DataLoader(self.data, batch_size=self.batch, shuffle=True, drop_last=True)
            )
            return next(self.batches)[0]

    def step(self) -> None:
        with self.context():
            super().step()


def defaults(optimizer: torch.optim.Optimizer) -> dict:
    group = optimizer.param_groups[0]
    return {"lr": group["lr"], "betas": group["betas"]}


@contextlib.contextmanager
def threads(count: int) -> Iterator[None]:
    before = torch.get_num_threads()
    torch.set_num_threads(count)
    try:
        yield
    finally:
        torch.set_num_threads(before)


@contextlib.contextmanager
def flush_denormal() -> Iterator[None]:
    torch.set_flush_denormal(True)
    try:
        yield
    finally:
        torch.set_flush_denormal(False)


def bf16() -> contextlib.AbstractContextManager:
    return torch.autocast("cpu", dtype=torch.bfloat16)


SETTINGS: dict[str, dict] = {
    "1 thread": {"context": lambda: threads(1)},
    "foreach Adam": {"adam": {"foreach": True}},
    "fused Adam": {"adam": {"fused": True}},
    "flush denormal": {"context": flush_denormal},
    "bf16 autocast": {"context": bf16},
    "batch 128": {"batch": 128},
    "batch 256": {"batch": 256},
}


def per_image_ratio(model: str, setting: str, data: TensorDataset, steps: int):
    default, other = Loop(model, data), Loop(model, data, **SETTINGS[setting])
    for _ in range(5):  # warm-up: oneDNN picks its kernels on the first steps
        default.step()
        other.step()
    pairs = lockstep(default.step, other.step, steps)
    base = statistics.median(a for a, _ in pairs) / default.batch
    optioned = statistics.median(b for _, b in pairs) / other.batch
    ratio = statistics.median((b / other.batch) / (a / default.batch) for a, b in pairs)
    return base, optioned, ratio


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=["gan", "dcgan", "vae"])
    parser.add_argument("--settings", nargs="+", default=list(SETTINGS))
    parser.add_argument("--steps", type=int, default=120)
    args = parser.parse_args()
    data = real_digits()
    bf16_cpu = default_precision() == "bf16-mixed"
    print(f"# {machine()}, {torch.get_num_threads()} threads, {args.steps} pairs")
    print(f"# CPU has bf16 arithmetic: {bf16_cpu}; {time.strftime('%Y-%m-%d')}")
    print("| model | setting | default µs/image | setting µs/image | setting / default |")
    print("|---|---|---:|---:|---:|")
    for model in args.models:
        for setting in args.settings:
            base, other, ratio = per_image_ratio(model, setting, data, args.steps)
            print(
                f"| {model} | {setting} | {base * 1e6:.0f} | {other * 1e6:.0f} | {ratio:.3f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
