"""R3GAN's residual networks: shapes at every size, labels that matter, no normalization, blocks
that start as the identity, resampling by the fixed binomial filter, and real training steps."""

import math

import pytest
import pytorch_lightning as pl
import torch
from hydra.utils import instantiate
from torch import nn
from torch.nn.utils import parametrize
from torch.utils.data import DataLoader, TensorDataset

from genlab.models.components.residual import ResidualDiscriminator, ResidualGenerator
from genlab.models.components.residual_blocks import Resample, ResidualBlock
from genlab.schemas.models import ResidualDiscriminatorConf, ResidualGeneratorConf
from genlab.utils.errors import GenlabError

from compose import compose_config

SHAPES = [(1, 28), (3, 28), (1, 32), (3, 32), (1, 64), (3, 64)]
# The schema's defaults, so the tests build the networks the recipe builds.
SHAPE_ARGS = {
    key: getattr(ResidualGeneratorConf, key)
    for key in ("width", "blocks", "expansion", "group_width")
}
NORMALIZATIONS = (
    nn.BatchNorm1d,
    nn.BatchNorm2d,
    nn.BatchNorm3d,
    nn.SyncBatchNorm,
    nn.InstanceNorm1d,
    nn.InstanceNorm2d,
    nn.InstanceNorm3d,
    nn.GroupNorm,
    nn.LayerNorm,
    nn.LocalResponseNorm,
    nn.RMSNorm,
)


def networks(channels: int, size: int, num_classes: int = 0):
    generator = ResidualGenerator(
        latent_dim=16,
        channels=channels,
        image_size=size,
        label_dim=ResidualGeneratorConf.label_dim,
        num_classes=num_classes,
        **SHAPE_ARGS,
    )
    discriminator = ResidualDiscriminator(
        channels=channels, image_size=size, num_classes=num_classes, **SHAPE_ARGS
    )
    return generator, discriminator


def test_the_schema_is_the_networks_one_source_of_defaults() -> None:
    assert ResidualDiscriminatorConf.width == ResidualGeneratorConf.width
    with pytest.raises(TypeError):
        ResidualGenerator(latent_dim=16, channels=1, image_size=28)  # no defaults to drift


@pytest.mark.parametrize(("channels", "size"), SHAPES)
def test_shapes(channels: int, size: int) -> None:
    generator, discriminator = networks(channels, size)
    images = generator(torch.randn(4, 16))
    assert images.shape == (4, channels, size, size)
    assert images.abs().max() <= 1
    assert discriminator(images).shape == (4,)


def test_unbuildable_size_and_bad_width_are_one_line_errors() -> None:
    with pytest.raises(GenlabError, match=r"image_size=30 .* valid sizes"):
        networks(1, 30)
    with pytest.raises(GenlabError, match="model.discriminator.group_width"):
        ResidualDiscriminator(
            channels=1, image_size=28, width=8, blocks=1, expansion=2, group_width=0
        )


def test_a_group_width_that_does_not_split_the_channels_is_a_one_line_error() -> None:
    with pytest.raises(GenlabError, match="group_width=8 does not split a block's 44 channels"):
        ResidualBlock(channels=22, expansion=2, group_width=8, depth=1)


def test_conditional_generator_draws_the_label_it_is_given() -> None:
    generator, _ = networks(1, 28, num_classes=10)
    z = torch.randn(4, 16).repeat(2, 1)
    labels = torch.tensor([0, 1, 2, 3, 4, 5, 6, 7])
    images = generator(z, labels)
    assert not torch.allclose(images[:4], images[4:])
    assert torch.equal(generator(z[:4], labels[:4]), images[:4])


def test_discriminator_scores_the_label_by_projection() -> None:
    _, discriminator = networks(1, 28, num_classes=10)
    images = torch.rand(4, 1, 28, 28) * 2 - 1
    as_zero = discriminator(images, torch.zeros(4, dtype=torch.long))
    as_one = discriminator(images, torch.ones(4, dtype=torch.long))
    assert not torch.allclose(as_zero, as_one)
    labels = torch.tensor([0, 1, 2, 3])
    logits, scores = discriminator.logits_and_class_scores(images, labels)
    assert scores.shape == (4, 10)
    torch.testing.assert_close(logits, discriminator(images, labels))
    # the scores differ between labels by exactly the logits' difference
    torch.testing.assert_close(scores[:, 1] - scores[:, 0], as_one - as_zero)


@pytest.mark.parametrize("size", [28, 64])
def test_no_normalization_layer_in_either_network(size: int) -> None:
    for network in networks(3, size, num_classes=10):
        for module in network.modules():
            assert not isinstance(module, NORMALIZATIONS), module
            assert not parametrize.is_parametrized(module), module  # e.g. spectral norm


