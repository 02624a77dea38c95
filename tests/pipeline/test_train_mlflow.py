"""A real training run logged to a temp MLflow store, read back with MlflowClient."""

import os
from pathlib import Path
from typing import Any

import mlflow
import pytest
import torch
from mlflow import MlflowClient
from mlflow_uri import global_tracking_uri

from genlab.app.train import train
from genlab.models.checkpoints import load_module
from genlab.tracking.params import compared_keys

from compose import compose_config


def logged_model(tracking_uri: str, run_id: str) -> tuple[Any, Any]:
    """The run's logged model and its model info."""
    with global_tracking_uri(tracking_uri):
        uri = f"runs:/{run_id}/model"
        return mlflow.pytorch.load_model(uri), mlflow.models.get_model_info(uri)


@pytest.fixture
def tracked_run(train_config, tmp_path: Path, monkeypatch) -> dict:
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    cfg = train_config("model=vae", "seed=3", "experiment_name=test-genlab")
    return {"result": train(cfg), "cfg": cfg, "root": tmp_path}


def test_run_is_tracked_with_params_metrics_and_artifacts(tracked_run: dict) -> None:
    tracking_uri, run_id = tracked_run["result"].run.tracking_uri, tracked_run["result"].run.run_id
    assert tracking_uri == f"sqlite:///{tracked_run['root']}/mlflow.db"
    client = MlflowClient(tracking_uri)
    run = client.get_run(run_id)

    assert run.info.run_name == "vae-mnist5k-seed3"
    assert run.info.status == "FINISHED"
    assert {"model": "vae", "data": "mnist5k", "seed": "3"}.items() <= run.data.tags.items()
    assert run.data.tags["git_commit"]

    params = run.data.params
    assert params["model/name"] == "vae"
    assert float(params["model/lr"]) == tracked_run["cfg"].model.lr
    assert params["trainer/max_epochs"] == "1"
    assert set(params) == set(compared_keys())  # no paths, no class names
    assert params["model/prior"] == tracked_run["cfg"].model.prior
    assert params["model/loss"] == "n/a" and params["model/augment/policy"] == "n/a"

    history = client.get_metric_history(run_id, "train/loss_step")
    assert [m.step for m in history] == [0, 1, 2]  # one point per optimizer step
    (epoch_mean,) = client.get_metric_history(run_id, "train/loss_epoch")
    assert epoch_mean.value == pytest.approx(sum(m.value for m in history) / 3, rel=1e-5)
    assert "val/loss" in run.data.metrics

    top = {a.path for a in client.list_artifacts(run_id)}
    assert {"config", "samples"} <= top
    samples = [a.path for a in client.list_artifacts(run_id, "samples")]
    assert samples == ["samples/epoch_001.png"]
    local = client.download_artifacts(run_id, "samples/epoch_001.png", str(tracked_run["root"]))
    assert Path(local).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    config_yaml = client.download_artifacts(run_id, "config/config.yaml", str(tracked_run["root"]))
    assert "name: vae" in Path(config_yaml).read_text()
    ckpts = [
        f.path for d in top for f in client.list_artifacts(run_id, d) if f.path.endswith(".ckpt")
    ]
    assert ckpts == ["checkpoints/epoch000.ckpt"]  # the kept one, which evaluation scores


def test_logged_model_samples(tracked_run: dict) -> None:
    tracking_uri, run_id = tracked_run["result"].run.tracking_uri, tracked_run["result"].run.run_id
    model, _ = logged_model(tracking_uri, run_id)
    images = model(torch.randn(5, tracked_run["cfg"].model.latent_dim))
    assert images.shape == (5, 1, 28, 28)


def test_the_checkpoint_kept_by_the_monitor_is_the_logged_model(
    train_config, tmp_path: Path, monkeypatch
) -> None:
    """The middle of three epochs scores best: it, not the last, is kept, scored and logged."""
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    monkeypatch.syspath_prepend(str(Path(__file__).parent))
    result = train(
        train_config(
            "model=dcgan",
            "trainer.max_epochs=3",
            "callbacks.model_checkpoint.monitor=val/scripted",
            "+callbacks.scripted._target_=fault_injection.ScriptedMetric",
            "+callbacks.scripted.name=val/scripted",
            "+callbacks.scripted.values=[3.0,1.0,2.0]",
        )
    )
    assert Path(result.checkpoint).name == "epoch001.ckpt"
    tracking_uri, run_id = result.run.tracking_uri, result.run.run_id
    run = MlflowClient(tracking_uri).get_run(run_id)
    assert run.data.tags["genlab.logged_model_epoch"] == "1"

    logged, _ = logged_model(tracking_uri, run_id)
    kept = load_module(result.checkpoint)
    last = load_module(Path(result.checkpoint).with_name("last.ckpt"))
    z = torch.randn(16, kept.latent_dim, generator=torch.Generator().manual_seed(0))
    torch.testing.assert_close(logged(z), kept.generate(z))
    assert (logged(z) - last.generate(z)).abs().max() > 1e-3


