"""PacGAN's packing (`model.pack`): D judges packs of images stacked on the channel axis, its
R1 and R2 are the penalty on those packed inputs, and a packed GAN trains, saves and reloads."""

import pytest
import torch
from test_learning import build, fit_steps

from genlab.app.cli import user_error
from genlab.models.checkpoints import load_module
from genlab.utils.errors import GenlabError


def packed_by_hand(images: torch.Tensor, m: int) -> torch.Tensor:
    """Pack k holds images k*m .. k*m + m - 1, in that order along the channels."""
    return torch.cat([images[i::m][: len(images) // m] for i in range(m)], dim=1)


@pytest.mark.parametrize("model", ["gan", "dcgan"])
def test_d_judges_each_pack_of_images_stacked_on_the_channel_axis(model: str) -> None:
    torch.manual_seed(0)
    gan = build(model, "model.pack=3").eval()
    images = torch.rand(10, 1, 28, 28) * 2 - 1  # 10 = 3 packs and one image left out
    with torch.no_grad():
        logits = gan.discriminate(images, None)
        expected = gan.discriminator(packed_by_hand(images, 3))
    assert logits.shape[0] == 3
    torch.testing.assert_close(logits, expected)
    # Another image inside a pack moves only that pack's logit; the left-out one moves none.
    for changed, moved in [(4, [False, True, False]), (9, [False, False, False])]:
        other = images.clone()
        other[changed] = -other[changed]
        with torch.no_grad():
            assert (gan.discriminate(other, None) != logits).flatten().tolist() == moved


@pytest.mark.parametrize("penalty", ["r1_gamma", "r2_gamma"])
def test_r1_and_r2_with_packing_are_the_penalty_on_d_s_packed_inputs(penalty: str) -> None:
    torch.manual_seed(0)
    penalised = build("dcgan", "model.pack=2", f"model.{penalty}=4")
    plain = build("dcgan", "model.pack=2")
    plain.load_state_dict(penalised.state_dict())
    penalised.eval(), plain.eval()
    real, fake = torch.rand(2, 8, 1, 28, 28) * 2 - 1
    inputs = packed_by_hand(real if penalty == "r1_gamma" else fake, 2).requires_grad_(True)
    (gradient,) = torch.autograd.grad(plain.discriminator(inputs).sum(), inputs)
    # gamma/2 * E over D's 4 inputs of the squared norm over all 2 x 784 pixels of each
    expected = 4 / 2 * gradient.pow(2).flatten(1).sum(dim=1).mean()
    gap = penalised._discriminator_loss(real, fake) - plain._discriminator_loss(real, fake)
    assert gap.item() == pytest.approx(expected.item(), rel=1e-4)


def test_a_packed_gan_trains_saves_and_reloads(tmp_path) -> None:
    torch.manual_seed(0)
    gan = build("dcgan", "model.pack=2", "model.r1_gamma=1")
    first = next(m for m in gan.discriminator.modules() if isinstance(m, torch.nn.Conv2d))
    assert first.in_channels == 2  # two 1-channel images per input
    before = {k: v.clone() for k, v in gan.state_dict().items()}
    trainer = fit_steps(gan, steps=3)
    assert any(not torch.equal(v, before[k]) for k, v in gan.state_dict().items())
    trainer.save_checkpoint(tmp_path / "packed.ckpt")
    loaded = load_module(tmp_path / "packed.ckpt")
    assert loaded.hparams.pack == 2
    for key, tensor in gan.state_dict().items():
        assert torch.equal(tensor, loaded.state_dict()[key]), key


@pytest.mark.parametrize(
    ("overrides", "says"),
    [
        (["model.pack=0"], "model.pack must be an integer >= 1, got 0"),
        (["model.pack=2", "model.conditional=true"], "model.pack=2 packs images of different"),
        (["model.pack=2", "model.self_conditioning.clusters=4"], "model.conditional=false and"),
    ],
)
def test_bad_packing_is_one_line(overrides: list[str], says: str) -> None:
    kwargs = {"num_classes": 10} if "model.conditional=true" in overrides else {}
    with pytest.raises(Exception) as info:  # noqa: PT011 - Hydra wraps it; the CLI unwraps it
        build("dcgan", *overrides, **kwargs)
    message = str(user_error(info.value))
    assert says in message and "\n" not in message
    assert isinstance(info.value.__cause__ or info.value, GenlabError)
