"""Every config group value composes, and models build for every dataset shape."""

import pytest
from hydra import compose, initialize_config_dir
from hydra.utils import instantiate

from compose import CONF_DIR, compose_config


def options(group: str) -> list[str]:
    return sorted(p.stem for p in (CONF_DIR / group).glob("*.yaml") if p.stem[0] != "_")


def test_groups_have_the_documented_options() -> None:
    assert {"dcgan", "gan", "vae"} <= set(options("model"))  # others are added beside them
    assert {"cdcgan", "dcgan", "gan", "smoke", "vae"} <= set(options("experiment"))
    assert {"cifar10", "fashion_mnist", "image_folder", "mnist", "mnist5k"} <= set(options("data"))
    assert options("trainer") == ["cpu", "ddp", "gpu"]
    assert options("logger") == ["csv", "mlflow", "mlflow_csv", "none"]


@pytest.mark.parametrize("group", ["data", "model", "trainer", "logger", "callbacks", "experiment"])
def test_every_option_composes(group: str) -> None:
    for option in options(group):
        cfg = compose_config("train", [f"{group}={option}", "paths.output_dir=/tmp/x"])
        if group == "model" or option in ("gan", "dcgan", "cdcgan", "vae"):
            assert cfg.model.name == option  # the name a run and its report carry
        elif group != "experiment":
            assert cfg.model.name == "dcgan"  # train.yaml's model
        assert cfg.trainer._target_ == "pytorch_lightning.Trainer"


@pytest.mark.parametrize("model", options("model"))
@pytest.mark.parametrize("data", ["mnist5k", "cifar10", "image_folder"])
def test_model_builds_for_dataset_shape(model: str, data: str) -> None:
    cfg = compose_config("train", [f"model={model}", f"data={data}", "paths.output_dir=/tmp/x"])
    classes = {"num_classes": 10, "class_counts": [1] * 10} if cfg.model.conditional else {}
    module = instantiate(cfg.model, **classes)
    images = module.sample(2)
    assert images.shape == (2, cfg.data.channels, cfg.data.image_size, cfg.data.image_size)
    assert images.min() >= -1 and images.max() <= 1


def test_model_configs_only_configure_the_model() -> None:
    """A model option changes `model` and nothing else; budgets live in experiment configs."""
    base = compose_config("train", ["paths.output_dir=/tmp/x"])
    for model in options("model"):
        cfg = compose_config("train", [f"model={model}", "paths.output_dir=/tmp/x"])
        for key in cfg:
            if key != "model":
                assert cfg[key] == base[key], f"model={model} changed {key}"


def test_experiments_set_the_pipeline_budgets_and_the_command_line_wins() -> None:
    for model in ("gan", "dcgan", "cdcgan", "vae"):
        cfg = compose_config("train", [f"experiment={model}"])
        assert cfg.model.name == model and cfg.trainer.max_epochs > 1
    cfg = compose_config("train", ["experiment=gan", "trainer.max_epochs=3"])
    assert cfg.trainer.max_epochs == 3


def test_logger_uses_embedded_store_unless_env_says_otherwise(monkeypatch) -> None:
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    cfg = compose_config("train", ["paths.root_dir=/srv/genlab"])
    assert cfg.logger.mlflow.tracking_uri == "sqlite:////srv/genlab/mlflow.db"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "http://127.0.0.1:5000")
    cfg = compose_config("train", [])
    assert cfg.logger.mlflow.tracking_uri == "http://127.0.0.1:5000"


def test_sweep_configs_pick_their_plugins() -> None:
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        optuna = compose("train", ["hparams_search=fid_optuna"], return_hydra_config=True)
        slurm = compose("train", ["hydra/launcher=slurm"], return_hydra_config=True)
    assert optuna.hydra.sweeper._target_.endswith("OptunaSweeper") and optuna.evaluate
    assert optuna.hydra.sweeper.direction == "minimize"
    assert slurm.hydra.launcher._target_.endswith("submitit_launcher.SlurmLauncher")
