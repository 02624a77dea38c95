"""The training objectives against their textbook definitions, computed independently.

GAN losses are checked against Bernoulli log-likelihoods (torch.distributions), the hinge
definition (its values on hand-picked logits are in test_options.py) and the relativistic
pairing loss's softplus of paired differences; the VAE's ELBO terms
against torch.distributions' Bernoulli likelihood and closed-form Gaussian KL. A sign or target
mistake here still trains, just badly: only a comparison with the definition catches it.
"""

import numpy as np
import pytest
import torch
from test_learning import build, fixed_batch
from torch.distributions import Bernoulli, Normal, kl_divergence

from genlab.models.gan_module import GANModule, discriminator_loss, generator_loss
from genlab.models.vae_module import VAEModule


def logits(seed: int, n: int = 64) -> torch.Tensor:
    """Spread-out float64 logits, so every term of a loss matters."""
    return 3 * torch.randn(n, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)


def bce_d_reference(real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    """-E[log D(x)] - E[log(1 - D(G(z)))]: D's Bernoulli NLL with label 1 on real, 0 on fake."""
    real_ll = Bernoulli(logits=real).log_prob(torch.ones_like(real))
    fake_ll = Bernoulli(logits=fake).log_prob(torch.zeros_like(fake))
    return -real_ll.mean() - fake_ll.mean()


def bce_g_reference(fake: torch.Tensor) -> torch.Tensor:
    """The non-saturating generator loss -E[log D(G(z))] (Goodfellow et al. 2014, sec. 3)."""
    return -Bernoulli(logits=fake).log_prob(torch.ones_like(fake)).mean()


def hinge_d_reference(real: torch.Tensor, fake: torch.Tensor) -> float:
    r, f = real.detach().numpy(), fake.detach().numpy()
    return float(np.mean(np.maximum(0.0, 1.0 - r)) + np.mean(np.maximum(0.0, 1.0 + f)))


# -- GAN losses as functions ------------------------------------------------------------------


def test_bce_discriminator_loss_is_the_bernoulli_nll_of_real_1_and_fake_0() -> None:
    """Swapped targets would still give a symmetric-looking number: compare with the NLL."""
    real, fake = logits(0) + 1, logits(1) - 1
    got = discriminator_loss("bce", real, fake)
    assert got.item() == pytest.approx(bce_d_reference(real, fake).item(), rel=1e-12)


def test_bce_generator_loss_is_non_saturating() -> None:
    """G minimises -log D(G(z)), not log(1 - D(G(z))): when D confidently rejects the fakes,
    the gradient per logit stays near -1/N instead of vanishing."""
    fake = logits(2)
    assert generator_loss("bce", fake).item() == pytest.approx(
        bce_g_reference(fake).item(), rel=1e-12
    )
    rejected = torch.full((50,), -10.0, dtype=torch.float64, requires_grad=True)
    generator_loss("bce", rejected).backward()
    expected = -(1 - torch.sigmoid(rejected.detach())) / len(rejected)  # d/dl of -log sigmoid
    assert torch.allclose(rejected.grad, expected, rtol=1e-10)
    assert rejected.grad.abs().min() > 0.9 / len(rejected)


@pytest.mark.parametrize("loss", ["bce", "hinge", "rpgan"])
def test_losses_point_the_right_way(loss: str) -> None:
    """A D that scores real +8 and fake -8 has won: its loss is ~0 and G's is large. Scoring
    the other way round reverses both: catches swapped real/fake targets or signs."""
    high = torch.full((16,), 8.0, dtype=torch.float64)
    winning_d = discriminator_loss(loss, real_logits=high, fake_logits=-high).item()
    losing_g = generator_loss(loss, fake_logits=-high, real_logits=high).item()
    assert winning_d < 0.01
    assert losing_g > 5
    fooled_d = discriminator_loss(loss, real_logits=-high, fake_logits=high).item()
    winning_g = generator_loss(loss, fake_logits=high, real_logits=-high).item()
    assert fooled_d > 10
    assert winning_g < 0.01


def test_rpgan_losses_are_softplus_of_the_paired_logit_differences() -> None:
    """R3GAN's Trainer.py: D minimises softplus(-(D(x_i) - D(G(z_i)))), G softplus(-(D(G(z_i))
    - D(x_i))), each real image paired with the generated image at its place in the batch.
    Pairing all against all, or a swapped difference, gives other numbers on these logits."""
    real = torch.tensor([2.0, -1.0, 0.5], dtype=torch.float64)
    fake = torch.tensor([0.5, 1.0, -3.0], dtype=torch.float64)
    r, f = real.numpy(), fake.numpy()
    expected_d = float(np.mean(np.log1p(np.exp(-(r - f)))))  # (1.5, -2, 3.5)
    expected_g = float(np.mean(np.log1p(np.exp(-(f - r)))))
    assert discriminator_loss("rpgan", real, fake).item() == pytest.approx(expected_d, rel=1e-12)
    assert generator_loss("rpgan", fake, real).item() == pytest.approx(expected_g, rel=1e-12)
    all_pairs = float(np.mean(np.log1p(np.exp(-(r[:, None] - f[None, :])))))
    assert abs(expected_d - all_pairs) > 0.1


# -- GAN losses through the module ------------------------------------------------------------


@pytest.mark.parametrize("loss", ["bce", "hinge", "rpgan"])
def test_gan_module_losses_are_the_definitions_on_its_discriminator_logits(loss: str) -> None:
    """The module must give D's real-image logits the 'real' target and its generated-image
    logits the 'fake' one, and G the logits of its own images."""
    torch.manual_seed(0)
    gan: GANModule = build("dcgan", f"model.loss={loss}").double()
    real = fixed_batch(16)[0].double()
    fake = gan.generator(torch.randn(16, gan.latent_dim, dtype=torch.float64)).detach()
    with torch.no_grad():
        # Train mode, as in a step: BatchNorm uses each call's batch, real and fake apart.
        real_logits, fake_logits = gan.discriminator(real), gan.discriminator(fake)
        d_loss = gan._discriminator_loss(real, fake).item()
        g_loss = gan._generator_loss(fake, None, real).item()
    if loss == "bce":
        expected_d = bce_d_reference(real_logits, fake_logits).item()
        expected_g = bce_g_reference(fake_logits).item()
    elif loss == "rpgan":  # each real image against the generated one at its place
        gap = (real_logits - fake_logits).numpy()
        expected_d = float(np.mean(np.log1p(np.exp(-gap))))
        expected_g = float(np.mean(np.log1p(np.exp(gap))))
    else:
        expected_d = hinge_d_reference(real_logits, fake_logits)
        expected_g = -float(np.mean(fake_logits.numpy()))
    assert d_loss == pytest.approx(expected_d, rel=1e-10)
    assert g_loss == pytest.approx(expected_g, rel=1e-10)


# -- the VAE's ELBO ---------------------------------------------------------------------------

BETA = 2.5
SEED = 1234


@pytest.fixture
def vae() -> VAEModule:
    """A float64 VAE with beta != 1, its posterior moved off N(0, 1) (mu ~ 1, sigma ~ 0.2) so
    that a wrong std or KL factor changes the numbers by far more than rounding."""
    torch.manual_seed(0)
    model: VAEModule = build("vae", f"model.beta={BETA}").double()
    d = model.latent_dim
    with torch.no_grad():
        model.encoder.to_stats.bias[:d] += 1.0
        model.encoder.to_stats.bias[d:] -= 3.0
    return model


def elbo_reference(vae: VAEModule, images: torch.Tensor) -> tuple[float, float]:
    """(reconstruction NLL, KL) per image from torch.distributions, z drawn by rsample under
    the same seed that `elbo_terms` gets (same RNG stream, independent reparametrisation)."""
    with torch.no_grad():
        mu, logvar = vae.encoder(images)
        posterior = Normal(mu, torch.exp(0.5 * logvar))  # logvar = log sigma^2
        torch.manual_seed(SEED)
        z = posterior.rsample()
        # Gray pixels are soft targets: Bernoulli's log_prob formula holds for them, only its
        # support check (values in {0, 1}) must be off.
        likelihood = Bernoulli(logits=vae.decoder(z), validate_args=False)
        n = len(images)
        recon = -likelihood.log_prob((images + 1) / 2).sum() / n
        kl = kl_divergence(posterior, Normal(0.0, 1.0)).sum() / n
    return recon.item(), kl.item()


def gray_images(n: int = 8) -> torch.Tensor:
    """Images in [-1, 1] with gray levels: a [-1, 1] -> [0, 1] mapping error shows on them."""
    return torch.rand(n, 1, 28, 28, generator=torch.Generator().manual_seed(5)).double() * 2 - 1


def elbo_terms(vae: VAEModule, images: torch.Tensor) -> dict[str, float]:
    torch.manual_seed(SEED)
    with torch.no_grad():
        return {k: v.item() for k, v in vae.elbo_terms(images).items()}


def test_vae_reconstruction_is_the_bernoulli_nll_at_a_reparametrised_z(vae: VAEModule) -> None:
    """z = mu + sigma * eps with sigma = exp(logvar / 2), and pixels in [-1, 1] mapped to the
    Bernoulli's [0, 1]."""
    images = gray_images()
    recon, _ = elbo_reference(vae, images)
    assert elbo_terms(vae, images)["recon"] == pytest.approx(recon, rel=1e-10)


def test_vae_kl_is_the_gaussian_kl_to_the_standard_normal(vae: VAEModule) -> None:
    images = gray_images()
    _, kl = elbo_reference(vae, images)
    assert kl > 1  # far enough from the prior for a factor to show
    assert elbo_terms(vae, images)["kl"] == pytest.approx(kl, rel=1e-10)


def test_vae_loss_weights_the_kl_by_beta(vae: VAEModule) -> None:
    """The beta-VAE objective (Higgins et al. 2017): recon + beta * KL, beta from the config."""
    images = gray_images()
    recon, kl = elbo_reference(vae, images)
    assert vae.hparams.beta == BETA
    assert elbo_terms(vae, images)["loss"] == pytest.approx(recon + BETA * kl, rel=1e-10)
