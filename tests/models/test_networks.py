"""Network output shapes at 28/32/64 px with 1 and 3 channels, and clear size errors."""

import pytest
import torch

from genlab.models.components.dcgan import DCGANDiscriminator, DCGANGenerator
from genlab.models.components.discriminator import MinibatchStdDev
from genlab.models.components.mlp import MLPDiscriminator, MLPGenerator
from genlab.models.components.vae import ConvDecoder, ConvEncoder
from genlab.utils.errors import GenlabError

SHAPES = [(1, 28), (3, 28), (1, 32), (3, 32), (1, 64), (3, 64)]


@pytest.mark.parametrize(("channels", "size"), SHAPES)
def test_mlp_gan_shapes(channels: int, size: int) -> None:
    generator = MLPGenerator(latent_dim=10, image_shape=(channels, size, size))
    images = generator(torch.randn(4, 10))
    assert images.shape == (4, channels, size, size)
    assert images.abs().max() <= 1  # tanh output, the range of the data
    assert MLPDiscriminator((channels, size, size))(images).shape == (4,)


@pytest.mark.parametrize(("channels", "size"), SHAPES)
def test_dcgan_shapes(channels: int, size: int) -> None:
    generator = DCGANGenerator(latent_dim=10, channels=channels, image_size=size, width=8)
    images = generator(torch.randn(4, 10))
    assert images.shape == (4, channels, size, size)
    logits = DCGANDiscriminator(channels=channels, image_size=size, width=8)(images)
    assert logits.shape == (4,)


def test_dcgan_uses_the_papers_init() -> None:
    generator = DCGANGenerator(latent_dim=100, channels=1, image_size=64, width=64)
    weight = generator.convs[0].weight
    assert abs(weight.std().item() - 0.02) < 0.002
    assert abs(weight.mean().item()) < 0.002


@pytest.mark.parametrize(("channels", "size"), SHAPES)
def test_vae_shapes(channels: int, size: int) -> None:
    encoder = ConvEncoder(latent_dim=6, channels=channels, image_size=size, width=8)
    mu, logvar = encoder(torch.randn(4, channels, size, size))
    assert mu.shape == logvar.shape == (4, 6)
    decoder = ConvDecoder(latent_dim=6, channels=channels, image_size=size, width=8)
    assert decoder(mu).shape == (4, channels, size, size)


@pytest.mark.parametrize("network", [DCGANGenerator, DCGANDiscriminator])
def test_unbuildable_size_names_the_valid_ones(network: type) -> None:
    kwargs = {"channels": 1, "image_size": 30}
    if network is DCGANGenerator:
        kwargs["latent_dim"] = 10
    with pytest.raises(GenlabError, match=r"image_size=30 .* valid sizes: .*28.*32.*64"):
        network(**kwargs)


def test_discriminators_keep_the_state_dict_keys_their_checkpoints_were_written_with() -> None:
    """Checkpoints store these keys (as written before ProjectionDiscriminator); a refactor that
    renames or reorders layers would leave every saved discriminator unloadable."""
    conditional = DCGANDiscriminator(1, 28, 8, num_classes=10).state_dict()
    assert list(conditional) == [
        "features.0.weight",
        "features.2.weight",
        "features.3.weight",
        "features.3.bias",
        "features.3.running_mean",
        "features.3.running_var",
        "features.3.num_batches_tracked",
        "head.linear.weight",
        "head.embed.weight",
    ]
    normed = MLPDiscriminator((1, 28, 28), num_classes=10, spectral_norm=True).state_dict()
    originals = [key for key in normed if key.endswith("weight.original")]
    assert [key.split(".parametrizations")[0] for key in originals] == [
        "features.1",
        "features.3",
        "head.linear",
        "head.embed",
    ]


def test_minibatch_std_shows_the_discriminator_a_collapsed_batch() -> None:
    spread = MinibatchStdDev(group_size=4)
    varied = torch.randn(8, 3, 4, 4)
    collapsed = varied[:1].expand(8, -1, -1, -1)
    assert spread(varied).shape == (8, 3 * 4 * 4 + 1)
    assert (spread(varied)[:, -1] > 0.5).all()  # unit-variance features
    assert (spread(collapsed)[:, -1] < 1e-3).all()
    # Members of a group share its value: images j, j + 2, j + 4, j + 6 of 8 (two groups of 4).
    values = spread(varied)[:, -1]
    assert torch.equal(values[0::2], values[0].expand(4)) and values[0] != values[1]


@pytest.mark.parametrize("network", ["dcgan", "mlp"])
def test_minibatch_std_keeps_the_discriminators_state_dict_keys(network: str) -> None:
    def build(**option):
        if network == "dcgan":
            return DCGANDiscriminator(channels=1, image_size=28, width=8, **option)
        return MLPDiscriminator((1, 28, 28), **option)

    plain, spread = build(), build(minibatch_std=True)
    assert plain.state_dict().keys() == spread.state_dict().keys()
    assert spread.head.linear.in_features == plain.head.linear.in_features + 1
    assert spread(torch.randn(6, 1, 28, 28)).shape == (6,)
