"""How the networks run, not what they learn: memory format and compilation, as callbacks so
that any model gets them and checkpoints stay plain (`benchmarks/step_options.py` measures
both; figures in BENCHMARKS.md)."""

import pytorch_lightning as pl
import torch


def _networks(pl_module: pl.LightningModule) -> list[torch.nn.Module]:
    """The module's direct sub-networks (generator, discriminator, encoder, decoder)."""
    return [child for child in pl_module.children() if any(True for _ in child.parameters())]


class ChannelsLast(pl.Callback):
    """Stores the 4-D weights in NHWC order, which oneDNN's CPU convolutions run 9-13 %
    faster here (DCGAN, VAE). Inputs need no conversion: a convolution with an NHWC weight
    gives an NHWC output, and 1-channel images are the same bytes in either order. Layers
    without 4-D weights (the MLP GAN) are untouched."""

    def __init__(self, enabled: bool = True) -> None:
        self.enabled = enabled

    def setup(self, trainer: pl.Trainer, pl_module: pl.LightningModule, stage: str) -> None:
        if self.enabled and stage == "fit":
            pl_module.to(memory_format=torch.channels_last)


class CompileNetworks(pl.Callback):
    """`torch.compile` on each sub-network, in place (`nn.Module.compile`), so parameter names
    and checkpoints do not change. Off by default: on this 2-core CPU the compiled steps were
    3-22 % slower and the first steps take 10-30 s to compile; it is meant for GPUs."""

    def __init__(self, enabled: bool = False, mode: str | None = None) -> None:
        self.enabled, self.mode = enabled, mode

    def setup(self, trainer: pl.Trainer, pl_module: pl.LightningModule, stage: str) -> None:
        if self.enabled and stage == "fit":
            for network in _networks(pl_module):
                network.compile(mode=self.mode)
