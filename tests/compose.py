"""Compose Hydra configs in tests the way the entry scripts do."""

from pathlib import Path

from hydra import compose, initialize_config_dir
from omegaconf import DictConfig

import genlab  # noqa: F401  (registers the resolvers the configs use)

ROOT = Path(__file__).resolve().parents[1]
CONF_DIR = ROOT / "conf"

# A run small enough for a test: a few batches of one epoch.
TINY_RUN = [
    "trainer.max_epochs=1",
    "trainer.limit_train_batches=3",
    "trainer.limit_val_batches=1",
    "trainer.log_every_n_steps=1",
    "trainer.enable_progress_bar=false",
    "trainer.enable_model_summary=false",
    "data.batch_size=16",
    "callbacks.sample_grid.num_samples=16",
]


def compose_config(config_name: str, overrides: list[str]) -> DictConfig:
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        return compose(config_name=config_name, overrides=overrides)
