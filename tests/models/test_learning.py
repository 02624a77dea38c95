"""Each model learns on a fixed batch: its losses move the right way under real steps."""

import pytorch_lightning as pl
import torch
from hydra.utils import instantiate
from torch.utils.data import DataLoader, TensorDataset

from compose import compose_config


def build(model: str, *overrides: str, **kwargs) -> pl.LightningModule:
    return instantiate(compose_config("train", [f"model={model}", *overrides]).model, **kwargs)


def fixed_batch(n: int = 32) -> tuple[torch.Tensor, torch.Tensor]:
    torch.manual_seed(0)
    # Two blob "digits": a real structure for the model to learn.
    images = -torch.ones(n, 1, 28, 28)
    images[: n // 2, :, 6:22, 10:18] = 1
    images[n // 2 :, :, 10:18, 6:22] = 1
    return images, torch.arange(n) % 10  # labels for the conditional models


def fit_steps(
    module: pl.LightningModule, steps: int, *callbacks: pl.Callback, batch_size: int = 32
) -> pl.Trainer:
    loader = DataLoader(TensorDataset(*fixed_batch()), batch_size=batch_size)
    trainer = pl.Trainer(
        max_steps=steps,
        max_epochs=-1,
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        limit_val_batches=0,
        callbacks=list(callbacks),
    )
    trainer.fit(module, loader)
    return trainer


def test_vae_training_lowers_its_elbo_loss() -> None:
    torch.manual_seed(0)
    vae = build("vae")
    images, _ = fixed_batch()
    before = vae.elbo_terms(images)["loss"].item()
    fit_steps(vae, steps=30)
    torch.manual_seed(0)
    after = vae.elbo_terms(images)
    assert after["loss"].item() < 0.7 * before
    assert after["kl"].item() > 0  # the posterior moved away from the prior


def test_gan_steps_update_both_networks_with_finite_losses() -> None:
    torch.manual_seed(0)
    gan = build("gan")
    g_before = [p.detach().clone() for p in gan.generator.parameters()]
    d_before = [p.detach().clone() for p in gan.discriminator.parameters()]
    fit_steps(gan, steps=6)  # global_step counts both optimizers: 3 batches
    assert all(
        not torch.equal(a, b) for a, b in zip(g_before, gan.generator.parameters(), strict=True)
    )
    assert all(
        not torch.equal(a, b) for a, b in zip(d_before, gan.discriminator.parameters(), strict=True)
    )


def test_discriminator_step_lowers_d_loss_and_generator_step_lowers_g_loss() -> None:
    torch.manual_seed(0)
    gan = build("dcgan")
    real, _ = fixed_batch()
    z = torch.randn(32, gan.latent_dim)
    opt_g, opt_d = gan.configure_optimizers()

    def d_loss() -> torch.Tensor:
        return gan._discriminator_loss(real, gan.generator(z).detach())

    def g_loss() -> torch.Tensor:
        return gan._generator_loss(gan.generator(z))

    start = d_loss().item()
    for _ in range(5):
        opt_d.zero_grad()
        d_loss().backward()
        opt_d.step()
    assert d_loss().item() < start

    start = g_loss().item()
    for _ in range(5):
        opt_g.zero_grad()
        g_loss().backward()
        opt_g.step()
    assert g_loss().item() < start
