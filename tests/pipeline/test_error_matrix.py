"""Bad input across every entry script, as a user types it: exit code 2, exactly one stderr line
that starts with `error:`, and nothing left behind: no new file or folder under the project
root (no Hydra run folder either) and no new MLflow run.

Each case runs the real script's `__main__` in a fresh project root (GENLAB_ROOT), inside the
test process (`run_script_in_process`: its exit code, its stderr, every warning a fresh process
would print counted as a line), so no case pays for importing torch and Lightning again. A
real process per entry script (`SUBPROCESS_CASES`) checks what only a new interpreter shows:
nothing printed while importing. The shared `world` holds what the cases point at: prepared
data, trained checkpoints, odd files.
"""

import contextlib
import functools
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from compose import TINY_RUN, compose_config
from scripts import run_script, run_script_in_process


@dataclass
class Case:
    id: str
    script: str
    args: list[str]
    env: dict[str, str] = field(default_factory=dict)
    says: str = ""  # a fragment the error line must contain
    store: bool = False  # start from a store that holds one finished run ({run_id})


DATA = "paths.data_dir={data}"
CASES = [
    # train.py: config options, keys and values
    Case(
        "unknown-model",
        "train.py",
        ["model=foo"],
        says="valid choices: dcgan, flow, gan, r3gan, vae",
    ),
    Case("unknown-experiment", "train.py", ["experiment=nope"], says="unknown experiment"),
    Case("unknown-key", "train.py", ["foo=bar"], says="foo"),
    Case("unknown-nested-key", "train.py", ["trainer.foo=1"], says="trainer.foo"),
    Case("sweep-without-m", "train.py", ["model=dcgan,vae"], says="-m"),
    Case("override-without-value", "train.py", ["model.lr"], says="model.lr"),
    Case("unknown-launcher", "train.py", ["-m", "hydra/launcher=nope"], says="nope"),
    Case("unknown-trainer-arg", "train.py", ["+trainer.foo=1"], says="trainer.foo"),
    Case("gpu-without-gpu", "train.py", ["trainer=gpu"], says="GPU"),
    Case("bad-precision", "train.py", ["trainer.precision=foo"], says="Precision 'foo' is invalid"),
    Case("zero-devices", "train.py", ["trainer.devices=0"], says="Trainer(devices=0)"),
    Case("epochs-not-int", "train.py", ["trainer.max_epochs=abc"], says="trainer.max_epochs"),
    Case("negative-batch", "train.py", ["data.batch_size=-4"], says="data.batch_size"),
    Case("zero-batch", "train.py", ["data.batch_size=0"], says="data.batch_size"),
    Case("zero-latent", "train.py", ["model.latent_dim=0"], says="model.latent_dim"),
    Case("infinite-lr", "train.py", ["model.lr=inf"], says="model.lr"),
    Case("negative-lr", "train.py", ["model.lr=-1"], says="model.lr"),
    Case("zero-lr-d", "train.py", ["model.lr_d=0"], says="model.lr_d"),
    Case("unknown-loss", "train.py", ["model.loss=foo"], says="hinge"),
    Case("unknown-prior", "train.py", ["model=vae", "model.prior=foo"], says="gmm"),
    Case("unknown-augment", "train.py", ["model.augment.policy=[flip]"], says="translation"),
    Case("negative-seed", "train.py", ["seed=-1"], says="seed"),
    Case("unbuildable-size", "train.py", ["data.image_size=30"], says="valid sizes"),
    Case("ema-decay", "train.py", ["callbacks.ema.decay=2"], says="callbacks.ema.decay"),
    # train.py: data that cannot feed this run
    Case("size-vs-prepared", "train.py", [DATA, "data.image_size=32"], says="prepared"),
    Case("batch-over-dataset", "train.py", [DATA, "data.batch_size=5000"], says="5000"),
    Case(
        "never-validates",
        "train.py",
        [
            DATA,
            "experiment=vae",
            "trainer.max_epochs=1",
            "callbacks=with_fid",
            "callbacks.fid_monitor.evaluator_ckpt={evaluator}",
        ],
        says="check_val_every_n_epoch=1",
    ),
    Case("folder-root-missing", "train.py", ["data=image_folder"], says="data.source.root"),
    Case(
        "one-image-folder",
        "train.py",
        [DATA, "data=image_folder", "data.source.root={one_image}", "data.image_size=32"],
        says="image",
    ),
    Case(
        "conditional-without-classes",
        "train.py",
        [
            DATA,
            "data=image_folder",
            "data.source.root={flat}",
            "model.conditional=true",
            "data.image_size=32",
            "data.batch_size=8",
        ],
        says="classes",
    ),
    Case("fid-without-evaluator", "train.py", [DATA, "callbacks=with_fid"], says="evaluator"),
    # train.py: checkpoints and runs
    Case("missing-ckpt", "train.py", [DATA, "ckpt_path={root}/nope.ckpt"], says="nope.ckpt"),
    Case("other-model-ckpt", "train.py", [DATA, "model=vae", "ckpt_path={gan_ckpt}"], says="gan"),
    Case("resume-unknown-run", "train.py", [DATA, "resume=0123abcd"], store=True, says="0123abcd"),
    Case("resume-without-store", "train.py", [DATA, "resume=0123abcd"], says="no MLflow store"),
    Case(
        "resume-without-logger",
        "train.py",
        ["resume={run_id}", "logger=none"],
        store=True,
        says="logger",
    ),
    # train.py: the MLflow store
    Case("empty-uri", "train.py", [], env={"MLFLOW_TRACKING_URI": ""}, says="MLFLOW_TRACKING_URI"),
    Case("unknown-scheme", "train.py", [], env={"MLFLOW_TRACKING_URI": "foo://bar"}, says="foo://"),
    Case(
        "file-store",
        "train.py",
        [],
        env={"MLFLOW_TRACKING_URI": "file:///tmp/genlab-mlruns"},
        says="sqlite",
    ),
    Case(
        "store-under-a-file",  # a path no one can create, even root
        "train.py",
        [],
        env={"MLFLOW_TRACKING_URI": "sqlite:///{textfile}/runs/mlflow.db"},
        says="{textfile}",
    ),
    Case(
        "store-is-text",
        "train.py",
        [],
        env={"MLFLOW_TRACKING_URI": "sqlite:///{textfile}"},
        says="SQLite",
    ),
    Case(
        "server-down",
        "train.py",
        [],
        env={"MLFLOW_TRACKING_URI": "http://127.0.0.1:9"},
        says="reach",
    ),
    Case("run-dir-under-a-file", "train.py", ["hydra.run.dir={textfile}/run"], says="{textfile}"),
    # train_evaluator.py
    Case(
        "evaluator-epochs",
        "train_evaluator.py",
        ["trainer.max_epochs=abc"],
        says="trainer.max_epochs",
    ),
    Case("evaluator-batch", "train_evaluator.py", ["data.batch_size=0"], says="data.batch_size"),
    Case("evaluator-data", "train_evaluator.py", ["data=nope"], says="valid choices"),
    # evaluate.py
    Case("evaluate-nothing", "evaluate.py", [DATA], says="ckpt_path"),
    Case("evaluate-missing", "evaluate.py", [DATA, "ckpt_path={root}/nope.ckpt"], says="nope.ckpt"),
    Case("evaluate-classifier", "evaluate.py", [DATA, "ckpt_path={evaluator}"], says="evaluator"),
    Case("evaluate-rgb-on-mnist", "evaluate.py", [DATA, "ckpt_path={rgb_ckpt}"], says="3x32x32"),
    Case(
        "evaluate-batch",
        "evaluate.py",
        [DATA, "ckpt_path={gan_ckpt}", "eval.batch_size=0"],
        says="eval.batch_size",
    ),
    Case(
        "evaluate-one-sample",
        "evaluate.py",
        [DATA, "ckpt_path={gan_ckpt}", "eval.num_samples=1"],
        says="eval.num_samples",
    ),
    Case(
        "evaluate-features",
        "evaluate.py",
        [DATA, "ckpt_path={gan_ckpt}", "eval.features=foo"],
        says="classifier",
    ),
    Case(
        "evaluate-result", "evaluate.py", [DATA, "train_result={root}/nope.json"], says="nope.json"
    ),
    Case(
        "evaluate-server-down",
        "evaluate.py",
        [DATA, "run_id=0123abcd"],
        env={"MLFLOW_TRACKING_URI": "http://127.0.0.1:9"},
        says="reach",
    ),
    # sample.py
    Case("sample-nothing", "sample.py", [], says="ckpt_path"),
    Case("sample-zero", "sample.py", ["ckpt_path={gan_ckpt}", "num_samples=0"], says="num_samples"),
    Case(
        "sample-negative",
        "sample.py",
        ["ckpt_path={gan_ckpt}", "num_samples=-5"],
        says="num_samples",
    ),
    Case("sample-nrow", "sample.py", ["ckpt_path={gan_ckpt}", "nrow=0"], says="nrow"),
    Case(
        "sample-steps",
        "sample.py",
        ["ckpt_path={gan_ckpt}", "interpolation.steps=0"],
        says="interpolation.steps",
    ),
    Case("sample-classifier", "sample.py", ["ckpt_path={evaluator}"], says="evaluator"),
    Case(
        "sample-labels-unconditional",
        "sample.py",
        ["ckpt_path={gan_ckpt}", "labels=3"],
        says="conditional",
    ),
    Case(
        "sample-label-range", "sample.py", ["ckpt_path={cond_ckpt}", "labels=[0,11]"], says="0..9"
    ),
    Case(
        "sample-per-class", "sample.py", ["ckpt_path={cond_ckpt}", "per_class=0"], says="per_class"
    ),
    Case(
        "sample-server-down",
        "sample.py",
        ["run_id=0123abcd"],
        env={"MLFLOW_TRACKING_URI": "http://127.0.0.1:9"},
        says="reach",
    ),
    # prepare.py
    Case("prepare-data", "prepare.py", ["data=nope"], says="valid choices"),
    Case("prepare-folder-unset", "prepare.py", ["data=image_folder"], says="data.source.root"),
    Case(
        "prepare-folder-missing",
        "prepare.py",
        ["data=image_folder", "data.source.root={root}/none"],
        says="none",
    ),
    Case("prepare-offline", "prepare.py", ["data=mnist"], says="mnist5k"),
    Case("prepare-size", "prepare.py", ["data.image_size=abc"], says="data.image_size"),
    # report.py
    Case("report-nothing", "report.py", [], says="evaluate"),
    Case("report-unknown-model", "report.py", ["models=[nope]"], says="nope"),
    Case("report-both-sources", "report.py", ["sweep=x", "experiment_name=y"], says="sweep"),
    Case(
        "report-unknown-experiment", "report.py", ["experiment_name=nope"], store=True, says="nope"
    ),
    Case("report-without-store", "report.py", ["sweep=x"], says="no MLflow store"),
    Case("report-unknown-key", "report.py", ["foo=bar"], says="foo"),
]


