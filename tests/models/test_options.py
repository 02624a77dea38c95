"""The sample-quality options train through the real Trainer, and do what they claim: hinge
loss, spectral norm, separate learning rates, EMA weights, the mixture prior of the VAE."""

import re
from pathlib import Path
from typing import Any

import pytest
import torch
from test_learning import build, fit_steps

from genlab.app.cli import user_error
from genlab.callbacks.ema import EMA
from genlab.models.checkpoints import load_module
from genlab.models.gan_module import discriminator_loss, generator_loss
from genlab.models.vae_module import MIXTURE_KEY
from genlab.utils.errors import GenlabError


@pytest.mark.parametrize(
    "overrides",
    [
        ["model.loss=hinge"],
        ["model.loss=rpgan"],
        ["model.discriminator.spectral_norm=true"],
        ["model.lr_d=4e-4"],
        ["model.augment.policy=[color,translation,cutout]"],
        ["model.r1_gamma=1"],
    ],
    ids=["hinge", "rpgan", "spectral_norm", "ttur", "diffaugment", "r1"],
)
@pytest.mark.parametrize("model", ["gan", "dcgan"])
def test_each_gan_option_trains_both_networks(model: str, overrides: list[str]) -> None:
    torch.manual_seed(0)
    gan = build(model, *overrides)
    before = {k: v.clone() for k, v in gan.state_dict().items() if v.is_floating_point()}
    fit_steps(gan, steps=4)
    changed = {
        k for k, v in gan.state_dict().items() if k in before and not torch.equal(v, before[k])
    }
    assert all(torch.isfinite(v).all() for k, v in gan.state_dict().items() if k in changed)
    assert any(k.startswith("generator.") for k in changed)
    assert any(k.startswith("discriminator.") for k in changed)


def test_hinge_losses_follow_their_definition() -> None:
    real = torch.tensor([2.0, 0.5, -1.0])
    fake = torch.tensor([-2.0, 0.0, 1.5])
    # D: mean(relu(1 - real)) + mean(relu(1 + fake)) = (0 + 0.5 + 2) / 3 + (0 + 1 + 2.5) / 3
    assert discriminator_loss("hinge", real, fake).item() == pytest.approx(6 / 3)
    assert generator_loss("hinge", fake).item() == pytest.approx(0.5 / 3)


def test_separate_learning_rates_reach_their_optimizers() -> None:
    gan = build("dcgan", "model.lr=1e-4", "model.lr_d=4e-4")
    opt_g, opt_d = gan.configure_optimizers()
    assert opt_g.param_groups[0]["lr"] == 1e-4 and opt_d.param_groups[0]["lr"] == 4e-4
    same = build("dcgan", "model.lr=3e-4").configure_optimizers()
    assert [o.param_groups[0]["lr"] for o in same] == [3e-4, 3e-4]


def test_spectral_norm_bounds_every_discriminator_layer() -> None:
    gan = build("dcgan", "model.discriminator.spectral_norm=true")
    fit_steps(gan, steps=6)
    normed = [m for m in gan.discriminator.modules() if hasattr(m, "parametrizations")]
    assert len(normed) == 3  # two convolutions and the head (28 px)
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in gan.discriminator.modules())
    conv = gan.discriminator.features[0]
    sigma = torch.linalg.matrix_norm(conv.weight.flatten(1), ord=2)
    assert sigma.item() == pytest.approx(1.0, abs=0.05)


def test_ema_weights_are_averaged_and_are_what_sample_uses(tmp_path: Path) -> None:
    torch.manual_seed(0)
    gan = build("dcgan")
    trainer = fit_steps(gan, 10, EMA(decay=0.5))
    trainer.save_checkpoint(tmp_path / "ema.ckpt")
    # Lightning swapped the average in at the end of fit; the raw weights are kept for resume
    # in checkpoints written during fit. Rebuild the raw model from a fresh, identical run.
    torch.manual_seed(0)
    raw = build("dcgan")
    fit_steps(raw, steps=10)
    averaged = gan.generator.state_dict()
    assert any(not torch.equal(v, raw.generator.state_dict()[k]) for k, v in averaged.items())

    loaded = load_module(tmp_path / "ema.ckpt")
    z = torch.randn(8, gan.latent_dim)
    torch.testing.assert_close(loaded.generate(z), gan.generate(z))
    assert not torch.allclose(loaded.generate(z), raw.generate(z))


