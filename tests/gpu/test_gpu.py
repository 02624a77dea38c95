"""The GPU path: every model trains on the accelerator in fp32 and bf16-mixed, compiled networks
run there, a checkpoint saved there loads on the CPU, and validation FID and evaluation run
with the extractor on the accelerator. Skipped without CUDA; benchmarks/gpu_check.sh runs
them on a GPU machine (GENLAB_FORCE_CPU=1 runs them on the CPU, to try the script first)."""

import os

import pytest
import torch

from genlab.app.train import train
from genlab.models.checkpoints import load_module

pytestmark = pytest.mark.requires_cuda
ACCELERATOR = "cpu" if os.environ.get("GENLAB_FORCE_CPU") == "1" else "gpu"
BF16 = "bf16-mixed"


def on_accelerator(*overrides: str) -> list[str]:
    return ["trainer=gpu", f"trainer.accelerator={ACCELERATOR}", "logger=none", *overrides]


@pytest.mark.parametrize("precision", ["32-true", BF16])
@pytest.mark.parametrize("model", ["gan", "dcgan", "vae"])
def test_every_model_trains_on_the_accelerator(train_config, model: str, precision: str) -> None:
    result = train(
        train_config(*on_accelerator(f"model={model}", f"trainer.precision={precision}"))
    )
    assert all(torch.isfinite(torch.tensor(v)) for v in result.metrics.values())
    images = load_module(result.checkpoint).sample(4)  # saved on the accelerator, read on the CPU
    assert images.device.type == "cpu" and images.shape == (4, 1, 28, 28)
    assert torch.isfinite(images).all()


def test_compiled_networks_train_on_the_accelerator(train_config) -> None:
    result = train(
        train_config(*on_accelerator("model=dcgan", "callbacks.compile_networks.enabled=true"))
    )
    assert load_module(result.checkpoint).sample(2).shape == (2, 1, 28, 28)


def test_conditional_and_ema_train_on_the_accelerator(train_config) -> None:
    result = train(
        train_config(
            *on_accelerator("model=dcgan", "model.conditional=true", "callbacks.ema.enabled=true")
        )
    )
    assert load_module(result.checkpoint).sample(10, torch.arange(10)).shape == (10, 1, 28, 28)


def test_fid_monitor_and_evaluation_run_with_the_extractor_on_the_accelerator(
    train_config, tmp_path, data_dir
) -> None:
    from genlab.app.evaluate import evaluate
    from genlab.app.train_evaluator import train_evaluator

    from compose import compose_config

    paths = [f"paths.root_dir={tmp_path}", f"paths.data_dir={data_dir}"]
    train_evaluator(
        compose_config(
            "evaluator",
            [
                *paths,
                "trainer.max_epochs=1",
                "trainer.enable_progress_bar=false",
                f"trainer.accelerator={ACCELERATOR}",
            ],
        )
    )
    result = train(train_config(*on_accelerator("model=dcgan", "callbacks=with_fid")))
    assert "val/fid" in result.metrics
    device = "cpu" if ACCELERATOR == "cpu" else "cuda"
    scores = evaluate(
        compose_config(
            "evaluate",
            [
                *paths,
                f"ckpt_path={result.checkpoint}",
                "eval.num_samples=200",
                f"eval.device={device}",
            ],
        ),
        output_dir=tmp_path / "evaluation",
    )
    assert scores["fid"] > 0 and scores["reference"]["fid"] < scores["fid"]
