"""DiffAugment: differentiable, in range, background-filled, and the same policy on every
discriminator input."""

import pytest
import torch

from genlab.models.components.diffaugment import DiffAugment
from genlab.utils.errors import GenlabError

ALL = ("color", "translation", "cutout")


def digits(n: int = 16) -> torch.Tensor:
    images = -torch.ones(n, 1, 28, 28)
    images[:, :, 8:20, 12:16] = 1  # a bar on black
    return images


def test_every_op_keeps_images_in_range_and_passes_gradients() -> None:
    torch.manual_seed(0)
    images = (torch.rand(32, 3, 32, 32) * 2 - 1).requires_grad_()
    out = DiffAugment(ALL, brightness=1.0, contrast=1.0, translation=0.25, cutout=0.5)(images)
    assert out.shape == images.shape
    assert out.min() >= -1 and out.max() <= 1
    out.sum().backward()
    assert images.grad is not None and images.grad.abs().sum() > 0


def test_translation_fills_with_the_black_background_not_grey() -> None:
    torch.manual_seed(0)
    out = DiffAugment(["translation"], translation=0.25)(digits(64))
    values = set(out.unique().tolist())
    assert values == {-1.0, 1.0}  # a zero pad would add 0.0, mid-grey in [-1, 1]
    assert not torch.equal(out, digits(64))  # shifted for some images
    assert (out == 1).sum(dim=(1, 2, 3)).eq(48).any()  # and whole bars kept for others


def test_cutout_sets_a_square_to_background() -> None:
    torch.manual_seed(0)
    images = torch.ones(64, 1, 28, 28)
    out = DiffAugment(["cutout"], cutout=0.25)(images)
    erased = (out == -1).sum(dim=(1, 2, 3))
    assert erased.max() == 7 * 7 and erased.min() > 0  # inside, or overhanging the border


def test_a_strength_under_half_a_pixel_leaves_the_images_as_they_are() -> None:
    images = digits(8)
    for policy, strength in (("translation", 0.01), ("cutout", 0.01)):
        out = DiffAugment([policy], **{policy: strength})(images)
        assert torch.equal(out, images), policy


def test_the_generator_gets_a_gradient_through_the_augmented_discriminator_input() -> None:
    from test_learning import build

    torch.manual_seed(0)
    gan = build("dcgan", "model.augment.policy=[color,translation,cutout]")
    assert isinstance(gan.augment, DiffAugment)
    loss = gan._generator_loss(gan.generator(torch.randn(8, gan.latent_dim)))
    loss.backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in gan.generator.parameters())


def test_the_discriminator_sees_augmented_real_and_generated_images(monkeypatch) -> None:
    from test_learning import build

    gan = build("dcgan", "model.augment.policy=[cutout]")
    seen = []
    monkeypatch.setattr(gan.augment, "forward", lambda x: seen.append(len(x)) or x)
    real, fake = digits(8), digits(4)
    gan._discriminator_loss(real, fake)
    gan._generator_loss(fake)
    assert seen == [8, 4, 4]  # D step: real and generated; G step: generated


def test_unknown_policy_or_out_of_range_strength_is_a_clear_error() -> None:
    with pytest.raises(GenlabError, match="unknown augmentation flip; valid: color"):
        DiffAugment(["flip"])
    with pytest.raises(GenlabError, match=r"augment.cutout must be in \[0, 1\]"):
        DiffAugment(["cutout"], cutout=2)