def test_ema_checkpoint_written_during_fit_holds_average_and_raw_weights(
    train_config, tmp_path: Path
) -> None:
    from genlab.app.train import train

    result = train(
        train_config(
            "model=dcgan", "logger=none", "callbacks.ema.enabled=true", "callbacks.ema.decay=0.5"
        )
    )
    checkpoint = torch.load(result.checkpoint, weights_only=True)
    average, raw = checkpoint["state_dict"], checkpoint["current_model_state"]
    assert average.keys() == raw.keys()
    assert any(not torch.equal(average[k], raw[k]) for k in average if "generator" in k)
    module = load_module(result.checkpoint)
    assert all(torch.equal(v, average[k]) for k, v in module.state_dict().items() if k in average)


def test_ema_before_its_start_step_leaves_the_raw_weights_in_place(
    train_config, tmp_path: Path
) -> None:
    from genlab.app.train import train

    result = train(
        train_config(
            "model=dcgan",
            "logger=none",
            "callbacks.ema.enabled=true",
            "callbacks.ema.update_starting_at_step=1000",
        )
    )
    checkpoint = torch.load(result.checkpoint, weights_only=True)
    assert "current_model_state" not in checkpoint  # no average yet: a plain checkpoint
    generator = {k: v for k, v in checkpoint["state_dict"].items() if k.startswith("generator")}
    # The raw weights were trained (not Lightning's untrained copy of the initial model).
    torch.manual_seed(42)
    untrained = build("dcgan").state_dict()
    assert any(
        not torch.equal(v, untrained[k]) for k, v in generator.items() if v.is_floating_point()
    )


@pytest.mark.parametrize(
    "averaging",
    [[], ["callbacks.ema.enabled=true", "callbacks.ema.decay=0.5"]],
    ids=["raw", "ema"],
)
def test_a_gmm_prior_vae_checkpoint_reloads_and_samples_from_its_stored_mixture(
    train_config, tmp_path: Path, averaging: list[str]
) -> None:
    """With EMA the checkpoint's state_dict is the averaged copy's, whose own mixture was never
    fitted: the stored mixture must still be the fitted one."""
    from torch.distributions import (
        Categorical,
        Independent,
        MixtureSameFamily,
        MultivariateNormal,
        Normal,
    )

    from genlab.app.train import train

    cfg = train_config(
        "model=vae", "logger=none", "model.prior=gmm", "model.prior_components=8", *averaging
    )
    result = train(cfg)
    checkpoint = torch.load(result.checkpoint, weights_only=True)
    stored = checkpoint[MIXTURE_KEY]
    assert not any(key.startswith("latent_density.") for key in checkpoint["state_dict"])
    assert stored["means"].shape == (cfg.model.prior_components, cfg.model.latent_dim)
    assert stored["weights"].sum().item() == pytest.approx(1, abs=1e-5)

    loaded = load_module(result.checkpoint)
    torch.testing.assert_close(loaded.latent_density.means, stored["means"])
    mixture = MixtureSameFamily(
        Categorical(stored["weights"]),
        MultivariateNormal(stored["means"], scale_tril=stored["scale_tril"]),
    )
    latent = cfg.model.latent_dim
    standard = Independent(Normal(torch.zeros(latent), torch.ones(latent)), 1)
    codes = loaded.sample_noise(4000, torch.Generator().manual_seed(0))
    reference = mixture.sample((4000,))
    # The draws are the mixture's: as likely under it as its own samples, and not N(0, I)'s.
    assert mixture.log_prob(codes).mean() == pytest.approx(
        mixture.log_prob(reference).mean().item(), abs=0.3
    )
    assert mixture.log_prob(codes).mean() > standard.log_prob(codes).mean() + 1
    seeded = [loaded.sample(4, generator=torch.Generator().manual_seed(1)) for _ in range(2)]
    torch.testing.assert_close(*seeded)


def test_a_checkpoint_that_kept_the_mixture_in_its_state_dict_still_loads(
    train_config, tmp_path: Path
) -> None:
    """Before 2026-12-05 the fit travelled as the mixture's torch extra state."""
    from genlab.app.train import train

    cfg = train_config("model=vae", "logger=none", "model.prior=gmm", "model.prior_components=4")
    checkpoint = torch.load(train(cfg).checkpoint, weights_only=True)
    stored = checkpoint.pop(MIXTURE_KEY)
    checkpoint["state_dict"]["latent_density._extra_state"] = stored
    torch.save(checkpoint, tmp_path / "legacy.ckpt")
    loaded = load_module(tmp_path / "legacy.ckpt")
    torch.testing.assert_close(loaded.latent_density.means, stored["means"])


