"""ChannelsLast and CompileNetworks change how the networks run, never what they learn."""

from types import SimpleNamespace

import pytest
import pytorch_lightning as pl
import torch
from hydra.errors import InstantiationException
from test_learning import build, fit_steps, fixed_batch

from genlab.app.train import instantiate_callbacks
from genlab.callbacks.speed import ChannelsLast, CompileNetworks, compile_arguments
from genlab.models.checkpoints import load_module
from genlab.utils.errors import GenlabError

from compose import compose_config


def trained(
    model: str, steps: int, *callbacks: pl.Callback
) -> tuple[pl.LightningModule, pl.Trainer]:
    torch.manual_seed(0)
    module = build(model)
    return module, fit_steps(module, steps, *callbacks, batch_size=16)


def test_channels_last_trains_the_same_weights_in_nhwc(tmp_path) -> None:
    torch.manual_seed(0)
    start = build("dcgan").state_dict()
    plain, _ = trained("dcgan", 4)
    nhwc, trainer = trained("dcgan", 4, ChannelsLast())

    conv_weights = [p for p in nhwc.parameters() if p.dim() == 4]
    assert conv_weights and all(
        p.is_contiguous(memory_format=torch.channels_last) for p in conv_weights
    )
    # NHWC kernels round differently and Adam scales tiny gradient differences up to a step of
    # lr, so the weights are compared against how far training moved them, not elementwise.
    for (name, a), b in zip(plain.state_dict().items(), nhwc.state_dict().values(), strict=True):
        if a.is_floating_point():
            moved = (a - start[name]).norm()
            assert (a - b).norm() <= 0.05 * moved + 1e-6, name

    # Its checkpoint loads into a plain (NCHW) module that samples the same images.
    trainer.save_checkpoint(tmp_path / "nhwc.ckpt")
    loaded = load_module(tmp_path / "nhwc.ckpt")
    z = torch.randn(8, nhwc.latent_dim)
    torch.testing.assert_close(loaded.generate(z), nhwc.generate(z), atol=1e-5, rtol=1e-4)


@pytest.mark.parametrize(
    ("overrides", "built"),
    [
        ([], ["ChannelsLast"]),
        (["callbacks.channels_last.enabled=false"], []),
        (["callbacks.compile_networks.enabled=true"], ["ChannelsLast", "CompileNetworks"]),
        (["callbacks.ema.enabled=true"], ["ChannelsLast", "EMA"]),
        # off: built (its values checked) and left out, so the GAN's odd-interval rule, which
        # is checked against the model only for callbacks the Trainer gets, does not apply
        (["callbacks.ema.update_every_n_steps=2"], ["ChannelsLast"]),
    ],
)
def test_a_callback_is_built_only_when_enabled(
    tmp_path, overrides: list[str], built: list[str]
) -> None:
    cfg = compose_config("train", ["model=gan", f"paths.output_dir={tmp_path}", *overrides])
    callbacks = instantiate_callbacks(cfg.callbacks)
    names = [type(c).__name__ for c in callbacks]
    assert [n for n in names if n in ("ChannelsLast", "CompileNetworks", "EMA")] == built
    if "EMA" in built:
        assert names[-1] == "EMA"  # last: the others sample while its average is swapped in


def test_compiled_networks_train_with_unchanged_parameter_names() -> None:
    plain, _ = trained("gan", 2)
    compiled, _ = trained("gan", 2, CompileNetworks())
    assert all(
        n._compiled_call_impl is not None for n in (compiled.generator, compiled.discriminator)
    )
    assert compiled.state_dict().keys() == plain.state_dict().keys()
    # Compared by what the networks compute, not weight by weight: a bias in front of BatchNorm
    # has a gradient of rounding noise only, and Adam's first step turns the sign of that noise
    # into a full step of lr, so such a weight differs between any two kernels (CI saw it).
    torch.manual_seed(1)
    z, images = torch.randn(16, plain.latent_dim), fixed_batch(16)[0]
    for net_in in (plain, compiled):
        net_in.train()  # BatchNorm on batch statistics, where a pre-norm bias cancels
    with torch.no_grad():
        torch.testing.assert_close(compiled(z), plain(z), atol=1e-3, rtol=1e-3)
        torch.testing.assert_close(
            compiled.discriminator(images, None),
            plain.discriminator(images, None),
            atol=1e-3,
            rtol=1e-3,
        )


def test_compiling_on_cuda_turns_off_inductors_layout_optimization() -> None:
    # With it on, the compiled DCGAN's backward failed inductor's stride check on an H200.
    assert compile_arguments("cuda", None) == {"options": {"layout_optimization": False}}
    assert compile_arguments("cpu", None) == {}  # oneDNN's NHWC layouts are what the CPU wants
    assert compile_arguments("cuda", "max-autotune") == {"mode": "max-autotune"}


def test_channels_last_is_applied_on_the_cpu_only() -> None:
    module = build("dcgan")
    on_cuda = SimpleNamespace(strategy=SimpleNamespace(root_device=torch.device("cuda")))
    ChannelsLast().setup(on_cuda, module, "fit")
    assert all(p.is_contiguous() for p in module.parameters())
    on_cpu = SimpleNamespace(strategy=SimpleNamespace(root_device=torch.device("cpu")))
    ChannelsLast().setup(on_cpu, module, "fit")
    assert not all(p.is_contiguous() for p in module.parameters())


def test_a_switched_off_callback_still_refuses_a_bad_value(tmp_path) -> None:
    """`enabled: false` leaves a callback out, but a value it could never take is still an
    error: turning the callback on later must not be the first time the user hears of it."""
    cfg = compose_config(
        "train", ["model=gan", f"paths.output_dir={tmp_path}", "callbacks.ema.decay=2"]
    )
    assert cfg.callbacks.ema.enabled is False
    with pytest.raises(InstantiationException) as refused:  # the CLI's one line: error matrix
        instantiate_callbacks(cfg.callbacks)
    assert isinstance(refused.value.__cause__, GenlabError)
    assert "callbacks.ema.decay" in str(refused.value.__cause__)
