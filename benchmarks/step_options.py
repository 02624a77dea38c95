"""Speed options for the convolutional models, each against the default step, in lockstep.

    python benchmarks/step_options.py [--models dcgan vae] [--steps 200]

Two copies of the same bare training loop (framework_overhead.BareLoop) alternate step by
step: the default (NCHW, eager) and one option. The figure is the median of the per-pair
step-time ratios, option / default, so the machine's drift cancels.
- channels_last: the networks' 4-D weights in NHWC order (inputs stay as they come: a conv with
  an NHWC weight gives an NHWC output, and 1-channel images are the same bytes either way).
- compile: `nn.Module.compile()` on each network (TorchInductor's C++ CPU backend); its
  one-off compile time is reported apart.
"""

import argparse
import statistics
import time

import torch
from framework_overhead import WARMUP, BareLoop, real_digits
from timing import machine


def networks(loop: BareLoop) -> list[torch.nn.Module]:
    module = loop.module
    return (
        [module.encoder, module.decoder]
        if loop.model == "vae"
        else [
            module.generator,
            module.discriminator,
        ]
    )


def with_option(loop: BareLoop, option: str) -> float:
    """Apply `option`; the seconds its first steps took (compilation happens there)."""
    if option == "channels_last":
        loop.module.to(memory_format=torch.channels_last)
    elif option == "compile":
        for network in networks(loop):
            network.compile()
    start = time.perf_counter()
    for _ in range(WARMUP):
        loop.step()
    return time.perf_counter() - start


def paired_ratio(model: str, option: str, data, steps: int) -> tuple[float, float, float, float]:
    default, optioned = BareLoop(model, data), BareLoop(model, data)
    with_option(default, "none")
    warmup = with_option(optioned, option)
    pairs = []
    for _ in range(steps):
        start = time.perf_counter()
        default.step()
        middle = time.perf_counter()
        optioned.step()
        pairs.append((middle - start, time.perf_counter() - middle))
    base, other = zip(*pairs, strict=True)
    ratio = statistics.median(b / a for a, b in pairs)
    return statistics.median(base), statistics.median(other), ratio, warmup


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=["dcgan", "vae"])
    parser.add_argument("--options", nargs="+", default=["channels_last", "compile"])
    parser.add_argument("--steps", type=int, default=200)
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


if __name__ == "__main__":
    main()
