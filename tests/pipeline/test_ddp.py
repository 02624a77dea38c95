"""Real 2-process DDP on the CPU (gloo) through the training script, as a user starts it.

Run as a subprocess: Lightning's `ddp` launcher re-runs the script for the second rank, which
must not be pytest itself.
"""

import math
from pathlib import Path

import pytest
import torch
from mlflow.tracking import MlflowClient

from compose import TINY_RUN
from scripts import run_script


@pytest.mark.slow
@pytest.mark.parametrize(
    ("model", "options"),
    [("dcgan", ["model.r1_gamma=1", "model.r1_every=2"]), ("vae", [])],
    # R1's input gradient (a double backward) under DDP, lazily as the recipes apply it: 3
    # batches, so the ranks take steps with and without it. The GAN module's DDP path is the
    # DCGAN's; the MLP generator adds no layer DDP treats differently (no BatchNorm).
    ids=["dcgan-r1", "vae"],
)
def test_two_process_ddp_agrees_across_ranks_and_logs_one_run(
    model: str, options: list[str], tmp_path: Path, data_dir: Path
) -> None:
    tracking_uri = f"sqlite:///{tmp_path}/mlflow.db"
    result = run_script(
        "train.py",
        f"model={model}",
        *options,
        "trainer=ddp",
        "trainer.accelerator=cpu",
        "trainer.devices=2",
        *TINY_RUN,
        "trainer.limit_val_batches=2",
        f"paths.data_dir={data_dir}",
        f"hydra.run.dir={tmp_path}/run",
        "+callbacks.rank_weights._target_=rank_weights.RankWeightsDump",
        f"+callbacks.rank_weights.output_dir={tmp_path}/weights",
        root=tmp_path,
        tracking_uri=tracking_uri,
    )
    assert result.returncode == 0, result.stderr[-3000:]

    ranks = [torch.load(tmp_path / "weights" / f"rank{r}.pt") for r in (0, 1)]
    assert [dump["world_size"] for dump in ranks] == [2, 2]
    assert ranks[0]["noise_seed"] != ranks[1]["noise_seed"]  # each rank draws its own latents
    # DDP keeps parameters in step. BatchNorm running statistics are each rank's own (rank 0's
    # are checkpointed) unless trainer.sync_batchnorm=true, which torch supports on GPUs only.
    for name, value in ranks[0]["parameters"].items():
        assert torch.equal(value, ranks[1]["parameters"][name]), f"{name} differs across ranks"

    client = MlflowClient(tracking_uri)
    runs = client.search_runs([e.experiment_id for e in client.search_experiments()])
    assert len(runs) == 1, [r.info.run_name for r in runs]
    run = runs[0]
    assert run.info.status == "FINISHED"
    losses = [k for k in run.data.metrics if k.startswith("train/") and k.endswith("_step")]
    assert losses and all(math.isfinite(run.data.metrics[k]) for k in losses)
    assert any(a.path == "samples" for a in client.list_artifacts(run.info.run_id))