def tiny_checkpoint(root: Path, *overrides: str) -> str:
    from genlab.app.train import train

    cfg = compose_config(
        "train",
        [
            f"paths.root_dir={root}",
            f"paths.data_dir={root.parent / 'data'}",
            f"paths.output_dir={root}/run",
            *TINY_RUN,
            "logger=none",
            *overrides,
        ],
    )
    return train(cfg).checkpoint


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Everything the cases point at, made once."""
    from genlab.app.train_evaluator import train_evaluator

    base = tmp_path_factory.mktemp("world")
    evaluator = train_evaluator(
        compose_config(
            "evaluator",
            [
                f"paths.root_dir={base}",
                f"paths.data_dir={base / 'data'}",
                "trainer.max_epochs=1",
                "+trainer.limit_train_batches=2",
                "trainer.enable_progress_bar=false",
            ],
        )
    )["checkpoint"]
    one_image = base / "one_image"
    flat = base / "flat"
    for folder, count in ((one_image, 1), (flat, 40)):
        folder.mkdir()
        for i in range(count):
            from PIL import Image

            Image.new("RGB", (40, 40), (i * 20, 0, 0)).save(folder / f"{i}.png")
    textfile = base / "store.txt"
    textfile.write_text("this is not a database\n")

    store_root = base / "store"
    from genlab.app.train import train

    finished = train(
        compose_config(
            "train",
            [
                f"paths.root_dir={store_root}",
                f"paths.data_dir={base / 'data'}",
                f"paths.output_dir={store_root}/run",
                *TINY_RUN,
            ],
        )
    )
    return {
        "data": str(base / "data"),
        "evaluator": evaluator,
        "gan_ckpt": tiny_checkpoint(base / "gan", "model=gan"),
        "cond_ckpt": tiny_checkpoint(base / "cond", "model=dcgan", "model.conditional=true"),
        "rgb_ckpt": tiny_checkpoint(
            base / "rgb",
            "model=dcgan",
            "data=image_folder",
            f"data.source.root={flat}",
            "data.image_size=32",
        ),
        "one_image": str(one_image),
        "flat": str(flat),
        "textfile": str(textfile),
        "store": str(store_root / "mlflow.db"),
        "run_id": finished.run.run_id,
    }


def snapshot(root: Path) -> dict[str, tuple[int, int]]:
    return {
        str(p.relative_to(root)): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in root.rglob("*")
        if p.is_file() or p.is_dir()
    }


# One case per entry script, each failing as late as that script can (after its heavy imports):
# run again as a real process.
SUBPROCESS_CASES = [
    "other-model-ckpt",
    "evaluator-batch",
    "evaluate-rgb-on-mnist",
    "sample-label-range",
    "prepare-folder-missing",
    "report-unknown-experiment",
]


def check_case(case: Case, world: dict[str, str], tmp_path: Path, run) -> None:
    """`run(script, *args, root=, env_overrides=)` runs the case; it must fail as promised."""
    root = tmp_path / "project"
    root.mkdir()
    values = {**world, "root": str(root)}
    if case.store:
        shutil.copy(world["store"], root / "mlflow.db")
    before = snapshot(root)
    env = {key: value.format(**values) for key, value in case.env.items()}
    args = [arg.format(**values) for arg in case.args]
    result = run(case.script, *args, root=root, env_overrides=env)
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2, f"exit {result.returncode}:\n{result.stderr[-3000:]}"
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr[-3000:]
    assert case.says.format(**values) in lines[0], lines[0]
    assert snapshot(root) == before, "files were left behind"


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input_is_one_line_exit_2_and_leaves_nothing(
    case: Case,
    world: dict[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
) -> None:
    in_process = functools.partial(run_script_in_process, monkeypatch=monkeypatch, capfd=capfd)
    check_case(case, world, tmp_path, in_process)


@pytest.mark.slow
@pytest.mark.parametrize("case_id", SUBPROCESS_CASES)
def test_a_real_process_prints_the_one_line_too(
    case_id: str, world: dict[str, str], tmp_path: Path
) -> None:
    [case] = [c for c in CASES if c.id == case_id]
    check_case(case, world, tmp_path, functools.partial(run_script, timeout=120))


@pytest.mark.slow
def test_a_quoted_run_folder_with_spaces_is_the_only_thing_made(
    world: dict[str, str], tmp_path: Path
) -> None:
    """`'hydra.run.dir="runs/x y é"'` (spaces, non-ASCII): the run lands there, and checking
    the folder before the run made nothing else (it once made a folder named `"runs`)."""
    root = tmp_path / "project"
    root.mkdir()
    run_dir = root / "runs" / "x y é"
    result = run_script(
        "train.py",
        *TINY_RUN,
        "logger=none",
        f"paths.data_dir={world['data']}",
        f'hydra.run.dir="{run_dir}"',
        root=root,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert sorted(p.name for p in root.iterdir()) == ["runs"]
    assert (run_dir / "checkpoints" / "last.ckpt").is_file()


@contextlib.contextmanager
def read_only_mount(folder: Path) -> Iterator[None]:
    """`folder` as a read-only bind mount: how a read-only folder really occurs for root,
    who ignores file modes."""
    bound = subprocess.run(["mount", "--bind", str(folder), str(folder)], capture_output=True)
    if bound.returncode != 0:
        pytest.skip(f"a read-only bind mount needs mount permission: {bound.stderr.strip()!r}")
    try:
        subprocess.run(["mount", "-o", "remount,ro,bind", str(folder)], check=True)
        yield
    finally:
        subprocess.run(["umount", str(folder)], check=True)


@pytest.mark.slow
def test_a_read_only_run_folder_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    root, run_dir = tmp_path / "project", tmp_path / "read-only"
    root.mkdir(), run_dir.mkdir()
    with read_only_mount(run_dir):
        with pytest.raises(OSError, match="Read-only"):
            (run_dir / "probe").write_text("")
        result = run_script_in_process(
            "train.py", f"hydra.run.dir={run_dir}", root=root, monkeypatch=monkeypatch, capfd=capfd
        )
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2, result.stderr[-3000:]
    assert lines == [
        f"error: cannot write {run_dir}/train.log (Read-only file system); pick another "
        "folder, e.g. with hydra.run.dir=<folder> or GENLAB_ROOT=<project folder>"
    ]
    assert not any(root.iterdir()) and not any(run_dir.iterdir())


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder of a finished training run (checkpoints, `.hydra/`, train.log)."""
    base = tmp_path_factory.mktemp("finished")
    run_dir = base / "run"
    done = run_script(
        "train.py",
        *TINY_RUN,
        "logger=none",
        f"paths.data_dir={base / 'data'}",
        f"hydra.run.dir={run_dir}",
        root=base,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return run_dir


def contents(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


@pytest.mark.slow
@pytest.mark.parametrize(
    ("bad", "says"),
    [("data.batch_size=100000", "100000"), ("+trainer.foo=1", "trainer.foo")],
    ids=["batch-over-dataset", "unknown-trainer-arg"],
)
def test_a_refused_command_leaves_a_finished_run_folder_byte_identical(
    bad: str,
    says: str,
    finished_run: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
) -> None:
    before = contents(finished_run)
    assert {".hydra/config.yaml", "train.log"} <= set(before)
    result = run_script_in_process(
        "train.py",
        *TINY_RUN,
        "logger=none",
        f"paths.data_dir={finished_run.parent / 'data'}",
        f"hydra.run.dir={finished_run}",
        bad,
        root=tmp_path,
        monkeypatch=monkeypatch,
        capfd=capfd,
    )
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2 and len(lines) == 1 and says in lines[0], result.stderr[-3000:]
    assert contents(finished_run) == before