def test_a_block_is_the_identity_at_init_and_then_learns() -> None:
    block = ResidualBlock(channels=16, expansion=2, group_width=8, depth=6)
    x = torch.randn(2, 16, 7, 7)
    torch.testing.assert_close(block(x), x, rtol=0, atol=0)
    block(x).square().sum().backward()
    assert block.narrow.weight.grad.abs().sum() > 0  # the zero layer still gets a gradient


def test_networks_are_the_identity_in_every_block_at_init() -> None:
    generator, discriminator = networks(1, 28)
    blocks = [
        m
        for net in (generator, discriminator)
        for m in net.modules()
        if isinstance(m, ResidualBlock)
    ]
    assert len(blocks) == 6  # one per resolution (7, 14, 28 px) in each network
    for block in blocks:
        assert block.narrow.weight.abs().sum() == 0


def test_inner_layers_are_scaled_down_with_depth() -> None:
    """Fix-up: with L blocks the two inner layers' gain is sqrt(2 / (1 + 0.2^2)) * L^(-1/4)."""
    torch.manual_seed(0)
    shallow = ResidualBlock(channels=64, expansion=2, group_width=64, depth=1)
    deep = ResidualBlock(channels=64, expansion=2, group_width=64, depth=16)
    for layer in ("expand", "mix"):
        fan_in = getattr(shallow, layer).weight[0].numel()
        expected = math.sqrt(2 / 1.04) / math.sqrt(fan_in)
        assert getattr(shallow, layer).weight.std().item() == pytest.approx(expected, rel=0.05)
        ratio = getattr(deep, layer).weight.std() / getattr(shallow, layer).weight.std()
        assert ratio.item() == pytest.approx(16 ** (-1 / 4), rel=0.05)


def test_resampling_keeps_a_constant_image_constant() -> None:
    constant = torch.full((2, 4, 14, 14), 0.3)
    up = Resample(4, 4, up=True)(constant)
    down = Resample(4, 4, up=False)(constant)
    assert up.shape == (2, 4, 28, 28) and down.shape == (2, 4, 7, 7)
    torch.testing.assert_close(up, torch.full_like(up, 0.3))
    torch.testing.assert_close(down, torch.full_like(down, 0.3))


def test_resampling_filter_is_the_binomial_one() -> None:
    """[1, 2, 1] convolved with [1, 1]: a point halves into [1, 3, 3, 1] / 8 weights and each
    doubled pixel mixes its two neighbours by 3/4 and 1/4."""
    taps = torch.tensor([1.0, 3.0, 3.0, 1.0])
    point = torch.zeros(1, 1, 8, 8)
    point[0, 0, 3, 3] = 1.0
    down = Resample(1, 1, up=False)(point)[0, 0]
    # output pixel i reads input pixels 2i - 1 .. 2i + 2, so pixel 3 reaches outputs 1 and 2
    expected = torch.zeros(4, 4)
    expected[1:3, 1:3] = torch.outer(taps[[2, 0]], taps[[2, 0]]) / 64
    torch.testing.assert_close(down, expected)
    up = Resample(1, 1, up=True)(point)[0, 0]
    row = torch.zeros(16)
    row[5:9] = taps / 4  # input pixel 3 covers output pixels 6 and 7, and half of 5 and 8
    torch.testing.assert_close(up, torch.outer(row, row))


def test_a_conditional_r3gan_trains_a_few_real_steps() -> None:
    """GANModule's own training step, run by a Trainer: the losses stay finite and both networks
    move away from their initial weights."""
    cfg = compose_config("train", ["model=r3gan"])
    module = instantiate(cfg.model, conditional=True, num_classes=10)
    assert isinstance(module.generator, ResidualGenerator)
    before = {n: p.detach().clone() for n, p in module.named_parameters()}
    losses: list[torch.Tensor] = []

    class Losses(pl.Callback):
        def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx: int) -> None:
            losses.extend(outputs.values())

    images = torch.rand(48, 1, 28, 28) * 2 - 1
    loader = DataLoader(TensorDataset(images, torch.randint(0, 10, (48,))), batch_size=16)
    trainer = pl.Trainer(
        accelerator="cpu",
        max_epochs=1,
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        callbacks=[Losses()],
    )
    trainer.fit(module, loader)
    assert len(losses) == 6 and all(torch.isfinite(loss) for loss in losses)
    moved = {n.split(".")[0] for n, p in module.named_parameters() if not torch.equal(p, before[n])}
    assert moved == {"generator", "discriminator"}
