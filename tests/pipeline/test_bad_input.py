"""Bad input as a user types it: one `error: ...` line on stderr naming what is wrong and what
is valid, exit code 2, and no MLflow run or output left behind by a run that never started.
Cases that fail only after the heavy imports run the script in this process
(`run_script_in_process`); tests/pipeline/test_error_matrix.py runs such cases in real
processes too."""

import os
import subprocess
from pathlib import Path

import pytest

from genlab.app.train import train

from scripts import InProcessResult, run_script, run_script_in_process


def assert_one_line(result: subprocess.CompletedProcess | InProcessResult, *fragments: str) -> None:
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2, result.stderr[-2000:]
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr[-2000:]
    for fragment in fragments:
        assert fragment in lines[0]


@pytest.mark.parametrize(
    ("overrides", "fragments"),
    [
        (["trainer.max_epochs=abc"], ["trainer.max_epochs: Value 'abc'", "Integer"]),
        (["data.batch_size=-4"], ["data.batch_size must be an integer >= 1, got -4"]),
        (["model.latent_dim=0"], ["model.latent_dim must be an integer >= 1, got 0"]),
        (["model.lr=-1"], ["model.lr must be a finite number > 0, got -1"]),
        (["model=dcgan", "data.image_size=30"], ["image_size=30", "valid sizes: 16, 28, 32"]),
    ],
)
def test_wrong_values_fail_before_anything_runs(
    tmp_path: Path,
    data_dir: Path,
    overrides: list[str],
    fragments: list[str],
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
) -> None:
    """In this process (the script's own `__main__`, without a new interpreter's imports)."""
    result = run_script_in_process(
        "train.py", *overrides, f"paths.data_dir={data_dir}",
        root=tmp_path, monkeypatch=monkeypatch, capfd=capfd,
    )  # fmt: skip
    assert_one_line(result, *fragments)
    assert not (tmp_path / "mlflow.db").exists()


def test_a_wrong_value_is_one_line_in_a_real_process(tmp_path: Path, data_dir: Path) -> None:
    """What a user's shell shows, not only what the in-process cases above caught."""
    result = run_script("train.py", "model.lr=-1", f"paths.data_dir={data_dir}", root=tmp_path)
    assert_one_line(result, "model.lr must be a finite number > 0, got -1")
    assert not (tmp_path / "mlflow.db").exists()


def test_unreachable_tracking_server_fails_before_training(tmp_path: Path) -> None:
    result = run_script(
        "train.py",
        "experiment=smoke",
        root=tmp_path,
        tracking_uri="http://alice:hunter2@127.0.0.1:9",
    )
    assert_one_line(result, "cannot reach the MLflow tracking server at http://alice:***@")
    assert "hunter2" not in result.stderr + result.stdout
    assert not list(tmp_path.glob("outputs/train/*/checkpoints"))


def test_unwritable_store_folder_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("not a folder")
    uri = f"sqlite:///{tmp_path}/file/mlflow.db"
    result = run_script("train.py", "experiment=smoke", root=tmp_path, tracking_uri=uri)
    store = f"{tmp_path}/file/mlflow.db"
    assert_one_line(result, f"cannot create the MLflow store {store}", "not a writable folder")


@pytest.fixture(scope="module")
def gan_checkpoint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from compose import TINY_RUN, compose_config

    root = tmp_path_factory.mktemp("gan")
    cfg = compose_config(
        "train",
        [f"paths.root_dir={root}", f"paths.output_dir={root}/run", *TINY_RUN, "model=gan"],
    )
    return Path(train(cfg).checkpoint)


def test_truncated_checkpoint_is_one_line(
    tmp_path: Path,
    gan_checkpoint: Path,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
) -> None:
    truncated = tmp_path / "truncated.ckpt"
    truncated.write_bytes(gan_checkpoint.read_bytes()[:5000])
    result = run_script_in_process(
        "sample.py", f"ckpt_path={truncated}", root=tmp_path, monkeypatch=monkeypatch, capfd=capfd
    )
    assert_one_line(result, f"cannot read checkpoint {truncated}")


@pytest.mark.parametrize(
    ("overrides", "fragment"),
    [
        (["model=vae"], "holds a gan model, not the configured vae"),
        (["model=gan", "model.generator.hidden_dims=[64,128,256]"], "does not fit"),
    ],
)
def test_resuming_from_another_models_checkpoint_is_one_line(
    tmp_path: Path,
    data_dir: Path,
    gan_checkpoint: Path,
    overrides: list[str],
    fragment: str,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
) -> None:
    result = run_script_in_process(
        "train.py",
        *overrides,
        f"ckpt_path={gan_checkpoint}",
        f"paths.data_dir={data_dir}",
        root=tmp_path,
        monkeypatch=monkeypatch,
        capfd=capfd,
    )
    assert_one_line(result, fragment)
    assert not (tmp_path / "mlflow.db").exists()


@pytest.mark.parametrize("blocker", ["file", "missing-parent"])
def test_unwritable_output_folder_is_one_line(tmp_path: Path, blocker: str) -> None:
    (tmp_path / "file").write_text("not a folder")
    run_dir = tmp_path / "file" / "run" if blocker == "file" else Path("/proc/genlab/run")
    result = run_script("train.py", "experiment=smoke", f"hydra.run.dir={run_dir}", root=tmp_path)
    blocked = run_dir if blocker == "file" else run_dir.parent  # /proc refuses new folders
    assert_one_line(result, f"cannot write {blocked}", "hydra.run.dir=<folder>")


class RunsCode:
    """A pickle that runs a command when loaded without `weights_only`."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_tampered_files_are_refused_without_running_their_code(tmp_path: Path) -> None:
    import torch

    from genlab.metrics.cache import RealFeatureCache
    from genlab.metrics.extractor import InceptionExtractor
    from genlab.models.checkpoints import load_module
    from genlab.utils.errors import CheckpointError, GenlabError

    marker = tmp_path / "code-ran"
    tampered = tmp_path / "tampered.ckpt"
    torch.save({"genlab_module_class": "x", "state_dict": RunsCode(marker)}, tampered)
    with pytest.raises(CheckpointError, match="cannot read checkpoint"):
        load_module(tampered)
    with pytest.raises(GenlabError, match="not a plain tensor file"):
        InceptionExtractor(tampered)

    cache = RealFeatureCache(tmp_path / "cache")
    key = {"split": "train"}
    cache.path_for(key).parent.mkdir(parents=True)
    torch.save({"key": "x", "features": RunsCode(marker)}, cache.path_for(key))
    features, _ = cache.get_or_compute(key, lambda: (torch.zeros(2, 3), torch.zeros(2, 10)))
    assert features.shape == (2, 3) and cache.misses == 1  # ignored and recomputed
    assert not marker.exists()