def test_the_mixture_is_fitted_to_the_training_codes_at_the_end_of_fit() -> None:
    from test_learning import fixed_batch

    torch.manual_seed(0)
    vae = build("vae", "model.prior=gmm", "model.prior_components=3")
    assert not vae.latent_density.fitted  # unfitted, it samples N(0, I)
    fit_steps(vae, 3)
    assert vae.latent_density.fitted
    with torch.no_grad():
        codes = vae.eval().encoder(fixed_batch()[0])[0]
    # EM's fixed point: the mixture's mean is the mean of the codes it was fitted to.
    mixture_mean = vae.latent_density.weights @ vae.latent_density.means
    torch.testing.assert_close(mixture_mean, codes.mean(0), atol=1e-4, rtol=1e-4)


def mixture_fits(batch_size: int, **trainer_args: Any) -> list[tuple[int, int]]:
    """Fit a gmm-prior VAE on 32 fixed images; (global step, codes) of each mixture fit."""
    import pytorch_lightning as pl
    from test_learning import fixed_batch
    from torch.utils.data import DataLoader, TensorDataset

    torch.manual_seed(0)
    vae = build("vae", "model.prior=gmm", "model.prior_components=3")
    fit = vae.latent_density.fit
    fits: list[tuple[int, int]] = []
    vae.latent_density.fit = lambda codes: (
        fits.append((vae.trainer.global_step, len(codes))) or fit(codes)
    )
    loader = DataLoader(TensorDataset(*fixed_batch()), batch_size=batch_size)
    trainer = pl.Trainer(
        num_sanity_val_steps=0,
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        **trainer_args,
    )
    trainer.fit(vae, loader, loader)
    return fits


@pytest.mark.parametrize(("epochs", "fitted_at"), [(2, [2]), (3, [2, 3])])
def test_the_end_of_fit_refits_the_mixture_only_if_training_went_on_after_the_last_validation(
    epochs: int, fitted_at: list[int]
) -> None:
    fits = mixture_fits(32, max_epochs=epochs, check_val_every_n_epoch=2)  # a step an epoch
    assert [step for step, _ in fits] == fitted_at


def test_the_mixture_is_fitted_to_the_batches_training_uses() -> None:
    """`limit_train_batches` limits the fit as it limits training: a tiny run stays tiny."""
    assert mixture_fits(8, max_epochs=1) == [(4, 32)]
    assert mixture_fits(8, max_epochs=1, limit_train_batches=2) == [(2, 16)]


def test_an_even_update_interval_for_a_gan_is_refused() -> None:
    """A GAN batch makes two optimizer steps, so Lightning's EMA, which checks step % n == 0
    on odd step indices, would never update: silently no EMA. genlab refuses it."""
    EMA(update_every_n_steps=3).check_model(build("gan"))
    EMA(update_every_n_steps=2).check_model(build("vae"))  # one optimizer step per batch
    with pytest.raises(GenlabError, match="use an odd number"):
        EMA(update_every_n_steps=2).check_model(build("gan"))
    ema = EMA(decay=0.5, update_every_n_steps=3)
    fit_steps(build("gan"), 12, ema)  # 6 batches, 12 optimizer steps
    assert ema.state_dict()["latest_update_step"] > 0


def test_a_warm_started_mixture_starts_em_from_its_last_fit() -> None:
    from genlab.models.components.latent_mixture import LatentMixture

    codes = torch.randn(400, 4, generator=torch.Generator().manual_seed(0))
    cold, warm = LatentMixture(4, 3), LatentMixture(4, 3, warm_start=True)
    assert warm.previous_fit(3) == {}  # nothing fitted yet: scikit-learn's k-means start
    cold.fit(codes)
    warm.fit(codes)
    assert cold.previous_fit(3) == {}  # off: every fit starts afresh
    assert warm.previous_fit(2) == {}  # another size: no start to reuse
    start = warm.previous_fit(3)
    assert abs(start["weights_init"].sum() - 1) < 1e-12  # scikit-learn's check, in float64
    covariances = warm.scale_tril.double() @ warm.scale_tril.double().mT
    identity = torch.from_numpy(start["precisions_init"]) @ covariances
    torch.testing.assert_close(identity, torch.eye(4).expand(3, 4, 4).double(), atol=1e-4, rtol=0)
    warm.fit(codes)  # refits from there without complaint
    assert warm.fitted


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_the_mixture_stops_em_at_its_tolerance() -> None:
    """A tolerance any iteration falls short of stops EM after its second (the first gains
    an infinite amount over its start)."""
    from sklearn.mixture import GaussianMixture

    from genlab.models.components.latent_mixture import LatentMixture

    codes = torch.randn(400, 4, generator=torch.Generator().manual_seed(0))
    mixture = LatentMixture(4, 3, tolerance=1e9)
    mixture.fit(codes)
    twice = GaussianMixture(3, covariance_type="full", reg_covar=1e-5, random_state=0, max_iter=2)
    twice.fit(codes.double().numpy())
    torch.testing.assert_close(mixture.means, torch.from_numpy(twice.means_).float())


