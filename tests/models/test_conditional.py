"""Conditional models: the label steers the output, the projection head learns, the contract of
`sample(n, labels)` holds, and a checkpoint alone rebuilds a conditional model."""

from pathlib import Path

import pytest
import torch
from test_learning import build, fit_steps

from genlab.app.cli import user_error
from genlab.models.checkpoints import load_module
from genlab.utils.errors import GenlabError

COUNTS = [1, 1, 2, 0, 0, 0, 0, 0, 0, 4]  # a skewed training split: classes 0, 1, 2 and 9


def conditional(model: str, *overrides: str):
    return build(model, "model.conditional=true", *overrides, num_classes=10, class_counts=COUNTS)


@pytest.mark.parametrize(
    ("model", "overrides"),
    [
        ("gan", ["model.generator.conditioning=concat"]),
        ("gan", ["model.generator.conditioning=cbn"]),
        ("dcgan", ["model.generator.conditioning=concat"]),
        ("dcgan", ["model.generator.conditioning=cbn"]),
        ("vae", []),
    ],
    ids=["gan-concat", "gan-cbn", "dcgan-concat", "dcgan-cbn", "vae"],
)
def test_changing_the_label_changes_the_output(model: str, overrides: list[str]) -> None:
    torch.manual_seed(0)
    module = conditional(model, *overrides)
    fit_steps(module, steps=4)  # cbn starts as plain BatchNorm: train so the labels matter
    z = torch.randn(6, module.latent_dim)
    threes = module.generate(z, torch.full((6,), 3))
    sevens = module.generate(z, torch.full((6,), 7))
    assert (threes - sevens).abs().amax(dim=(1, 2, 3)).min() > 1e-4  # every image changed
    torch.testing.assert_close(module.generate(z, torch.full((6,), 3)), threes)


@pytest.mark.parametrize("model", ["gan", "dcgan"])
def test_the_projection_term_gets_gradients(model: str) -> None:
    torch.manual_seed(0)
    gan = conditional(model)
    real = torch.rand(8, 1, 28, 28) * 2 - 1
    labels = torch.arange(8)
    fake = gan.generator(torch.randn(8, gan.latent_dim), labels)
    gan._discriminator_loss(real, fake.detach(), labels).backward()
    grad = gan.discriminator.head.embed.weight.grad
    assert grad is not None
    assert grad[:8].abs().sum(dim=1).gt(0).all()  # each asked class's embedding
    assert grad[8:].abs().sum() == 0  # classes not in the batch are untouched


def test_unlabelled_samples_follow_the_training_class_frequencies() -> None:
    module = conditional("dcgan")
    _, labels = module.sample_with_labels(4000, generator=torch.Generator().manual_seed(0))
    counts = torch.bincount(labels, minlength=10).float() / 4000
    expected = torch.tensor(COUNTS, dtype=torch.float) / sum(COUNTS)
    torch.testing.assert_close(counts, expected, atol=0.03, rtol=0)
    assert counts[3:9].sum() == 0  # classes absent from training are never drawn


def test_sample_takes_one_label_or_one_per_image_and_checks_them() -> None:
    module = conditional("gan")
    assert module.sample(5, 7).shape == (5, 1, 28, 28)
    assert module.sample(3, [0, 1, 2]).shape == (3, 1, 28, 28)
    with pytest.raises(GenlabError, match=r"labels must be in 0\.\.9, got \[10\]"):
        module.sample(2, 10)
    with pytest.raises(GenlabError, match="got 2 labels for 3 samples"):
        module.sample(3, [1, 2])
    with pytest.raises(GenlabError, match="not conditional"):
        build("gan").sample(2, 1)


def test_a_conditional_model_needs_classes() -> None:
    with pytest.raises(Exception) as info:  # noqa: PT011 - Hydra wraps it; the CLI unwraps it
        build("dcgan", "model.conditional=true", num_classes=1, class_counts=[40])
    assert "needs a dataset with at least 2 classes, got 1" in str(user_error(info.value))


@pytest.mark.parametrize("model", ["dcgan", "vae"])
def test_a_conditional_checkpoint_rebuilds_its_model(model: str, tmp_path: Path) -> None:
    torch.manual_seed(0)
    module = conditional(model)
    trainer = fit_steps(module, steps=2)
    trainer.save_checkpoint(tmp_path / "c.ckpt")
    loaded = load_module(tmp_path / "c.ckpt")
    assert loaded.conditional and loaded.num_classes == 10
    torch.testing.assert_close(loaded.class_prior, module.class_prior)
    z = torch.randn(4, module.latent_dim)
    labels = torch.tensor([0, 1, 2, 9])
    torch.testing.assert_close(loaded.generate(z, labels), module.generate(z, labels))
