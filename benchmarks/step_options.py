"""Speed options for the convolutional models, each against the default step, in lockstep.

    python benchmarks/step_options.py [--models dcgan vae] [--steps 200]

Two copies of the same bare training loop (framework_overhead.BareLoop) alternate step by
step: the default (NCHW, eager) and one option. The figure is the median of the per-pair
step-time ratios, option / default, so the machine's drift cancels.
- channels_last: the networks' 4-D weights in NHWC order (inputs stay as they come: a conv with
  an NHWC weight gives an NHWC output, and 1-channel images are the same bytes either way).
- compile: `nn.Module.compile()` on each network (TorchInductor's C++ CPU backend); its
  one-off compile time is reported apart.
Each option is applied by its callback (genlab/callbacks/speed.py), as training does. Then
whole `train.py` epochs with channels_last on and off, runs alternating.
"""

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import pytorch_lightning as pl
import torch
from framework_overhead import WARMUP, BareLoop, real_digits
from timing import epoch_seconds, lockstep, machine

from genlab.callbacks.speed import ChannelsLast, CompileNetworks

OPTIONS: dict[str, pl.Callback] = {
    "channels_last": ChannelsLast(),
    "compile": CompileNetworks(enabled=True),
    "none": ChannelsLast(enabled=False),
}


def with_option(loop: BareLoop, option: str) -> float:
    """Apply `option` as training does (the callback's `setup`); the seconds its first steps
    took (compilation happens there)."""
    OPTIONS[option].setup(None, loop.module, "fit")
    start = time.perf_counter()
    for _ in range(WARMUP):
        loop.step()
    return time.perf_counter() - start


def channels_last_epoch_ratio(model: str, rounds: int, root: Path) -> float:
    """One `train.py` epoch with channels_last over one without, runs alternating."""
    ratios = []
    for round_ in range(rounds):
        off, on = (
            epoch_seconds(
                root,
                f"{model}-{flag}-{round_}",
                f"model={model}",
                f"callbacks.channels_last.enabled={flag}",
            )
            for flag in ("false", "true")
        )
        ratios.append(on / off)
    return statistics.median(ratios)


def paired_ratio(model: str, option: str, data, steps: int) -> tuple[float, float, float, float]:
    default, optioned = BareLoop(model, data), BareLoop(model, data)
    with_option(default, "none")
    warmup = with_option(optioned, option)
    pairs = lockstep(default.step, optioned.step, steps)
    base, other = zip(*pairs, strict=True)
    ratio = statistics.median(b / a for a, b in pairs)
    return statistics.median(base), statistics.median(other), ratio, warmup


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=["dcgan", "vae"])
    parser.add_argument("--options", nargs="+", default=["channels_last", "compile"])
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--epoch-rounds", type=int, default=3)
    args = parser.parse_args()
    data = real_digits()
    print(f"# {machine()}, {torch.get_num_threads()} threads, {args.steps} pairs")
    print("| model | option | default ms/step | option ms/step | ratio | first 10 steps |")
    print("|---|---|---:|---:|---:|---:|")
    for model in args.models:
        for option in args.options:
            base, other, ratio, warmup = paired_ratio(model, option, data, args.steps)
            print(
                f"| {model} | {option} | {base * 1e3:.1f} | {other * 1e3:.1f} | {ratio:.3f} "
                f"| {warmup:.1f} s |",
                flush=True,
            )
    root = Path(tempfile.mkdtemp(prefix="genlab-bench-options-"))
    print()
    print("| model | one train.py epoch, channels_last / NCHW |")
    print("|---|---:|")
    for model in args.models:
        print(f"| {model} | {channels_last_epoch_ratio(model, args.epoch_rounds, root):.2f} |")


if __name__ == "__main__":
    main()
