"""A test-only callback: every DDP rank writes its final weights, so a test can compare them."""

from pathlib import Path

import pytorch_lightning as pl
import torch


class RankWeightsDump(pl.Callback):
    def __init__(self, output_dir: str) -> None:
        self.output_dir = Path(output_dir)

    def on_train_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self.output_dir.mkdir(parents=True, exist_ok=True)
        torch.save(
            {
                "parameters": {k: v.detach().cpu() for k, v in pl_module.named_parameters()},
                "noise_seed": torch.initial_seed(),
                "world_size": trainer.world_size,
            },
            self.output_dir / f"rank{trainer.global_rank}.pt",
        )
