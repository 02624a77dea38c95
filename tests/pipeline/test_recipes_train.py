"""Every shipped recipe trains a few batches through `train()` into a real MLflow store, read
back with MlflowClient: the pipeline's experiments (what `make train` and `make run` start), a
conditional GAN and the conditional VAE. Budgets are cut to a few batches; everything else
(self-conditioning, R1, EMA, the prior) is the recipe's own."""

from pathlib import Path

import pytest
from mlflow import MlflowClient

from genlab.app.train import train
from genlab.models.checkpoints import load_module

FEW_BATCHES = ["trainer.check_val_every_n_epoch=1"]

RECIPES = {
    "experiment=dcgan": ("dcgan", "d_loss", 10),  # (name, a loss it logs, label count)
    "experiment=cdcgan": ("cdcgan", "d_loss", 10),
    "experiment=gan": ("gan", "d_loss", 20),
    "experiment=vae": ("vae", "loss", 0),
    "model=gan model.conditional=true": ("gan", "d_loss", 10),
    "model=vae model.conditional=true": ("vae", "loss", 10),
}


@pytest.mark.slow
@pytest.mark.parametrize("recipe", sorted(RECIPES))
def test_a_shipped_recipe_trains_into_mlflow(
    recipe: str, train_config, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    name, loss, labels = RECIPES[recipe]
    cfg = train_config(*recipe.split(), *FEW_BATCHES)
    result = train(cfg)

    client = MlflowClient(result.run.tracking_uri)
    run = client.get_run(result.run.run_id)
    assert run.info.status == "FINISHED"
    assert run.info.run_name == f"{name}-mnist5k-seed{cfg.seed}"
    assert run.data.params["model/name"] == name
    assert run.data.params["model/conditional"] == str(cfg.model.conditional)
    steps = client.get_metric_history(run.info.run_id, f"train/{loss}_step")
    assert len(steps) == 3  # TINY_RUN's three batches, each logged
    assert "val/loss" in run.data.metrics or "val/d_loss" in run.data.metrics

    module = load_module(result.checkpoint)
    assert module.hparams.name == name and module.label_count == labels
    asked = list(range(4)) if module.conditional else None
    images = module.sample(4, asked)
    assert images.shape == (4, 1, 28, 28) and images.abs().max() <= 1
