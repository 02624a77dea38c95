"""Training throughput on an accelerator: images/s per model in fp32 and bf16-mixed, with and
without torch.compile, at batch 64 and a larger batch; one epoch's time; and the DCGAN step's
achieved FLOP/s against the card's bf16 matrix rate. Part of benchmarks/gpu_check.sh.

    python benchmarks/gpu_throughput.py --accelerator gpu --peak-tflops 989
    python benchmarks/gpu_throughput.py --accelerator cpu --steps 6     # try it on the CPU

Timed with the real LightningModules and Trainer on random images of mnist5k's shape: the
data loader is not what is measured.

Question: How fast does each model train on a GPU, in which precision and batch, and what share
of the card's matrix rate does the DCGAN step reach?
Figure: BENCHMARKS.md, "GPU: NVIDIA H200".
"""

import argparse
import time

import pytorch_lightning as pl
import torch
from step_flops import BATCH
from timing import compose_config
from torch.utils.data import DataLoader, TensorDataset


class StepClock(pl.Callback):
    """Wall time of the training batches after `warmup` of them (compilation, cuDNN search)."""

    def __init__(self, warmup: int) -> None:
        self.warmup, self.seen, self.start, self.seconds, self.images = warmup, 0, 0.0, 0.0, 0

    def _sync(self) -> None:
        if torch.cuda.is_available():
            torch.cuda.synchronize()

    def on_train_batch_start(self, trainer, pl_module, batch, batch_idx: int) -> None:
        if self.seen == self.warmup:
            self._sync()
            self.start = time.perf_counter()

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx: int) -> None:
        self.seen += 1
        if self.seen > self.warmup:
            self.images += len(batch[0])
        if self.seen > self.warmup:
            self._sync()
            self.seconds = time.perf_counter() - self.start


def build(model: str):
    from hydra.utils import instantiate

    return instantiate(compose_config("train", [f"model={model}"]).model)


def images_per_second(
    model: str, accelerator: str, precision: str, compile_: bool, batch: int, steps: int
) -> float:
    from genlab.callbacks.speed import ChannelsLast, CompileNetworks

    torch.compiler.reset()  # each setting compiles afresh, not against dynamo's recompile limit
    module = build(model)
    images = torch.rand(batch * (steps + 3), 1, 28, 28) * 2 - 1
    loader = DataLoader(TensorDataset(images, torch.zeros(len(images), dtype=torch.long)), batch)
    clock = StepClock(warmup=3)
    trainer = pl.Trainer(
        accelerator=accelerator,
        devices=1,
        precision=precision,
        max_epochs=1,
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        limit_val_batches=0,
        callbacks=[clock, ChannelsLast(), *([CompileNetworks()] if compile_ else [])],
    )
    trainer.fit(module, loader)
    return clock.images / clock.seconds if clock.seconds else float("nan")


def dcgan_flops_per_step() -> float:
    """FLOPs of one DCGAN training batch (GANModule's own step, run by a Trainer on the CPU)."""
    from step_flops import step_flops

    return step_flops("dcgan", [], batches=4)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accelerator", default="gpu")
    parser.add_argument("--steps", type=int, default=60)
    parser.add_argument("--large-batch", type=int, default=1024)
    parser.add_argument("--peak-tflops", type=float, default=989.0, help="bf16 dense, H100/H200")
    parser.add_argument(
        "--budget-s", type=float, default=float("inf"), help="stop starting new settings after"
    )
    args = parser.parse_args()
    # Most telling settings first, so a budget cut leaves the compiled and large-batch rows out
    # rather than the baseline ones.
    settings = [
        (precision, compile_, batch)
        for compile_ in (False, True)
        for batch in (64, args.large_batch)
        for precision in ("32-true", "bf16-mixed")
    ]
    print("| model | precision | compile | batch | images/s |")
    print("|---|---|---|---:|---:|")
    best: dict[str, float] = {}
    at_64: dict[str, float] = {}  # the pipeline's batch size
    start = time.perf_counter()
    skipped = []
    for precision, compile_, batch in settings:
        for model in ("gan", "dcgan", "vae"):
            if time.perf_counter() - start > args.budget_s:
                skipped.append(f"{model} {precision} compile={compile_} batch {batch}")
                continue
            rate = images_per_second(
                model, args.accelerator, precision, compile_, batch, args.steps
            )
            key = f"{model} {precision}"
            best[key] = max(best.get(key, 0.0), rate)
            if batch == 64:
                at_64[key] = max(at_64.get(key, 0.0), rate)
            print(f"| {model} | {precision} | {compile_} | {batch} | {rate:,.0f} |", flush=True)
    if skipped:
        print(f"\nNot measured (over the {args.budget_s:.0f} s budget): " + "; ".join(skipped))
    print()
    print("One epoch of mnist5k's 3,968 training images, steps only, from the images/s above:")
    for key, rate in at_64.items():
        seconds, fastest = 3968 / rate, 3968 / best[key]
        print(f"- {key}: {seconds:.2f} s at batch 64, {fastest:.2f} s at the best batch")
    flops = dcgan_flops_per_step()
    rate = best.get("dcgan bf16-mixed", float("nan"))
    achieved = flops / BATCH * rate / 1e12
    print()
    print(
        f"DCGAN step at batch {BATCH}: {flops / 1e9:.2f} GFLOP; at the best bf16 rate, "
        f"{achieved:.2f} TFLOP/s achieved, {achieved / args.peak_tflops:.2%} of "
        f"{args.peak_tflops:.0f} TFLOP/s"
    )


if __name__ == "__main__":
    main()
