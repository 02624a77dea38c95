"""Same seed, same weights; a checkpoint alone rebuilds a model that samples identically."""

from pathlib import Path

import pytest
import torch
from states import differing_keys

from genlab.app.train import train
from genlab.models.checkpoints import load_module
from genlab.utils.errors import CheckpointError


def weights_of(checkpoint: str) -> dict[str, torch.Tensor]:
    return torch.load(checkpoint, weights_only=True)["state_dict"]


@pytest.mark.parametrize("model", ["gan", "vae"])
def test_same_seed_gives_identical_weights(train_config, tmp_path: Path, model: str) -> None:
    first = train(train_config(f"model={model}", "logger=none", "seed=11"))
    first_weights = weights_of(first.checkpoint)
    Path(first.checkpoint).unlink()
    second = weights_of(train(train_config(f"model={model}", "logger=none", "seed=11")).checkpoint)
    other = weights_of(train(train_config(f"model={model}", "logger=none", "seed=12")).checkpoint)
    assert differing_keys(first_weights, second) == []
    assert differing_keys(first_weights, other)


@pytest.mark.parametrize("model", ["gan", "vae"])
def test_how_often_a_run_validates_never_changes_what_it_trains(
    train_config, tmp_path: Path, model: str
) -> None:
    # Validation draws noise (its losses' latent codes, the VAE's posterior samples) and the
    # sanity check validates before the first step: neither may move the training stream.
    def trained(name: str, *overrides: str) -> dict[str, torch.Tensor]:
        run = tmp_path / name  # a folder each: a second last.ckpt in one would be last-v1.ckpt
        cfg = train_config(
            f"model={model}", "logger=none", "seed=5", "trainer.max_epochs=2",
            f"paths.output_dir={run}", *overrides,
        )  # fmt: skip
        train(cfg)
        return weights_of(f"{run}/checkpoints/last.ckpt")

    every_epoch = trained(
        "every", "trainer.check_val_every_n_epoch=1", "+trainer.num_sanity_val_steps=2"
    )
    once = trained("once", "trainer.check_val_every_n_epoch=2", "+trainer.num_sanity_val_steps=0")
    assert differing_keys(every_epoch, once) == []


@pytest.mark.parametrize("model", ["gan", "dcgan", "vae"])
def test_checkpoint_round_trip_gives_identical_samples(train_config, model: str) -> None:
    from hydra.utils import instantiate

    cfg = train_config(f"model={model}", "logger=none")
    result = train(cfg)
    restored = load_module(result.checkpoint)
    assert type(restored).__name__ == instantiate(cfg.model).__class__.__name__

    trained_state = torch.load(result.checkpoint, weights_only=True)["state_dict"]
    reference = instantiate(cfg.model)
    reference.load_state_dict(trained_state)
    z = torch.randn(8, restored.latent_dim, generator=torch.Generator().manual_seed(0))
    assert torch.equal(restored.generate(z), reference.generate(z))


def test_missing_and_foreign_checkpoints_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(CheckpointError, match="checkpoint not found: .*nope.ckpt"):
        load_module(tmp_path / "nope.ckpt")
    truncated = tmp_path / "truncated.ckpt"
    truncated.write_bytes(b"PK\x03\x04 not really a checkpoint")
    with pytest.raises(CheckpointError, match="cannot read checkpoint"):
        load_module(truncated)
    foreign = tmp_path / "foreign.ckpt"
    torch.save({"state_dict": {}}, foreign)
    with pytest.raises(CheckpointError, match="not a genlab checkpoint"):
        load_module(foreign)