def test_class_scores_are_the_labels_distribution_that_d_s_own_logits_imply() -> None:
    torch.manual_seed(0)
    gan = build("dcgan", "model.conditional=true", num_classes=10).eval()
    images = torch.rand(4, 1, 28, 28) * 2 - 1
    per_label = torch.stack(
        [gan.discriminator(images, torch.full((4,), y)) for y in range(10)], dim=1
    )
    _, scores = gan.discriminator.logits_and_class_scores(images, torch.zeros(4, dtype=int))
    # D(x, y) - score(x, y) is the label-free term: the same for every y.
    offset = per_label - scores
    assert torch.allclose(offset, offset[:, :1].expand_as(offset), atol=1e-5)


@pytest.mark.parametrize("model", ["gan", "dcgan"])
def test_the_class_loss_adds_d_s_cross_entropy_on_real_images_and_g_s_on_generated_ones(
    model: str,
) -> None:
    torch.manual_seed(0)
    weighted = build(model, "model.conditional=true", "model.class_loss_weight=0.5", num_classes=10)
    plain = build(model, "model.conditional=true", num_classes=10)
    plain.load_state_dict(weighted.state_dict())
    weighted.eval(), plain.eval()
    real, fake = torch.rand(2, 8, 1, 28, 28) * 2 - 1
    labels = torch.arange(8) % 10

    def cross_entropy(images: torch.Tensor) -> torch.Tensor:
        _, scores = weighted.discriminator.logits_and_class_scores(images, labels)
        return torch.nn.functional.cross_entropy(scores, labels)

    with torch.no_grad():
        d_gap = weighted._discriminator_loss(real, fake, labels) - plain._discriminator_loss(
            real, fake, labels
        )
        g_gap = weighted._generator_loss(fake, labels) - plain._generator_loss(fake, labels)
        assert d_gap == pytest.approx(0.5 * cross_entropy(real).item(), rel=1e-5)
        assert g_gap == pytest.approx(0.5 * cross_entropy(fake).item(), rel=1e-5)

    d_only = build(model, "model.conditional=true", "model.class_loss_weight=0.5",
                   "model.class_loss_weight_g=0", num_classes=10)  # fmt: skip
    d_only.load_state_dict(weighted.state_dict())
    d_only.eval()
    with torch.no_grad():
        assert d_only._discriminator_loss(real, fake, labels) == pytest.approx(
            weighted._discriminator_loss(real, fake, labels).item()
        )
        assert d_only._generator_loss(fake, labels) == pytest.approx(
            plain._generator_loss(fake, labels).item()
        )


@pytest.mark.parametrize("model", ["gan", "dcgan"])
def test_the_r1_penalty_is_half_gamma_times_d_s_squared_gradient_on_real_images(model: str) -> None:
    torch.manual_seed(0)
    penalised = build(model, "model.r1_gamma=4")
    plain = build(model)
    plain.load_state_dict(penalised.state_dict())
    penalised.eval(), plain.eval()
    real, fake = torch.rand(2, 8, 1, 28, 28) * 2 - 1
    inputs = real.clone().requires_grad_(True)
    (gradient,) = torch.autograd.grad(plain.discriminator(inputs).sum(), inputs)
    expected = 4 / 2 * gradient.pow(2).flatten(1).sum(dim=1).mean()

    with_penalty = penalised._discriminator_loss(real, fake)
    without = plain._discriminator_loss(real, fake)
    assert (with_penalty - without).item() == pytest.approx(expected.item(), rel=1e-4)
    # D's step descends the penalty too: its weights get another gradient.
    with_penalty.backward(), without.backward()
    weight = "head.linear.weight"
    grads = [dict(m.discriminator.named_parameters())[weight].grad for m in (penalised, plain)]
    assert not torch.allclose(*grads)
    with torch.no_grad():  # validation: no gradient, no penalty
        assert penalised._discriminator_loss(real, fake).item() == pytest.approx(
            plain._discriminator_loss(real, fake).item()
        )


