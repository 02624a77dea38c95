"""How close a model's training step comes to the machine's matrix rate: a plain 1024x1024
matmul's FLOP/s (fp32 and bf16), then each model's training step (D step + G step) in fp32 and
bf16 autocast, NCHW and channels-last, its FLOPs and its achieved FLOP/s as a share of the
matmul's in the same precision, all in one process and one run.

    python benchmarks/run.py step_flops                      # dcgan and r3gan
    python benchmarks/run.py step_flops --models dcgan r3gan flow --steps 40

Question: does the residual network's step (grouped and 1x1 convolutions) use the CPU as well
as the DCGAN's, and which of channels-last and bf16 autocast pays for each model?
Figure: BENCHMARKS.md, "Step FLOP/s against a plain matmul" (target: r3gan >= 30 % of the
matmul's FLOP/s).

The step is GANModule's own, run by a real Trainer (`trainer.fit`) on random images of the
dataset's shape with 10 labels, as the recipes condition on 10 clusters; the precision is set
the way conf/trainer/cpu.yaml sets it (the Trainer's `precision`), channels-last by genlab's
own callback. FLOPs come from `torch.utils.flop_counter.FlopCounterMode` over a whole fit of a
few batches, divided by the batches. Its module tracker cannot follow `autograd.grad` on a leaf
(pytorch/pytorch#131753), which R1 and R2 take, so the table's step is the adversarial one, R1
and R2 off, timed and counted alike; a last line per model times the step with its config's
R1/R2 at the fastest setting. Run it with nothing else on the machine: a second process cuts
every figure.
"""

import argparse
import statistics
import time

MATMUL_SIZE = 1024
BATCH = 64
PENALTIES = ("r1_gamma", "r2_gamma")


def matmul_flops_per_second(dtype_name: str, repeats: int = 30) -> float:
    import torch

    dtype = getattr(torch, dtype_name)
    a = torch.randn(MATMUL_SIZE, MATMUL_SIZE).to(dtype)
    b = torch.randn(MATMUL_SIZE, MATMUL_SIZE).to(dtype)
    for _ in range(3):
        a @ b
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        a @ b
        samples.append(time.perf_counter() - start)
    return 2 * MATMUL_SIZE**3 / statistics.median(samples)


def penalties_off(model: str, overrides: list[str]) -> list[str]:
    """`overrides` with the model's R1 and R2 (where it has them) set to 0."""
    from timing import compose_config

    options = compose_config("train", [f"model={model}", *overrides]).model
    return [*overrides, *(f"model.{key}=0.0" for key in PENALTIES if key in options)]


def build_module(model: str, overrides: list[str]):
    from hydra.utils import instantiate
    from timing import compose_config

    cfg = compose_config("train", [f"model={model}", *overrides])
    module = instantiate(cfg.model, conditional=True, num_classes=10)
    return module, (cfg.data.channels, cfg.data.image_size, cfg.data.image_size)


def random_loader(shape: tuple[int, int, int], batches: int):
    import torch
    from torch.utils.data import DataLoader, TensorDataset

    images = torch.rand(BATCH * batches, *shape) * 2 - 1
    labels = torch.randint(0, 10, (len(images),))
    return DataLoader(TensorDataset(images, labels), BATCH)


def fit(module, loader, precision: str, callbacks: list) -> None:
    import pytorch_lightning as pl

    trainer = pl.Trainer(
        accelerator="cpu",
        devices=1,
        precision=precision,
        max_epochs=1,
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        limit_val_batches=0,
        callbacks=callbacks,
    )
    trainer.fit(module, loader)


def step_flops(model: str, overrides: list[str], batches: int) -> float:
    """FLOPs of one training batch, averaged over `batches` batches of a real fit."""
    from torch.utils.flop_counter import FlopCounterMode

    module, shape = build_module(model, overrides)
    with FlopCounterMode(display=False) as counter:
        fit(module, random_loader(shape, batches), "32-true", [])
    return counter.get_total_flops() / batches


def step_seconds(model: str, overrides: list[str], precision: str, channels_last: bool, steps: int):
    """Median seconds of a training batch after 3 warm-up batches."""
    import pytorch_lightning as pl

    from genlab.callbacks.speed import ChannelsLast

    class Clock(pl.Callback):
        def __init__(self) -> None:
            self.start, self.samples = 0.0, []

        def on_train_batch_start(self, trainer, pl_module, batch, batch_idx: int) -> None:
            self.start = time.perf_counter()

        def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx: int) -> None:
            if batch_idx >= 3:
                self.samples.append(time.perf_counter() - self.start)

    module, shape = build_module(model, overrides)
    clock = Clock()
    callbacks = [clock, ChannelsLast()] if channels_last else [clock]
    fit(module, random_loader(shape, steps + 3), precision, callbacks)
    return statistics.median(clock.samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=["dcgan", "r3gan"])
    parser.add_argument("--steps", type=int, default=30, help="timed batches per setting")
    parser.add_argument(
        "--override", action="append", default=[], help="a Hydra override for every model"
    )
    args = parser.parse_args()
    import logging
    import warnings

    import pytorch_lightning  # noqa: F401  (it sets its loggers' level on import)
    from timing import machine

    logging.getLogger("pytorch_lightning").setLevel(logging.ERROR)  # the table, not fit's notes
    warnings.filterwarnings("ignore")

    print(machine())
    peak = {"32-true": matmul_flops_per_second("float32")}
    peak["bf16-mixed"] = matmul_flops_per_second("bfloat16")
    print(
        f"matmul {MATMUL_SIZE}x{MATMUL_SIZE}: fp32 {peak['32-true'] / 1e9:.0f} GFLOP/s, "
        f"bf16 {peak['bf16-mixed'] / 1e9:.0f} GFLOP/s"
    )
    print("\n| model | precision | channels-last | GFLOP/step | ms/step | GFLOP/s | of matmul |")
    print("|---|---|---|---:|---:|---:|---:|")
    fastest: dict[str, tuple[float, str, bool]] = {}
    for model in args.models:
        adversarial = penalties_off(model, args.override)
        flops = step_flops(model, adversarial, batches=4)
        for precision in ("32-true", "bf16-mixed"):
            for channels_last in (False, True):
                seconds = step_seconds(model, adversarial, precision, channels_last, args.steps)
                rate = flops / seconds
                fastest[model] = min(
                    fastest.get(model, (seconds, precision, channels_last)),
                    (seconds, precision, channels_last),
                )
                print(
                    f"| {model} | {precision} | {channels_last} | {flops / 1e9:.2f} | "
                    f"{seconds * 1e3:.1f} | {rate / 1e9:.0f} | {rate / peak[precision]:.0%} |",
                    flush=True,
                )
    print()
    for model, (seconds, precision, channels_last) in fastest.items():
        with_penalties = step_seconds(model, args.override, precision, channels_last, args.steps)
        print(
            f"{model} with its config's R1/R2, {precision}, channels-last {channels_last}: "
            f"{with_penalties * 1e3:.1f} ms/step ({with_penalties / seconds:.2f}x the adversarial "
            "step)",
            flush=True,
        )


if __name__ == "__main__":
    main()
