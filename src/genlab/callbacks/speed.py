"""How the networks run, not what they learn: memory format and compilation, as callbacks so
that any model gets them and checkpoints stay plain (BENCHMARKS.md, "CPU settings for a
training step"; `benchmarks/run.py step_flops` measures both)."""

from typing import Any

import pytorch_lightning as pl
import torch


def _networks(pl_module: pl.LightningModule) -> list[torch.nn.Module]:
    """The module's direct sub-networks (generator, discriminator, encoder, decoder)."""
    return [child for child in pl_module.children() if any(True for _ in child.parameters())]


class ChannelsLast(pl.Callback):
    """Stores the 4-D weights in NHWC order, which oneDNN's CPU convolutions run 9-13 %
    faster here (DCGAN, VAE). Inputs need no conversion: a convolution with an NHWC weight
    gives an NHWC output, and 1-channel images are the same bytes in either order. Layers
    without 4-D weights (the MLP GAN) are untouched. CPU only: that is where its gain was
    measured; on a GPU it was never shown to help."""

    def setup(self, trainer: pl.Trainer, pl_module: pl.LightningModule, stage: str) -> None:
        if stage == "fit" and trainer.strategy.root_device.type == "cpu":
            pl_module.to(memory_format=torch.channels_last)


def compile_arguments(device_type: str, mode: str | None) -> dict[str, Any]:
    """`torch.compile` arguments for networks on `device_type`. On CUDA inductor's layout
    optimization (NHWC activations) makes the compiled DCGAN backward fail its own stride check
    (torch 2.11 on an H200, benchmarks/gpu_check.sh), so it is turned off there. torch.compile
    takes a mode or options, not both: a named mode keeps torch's layout default."""
    if mode is not None:
        return {"mode": mode}
    if device_type == "cuda":
        return {"options": {"layout_optimization": False}}
    return {}


class CompileNetworks(pl.Callback):
    """`torch.compile` on each sub-network, in place (`nn.Module.compile`), so parameter names
    and checkpoints do not change. Off by default: it made every model's steps slower, on this
    2-core CPU and on an H200 alike (BENCHMARKS.md), and the first steps take seconds to compile.
    """

    def __init__(self, mode: str | None = None) -> None:
        self.mode = mode

    def setup(self, trainer: pl.Trainer, pl_module: pl.LightningModule, stage: str) -> None:
        if stage == "fit":
            arguments = compile_arguments(trainer.strategy.root_device.type, self.mode)
            for network in _networks(pl_module):
                network.compile(**arguments)