@pytest.mark.parametrize("model", ["gan", "dcgan"])
def test_the_r2_penalty_is_half_gamma_times_d_s_squared_gradient_on_generated_images(
    model: str,
) -> None:
    torch.manual_seed(0)
    penalised = build(model, "model.r2_gamma=4")
    plain = build(model)
    plain.load_state_dict(penalised.state_dict())
    penalised.eval(), plain.eval()
    real, fake = torch.rand(2, 8, 1, 28, 28) * 2 - 1
    inputs = fake.clone().requires_grad_(True)
    (gradient,) = torch.autograd.grad(plain.discriminator(inputs).sum(), inputs)
    expected = 4 / 2 * gradient.pow(2).flatten(1).sum(dim=1).mean()
    gap = penalised._discriminator_loss(real, fake) - plain._discriminator_loss(real, fake)
    assert gap.item() == pytest.approx(expected.item(), rel=1e-4)
    with torch.no_grad():  # validation: no gradient, no penalty
        assert penalised._discriminator_loss(real, fake).item() == pytest.approx(
            plain._discriminator_loss(real, fake).item()
        )
    # Lazy like R1: gamma x r1_every in every r1_every-th D step, none between.
    lazy = build(model, "model.r2_gamma=4", "model.r1_every=3")
    assert [lazy.r1_weight(step, lazy.hparams.r2_gamma) for step in range(4)] == [12, 0, 0, 12]


def test_lazy_r1_penalises_every_nth_discriminator_step_n_times_as_much() -> None:
    """r1_every=2 over 7 batches: R1 in batches 0, 2, 4 and 6 (counted across epochs by the
    Trainer's global step, two optimizer steps a batch), each with gamma x 2; none between."""
    torch.manual_seed(0)
    gan = build("gan", "model.r1_gamma=3", "model.r1_every=2")
    penalised: list[tuple[int, float]] = []  # (Lightning's global step, gamma)
    penalty = gan.r1_penalty

    def recorded(real: torch.Tensor, logits: torch.Tensor, gamma: float) -> torch.Tensor:
        penalised.append((gan.global_step, gamma))
        return penalty(real, logits, gamma)

    gan.r1_penalty = recorded
    fit_steps(gan, steps=7 * gan.optimizer_steps_per_batch)
    assert penalised == [(0, 6.0), (4, 6.0), (8, 6.0), (12, 6.0)]
    assert [build("gan", "model.r1_gamma=3").r1_weight(step) for step in range(3)] == [3.0] * 3


def test_the_probe_builds_a_conditional_model_so_its_label_options_pass_before_the_data() -> None:
    """The model built before any data is prepared must accept what only a model with labels
    accepts (the class count comes later, with the data)."""
    from genlab.app.train import probe_model

    from compose import compose_config

    probe = probe_model(compose_config("train", ["experiment=cdcgan", "model.class_loss_weight=1"]))
    assert probe.conditional and probe.label_count == 2


@pytest.mark.parametrize(
    "overrides, says",
    [
        (["model.class_loss_weight=-1"], "model.class_loss_weight must be"),
        (["model.class_loss_weight_g=-1"], "model.class_loss_weight_g must be"),
        (["model.r1_gamma=-1"], "model.r1_gamma must be"),
        (["model.r1_every=0"], "model.r1_every must be an integer >= 1"),
        (["model.r2_gamma=-1"], "model.r2_gamma must be"),
        (["model.class_loss_weight=1"], "model.class_loss_weight=1.0 (model.class_loss_weight_g"),
        (["model.class_loss_weight_g=1"], "model.class_loss_weight=0.0 (model.class_loss_weight_g"),
    ],
)
def test_gan_options_out_of_range_are_one_line(overrides: list[str], says: str) -> None:
    with pytest.raises(Exception) as raised:  # noqa: PT011 - Hydra's instantiate wraps it
        build("gan", *overrides)
    assert re.match(re.escape(says), str(user_error(raised.value)))