def test_a_conditional_model_round_trips_through_the_mlflow_model(
    train_config, tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    result = train(train_config("model=dcgan", "model.conditional=true"))
    tracking_uri, run_id = result.run.tracking_uri, result.run.run_id
    logged, info = logged_model(tracking_uri, run_id)
    kept = load_module(result.checkpoint)
    weights = info.metadata["label_weights"]
    assert weights == pytest.approx(kept.class_prior.tolist(), abs=1e-6) and len(weights) == 10
    z = torch.randn(10, kept.latent_dim, generator=torch.Generator().manual_seed(0))
    labels = torch.arange(10)
    torch.testing.assert_close(logged(z, labels), kept.generate(z, labels))
    assert logged(z, labels).shape == (10, 1, 28, 28)


def test_a_self_conditioned_model_is_logged_as_a_graph_that_takes_its_clusters(
    train_config, tmp_path: Path, monkeypatch
) -> None:
    """pt2, not pickle: the artifact is a `torch.export` program, loaded without unpickling
    code, any batch size; the labels it takes are the clusters, drawn by their sizes."""
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    result = train(train_config("model=gan", "model.self_conditioning.clusters=4"))
    tracking_uri, run_id = result.run.tracking_uri, result.run.run_id
    with global_tracking_uri(tracking_uri):
        listed = MlflowClient(tracking_uri).list_artifacts(run_id, "model/data")
    files = {artifact.path for artifact in listed}
    assert files == {"model/data/model.pt2"}  # pickle writes model.pth and its module's name
    _, info = logged_model(tracking_uri, run_id)
    kept = load_module(result.checkpoint)
    sizes = kept.clusters.sizes / kept.clusters.sizes.sum()
    assert info.metadata["label_weights"] == pytest.approx(sizes.tolist(), abs=1e-6)
    # MLflow then loads only an archive whose records its restricted unpickler accepts.
    monkeypatch.setenv("MLFLOW_ALLOW_PICKLE_DESERIALIZATION", "false")
    logged, _ = logged_model(tracking_uri, run_id)
    for n in (1, 7):
        z = torch.randn(n, kept.latent_dim, generator=torch.Generator().manual_seed(n))
        clusters = torch.arange(n) % 4
        torch.testing.assert_close(logged(z, clusters), kept.generate(z, clusters))


def test_runs_of_a_config_share_param_keys(train_config, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    first = train(train_config("model=gan", "seed=1"))
    second = train(train_config("model=gan", "seed=2", "model.lr=0.001"))
    client = MlflowClient(first.run.tracking_uri)
    runs = [client.get_run(r.run.run_id) for r in (first, second)]
    assert runs[0].data.params.keys() == runs[1].data.params.keys()
    recipe_lr = compose_config("train", ["model=gan"]).model.lr
    assert [r.data.params["model/lr"] for r in runs] == [str(recipe_lr), "0.001"]
    # The logged value is the one the generator's optimizer ran with.
    optimizer = torch.load(second.checkpoint, weights_only=False)["optimizer_states"][0]
    assert optimizer["param_groups"][0]["lr"] == 0.001
    assert runs[0].info.experiment_id == runs[1].info.experiment_id


def test_a_finished_run_leaves_the_next_run_in_its_own_store(
    tracked_run: dict, tmp_path_factory: pytest.TempPathFactory, data_dir: Path
) -> None:
    # Logging the kept model goes through MLflow's fluent API, whose set_tracking_uri also sets
    # MLFLOW_TRACKING_URI in the environment: left there, a second run composed in the same
    # process (a notebook) would land in the first run's store.
    from compose import TINY_RUN, compose_config

    assert "MLFLOW_TRACKING_URI" not in os.environ
    other = tmp_path_factory.mktemp("other")
    cfg = compose_config(
        "train",
        [f"paths.root_dir={other}", f"paths.data_dir={data_dir}",
         f"paths.output_dir={other}/run", *TINY_RUN, "model=gan"],
    )  # fmt: skip
    second = train(cfg)
    assert second.run.tracking_uri == f"sqlite:///{other}/mlflow.db"
    run = MlflowClient(second.run.tracking_uri).get_run(second.run.run_id)
    assert run.info.status == "FINISHED" and run.data.params["model/name"] == "gan"
    first = MlflowClient(tracked_run["result"].run.tracking_uri)
    first_runs = first.search_runs([e.experiment_id for e in first.search_experiments()])
    assert [r.info.run_id for r in first_runs] == [tracked_run["result"].run.run_id]


def test_credentials_never_reach_params_or_the_config_artifact(
    train_config, tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    monkeypatch.setenv("GENLAB_TEST_SECRET", "s3cr3t-value")
    result = train(
        train_config(
            "model=vae",
            "trainer.limit_train_batches=1",
            "+extra.aws_secret_access_key=${oc.env:GENLAB_TEST_SECRET}",
            "+extra.team_db=postgresql://alice:hunter2@db.example:5432/mlflow",
        )
    )
    tracking_uri, run_id = result.run.tracking_uri, result.run.run_id
    client = MlflowClient(tracking_uri)
    params = client.get_run(run_id).data.params
    assert not any("s3cr3t" in v or "hunter2" in v for v in params.values())
    config_file = mlflow.artifacts.download_artifacts(
        run_id=run_id, artifact_path="config/config.yaml", tracking_uri=tracking_uri
    )
    logged = Path(config_file).read_text()
    assert "s3cr3t-value" not in logged and "hunter2" not in logged
    assert "aws_secret_access_key: '***'" in logged
    assert "postgresql://alice:***@db.example:5432/mlflow" in logged
