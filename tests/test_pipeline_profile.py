"""benchmarks/pipeline_profile.py reads py-spy's raw output and DVC's log right: a sample goes
to its stage's process (the last `process` entry of the ancestry), to the main thread only,
and to the first phase whose frames match."""

import importlib.util
from pathlib import Path

from compose import ROOT

spec = importlib.util.spec_from_file_location(
    "pipeline_profile", ROOT / "benchmarks" / "pipeline_profile.py"
)
profile = importlib.util.module_from_spec(spec)
spec.loader.exec_module(profile)

DVC = 'process 10:"uv run dvc repro";process 11:"python .venv/bin/dvc repro";'
TRAIN = 'process 12:"python pipelines/train.py experiment=vae data=mnist5k seed=42";'
EVALUATE = 'process 13:"python pipelines/evaluate.py train_result=models/gan/train.json";'
LOOP = "run (pytorch_lightning/loops/fit_loop.py:1);_TrainingEpochLoop.run (x.py:2)"


def test_samples_go_to_their_stage_thread_and_first_matching_phase(tmp_path: Path) -> None:
    raw = tmp_path / "profile.raw"
    raw.write_text(
        "\n".join(
            [
                f"{DVC}{TRAIN}thread (12): MainThread;<module> (train.py:1);{LOOP} 40",
                # an import inside the training loop is start-up, not training
                f"{DVC}{TRAIN}thread (12): MainThread;{LOOP};_find_and_load (<frozen importlib."
                "_bootstrap>:1) 10",
                f"{DVC}{TRAIN}thread (12): MainThread;{LOOP};_EvaluationLoop.run (e.py:3);"
                "VAEModule.fit_latent_density (genlab/models/vae_module.py:9) 6",
                f"{DVC}{TRAIN}thread (99): Thread-1 (mlflow);log_batch (mlflow/x.py:1) 500",
                f"{DVC}{EVALUATE}thread (13): MainThread;score (genlab/evaluate.py:1);"
                "Scorer.full_scores (genlab/metrics/scorer.py:2) 8",
                f"{DVC}thread (11): MainThread;repro (dvc/repo.py:1) 1000",
            ]
        )
        + "\n"
    )
    phases = profile.phase_seconds(raw, rate=2)
    assert set(phases) == {"train@vae", "evaluate@gan"}  # dvc itself and other threads: no
    assert phases["train@vae"]["process"] == 28
    assert phases["train@vae"]["training steps"] == 20
    assert phases["train@vae"]["start-up (imports)"] == 5
    assert phases["train@vae"]["mixture fits"] == 3
    assert phases["evaluate@gan"]["evaluation: scores"] == 4


def test_stacked_processes_are_named_as_dvc_names_their_stages() -> None:
    """`make stacked` runs stacked/dvc.yaml: its processes must land in its stages, not in
    "other" (each name as `dvc stage list --all` prints it)."""
    stacked = {
        "python pipelines/prepare.py data=stacked_mnist": "stacked/dvc.yaml:prepare",
        "python pipelines/train.py experiment=stacked_vae seed=42 "
        "hydra.run.dir=models/stacked_mnist/vae-seed42": "stacked/dvc.yaml:train@vae-42",
        "python pipelines/evaluate.py data=stacked_mnist "
        "train_result=models/stacked_mnist/r3gan-seed7/train.json": (
            "stacked/dvc.yaml:evaluate@r3gan-7"
        ),
        "python pipelines/stacked_report.py": "stacked/dvc.yaml:report",
        "python pipelines/prepare.py": "prepare",
        "python pipelines/train.py experiment=dcgan": "train@dcgan",
    }
    assert {command: profile.stage_of(command) for command in stacked} == stacked


def test_stage_walls_run_from_one_running_stage_line_to_the_next(tmp_path: Path) -> None:
    log = tmp_path / "repro.log"
    log.write_text(
        "0.50 Running stage 'prepare':\n3.00 prepared\n10.00 Running stage 'train@gan':\n"
        "70.25 Updating lock file 'dvc.lock'\n"
    )
    assert profile.stage_walls(log) == {"prepare": 9.5, "train@gan": 60.25}


def test_the_suite_lists_every_benchmark_with_its_question_and_figure() -> None:
    """benchmarks/run.py is the suite's one entry: each benchmark it finds says what it answers
    and where its figure lives, or the listing refuses."""
    import subprocess
    import sys

    listing = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--list"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    names = [line for line in listing.splitlines() if line and not line.startswith(" ")]
    assert {"pipeline_profile", "step_flops", "startup", "quality"} <= set(names)
    assert listing.count("figure: ") == len(names)


def test_no_benchmark_calls_a_private_genlab_method() -> None:
    """A benchmark measures genlab through its public path: `x._name` on anything but the
    benchmark's own `self` (or `os._exit`) would re-implement or reach inside it."""
    import ast

    private = []
    for path in sorted((ROOT / "benchmarks").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Attribute)
                and node.attr.startswith("_")
                and not node.attr.startswith("__")
                and not (isinstance(node.value, ast.Name) and node.value.id in ("self", "os"))
            ):
                private.append(f"{path.name}:{node.lineno} .{node.attr}")
    assert private == []
