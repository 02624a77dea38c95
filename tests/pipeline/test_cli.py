"""The entry scripts as a user runs them: subprocesses, real exit codes, real files (sampling
from a checkpoint and the conditional model's sampling run sample.py in-process: the
real-process path is sampling by run id)."""

from pathlib import Path

import pytest

from compose import TINY_RUN
from scripts import run_script, run_script_in_process


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("model=foo", "error: unknown model 'foo'; valid choices: dcgan, flow, gan, r3gan, vae"),
        (
            "data=nope",
            "error: unknown data 'nope'; valid choices: "
            "cifar10, fashion_mnist, image_folder, mnist, mnist5k, stacked_mnist",
        ),
    ],
)
def test_unknown_choice_is_one_line(tmp_path: Path, override: str, message: str) -> None:
    result = run_script("train.py", override, root=tmp_path)
    assert result.returncode != 0
    assert result.stderr.strip() == message


@pytest.mark.parametrize("flags", [["--cfg", "job"], ["-c", "job"], ["--cfg=job"]])
def test_hydra_flags_take_their_value_as_the_next_word(tmp_path: Path, flags: list[str]) -> None:
    """`--cfg job` is a flag and its value, not an override named `job`."""
    result = run_script("train.py", "experiment=vae", *flags, root=tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "check_val_every_n_epoch: 4" in result.stdout


def test_sample_with_missing_checkpoint_is_one_line(tmp_path: Path) -> None:
    result = run_script("sample.py", f"ckpt_path={tmp_path}/missing.ckpt", root=tmp_path)
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [
        f"error: checkpoint not found: {tmp_path}/missing.ckpt"
    ]


@pytest.mark.slow
def test_train_then_sample_from_checkpoint_and_run_id(
    tmp_path: Path,
    data_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
) -> None:
    """Train and sample by run id in real processes, as a user would; sample from the
    checkpoint in this process (the same script, without a third interpreter's imports)."""
    train_args = [*TINY_RUN, "model=vae", f"paths.data_dir={data_dir}"]
    trained = run_script("train.py", *train_args, root=tmp_path)
    assert trained.returncode == 0, trained.stderr[-2000:]
    lines = dict(line.split(":", 1) for line in trained.stdout.splitlines() if ":" in line)
    checkpoint = lines["checkpoint"].strip()
    assert Path(lines["sample grid"].strip()).is_file()
    run_id = next(
        line.split()[2] for line in trained.stdout.splitlines() if line.startswith("MLflow run")
    )

    out = tmp_path / "from_ckpt"
    sampled = run_script_in_process(
        "sample.py",
        f"ckpt_path={checkpoint}",
        "num_samples=10",
        f"output_dir={out}",
        f"paths.data_dir={data_dir}",
        root=tmp_path,
        monkeypatch=monkeypatch,
        capfd=capfd,
    )
    assert sampled.returncode == 0, sampled.stderr[-2000:]
    assert len(list((out / "images").glob("*.png"))) == 10
    for name in ["grid.png", "interpolation.png", "reconstructions.png"]:
        assert (out / name).read_bytes()[:4] == b"\x89PNG"

    out = tmp_path / "from_run"
    sampled = run_script(
        "sample.py",
        f"run_id={run_id}",
        "num_samples=4",
        "reconstructions=0",
        f"output_dir={out}",
        root=tmp_path,
    )
    assert sampled.returncode == 0, sampled.stderr[-2000:]
    assert len(list((out / "images").glob("*.png"))) == 4


@pytest.mark.slow
def test_a_conditional_model_samples_the_asked_classes(
    tmp_path: Path,
    data_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
) -> None:
    trained = run_script(
        "train.py",
        *TINY_RUN,
        "model=dcgan",
        "model.conditional=true",
        "logger=none",
        f"paths.data_dir={data_dir}",
        f"hydra.run.dir={tmp_path}/run",
        root=tmp_path,
    )
    assert trained.returncode == 0, trained.stderr[-2000:]
    checkpoint = next((tmp_path / "run" / "checkpoints").glob("epoch*.ckpt"))
    for args, count in [(["per_class=2"], 20), (["labels=[0,3,7]", "num_samples=6", "nrow=2"], 6)]:
        out = tmp_path / f"samples{count}"
        sampled = run_script_in_process(
            "sample.py",
            f"ckpt_path={checkpoint}",
            *args,
            f"output_dir={out}",
            root=tmp_path,
            monkeypatch=monkeypatch,
            capfd=capfd,
        )
        assert sampled.returncode == 0, sampled.stderr[-2000:]
        assert len(list((out / "images").glob("*.png"))) == count
        assert (out / "interpolation.png").read_bytes()[:4] == b"\x89PNG"


@pytest.mark.parametrize("fails", [False, True])
def test_an_entry_script_leaves_its_objects_to_the_os(fails: bool) -> None:
    """Its process then exits without collecting them (1-2 s a stage, BENCHMARKS.md), whether
    the job ended well or on a user's error."""
    import gc

    from genlab.app.cli import run
    from genlab.utils.errors import GenlabError

    def task() -> None:
        if fails:
            raise GenlabError("data.batch_size must be >= 1, got 0")

    gc.unfreeze()
    try:
        if fails:
            with pytest.raises(SystemExit) as exited:
                run(task, "train")
            assert exited.value.code == 2
        else:
            run(task, "train")
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
