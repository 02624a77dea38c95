"""Where `make run`'s time goes: every DVC stage, phase by phase, from a fresh clone.

    python benchmarks/pipeline_profile.py                 # HEAD of this checkout
    python benchmarks/pipeline_profile.py --rev a4f9e12   # any commit: nothing in it is changed
    python benchmarks/pipeline_profile.py --target stacked/dvc.yaml   # `make stacked`
    python benchmarks/pipeline_profile.py --parse profile.raw --log repro.log   # re-read a run

It clones the commit into a scratch folder, times the set-up (`make setup`, i.e. `uv sync`) on
its own line, then runs `uv run dvc repro` under py-spy (a sampling profiler that follows every
stage's Python process without changing it, so old commits are profiled exactly like new ones).
Each stage's wall time comes from the timestamps of DVC's own `Running stage` lines; each
process's main-thread samples are sorted into phases by the frames on their stack, the first
rule that matches winning (an import inside validation counts as start-up, a checkpoint
written at the end of validation as a write). A stage's "other" is its wall time less its
phases: Hydra, Lightning's set-up and tear-down, and DVC's own hashing between processes.

Question: Does `make run` (or `make stacked`, `--target stacked/dvc.yaml`) stay inside its time
line, and which stage and phase spend it?
Figure: BENCHMARKS.md, "`make run`, stage by stage" and the summary table's `dvc repro` rows.
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# (phase, substrings of a frame `function (file:line)`): a sample goes to the first phase any of
# whose substrings is in any frame of its stack.
PHASES: list[tuple[str, tuple[str, ...]]] = [
    ("start-up (imports)", ("_find_and_load (<frozen importlib",)),
    ("checkpoint + MLflow writes", ("mlflow/", "save_checkpoint (", "_save_checkpoint (")),
    ("mixture fits", ("fit_latent_density (", "sklearn/mixture/")),
    ("validation (val/fid, grids)", ("FIDMonitor.", "SampleGridCallback.", "_EvaluationLoop.")),
    ("data loading", ("genlab/data/", "mlxtend/")),
    ("evaluation", ("genlab/evaluate.py", "genlab/app/evaluate.py")),
    ("training steps", ("_TrainingEpochLoop.",)),
]
# What an "evaluation" sample was doing; loading the checkpoint and the evaluator is "other".
EVALUATION: list[tuple[str, tuple[str, ...]]] = [
    ("evaluation: sampling", ("sample_with_labels (", ".sample (", "generate (genlab/models")),
    ("evaluation: features", ("extract_features (",)),
    ("evaluation: scores", ("full_scores (",)),
    ("evaluation: figures", ("_save_grid (", "_save_nearest (", "save_image (")),
]
COLUMNS = [
    "start-up (imports)",
    "data loading",
    "training steps",
    "validation (val/fid, grids)",
    "mixture fits",
    "evaluation: sampling",
    "evaluation: features",
    "evaluation: scores",
    "evaluation: figures",
    "checkpoint + MLflow writes",
]
# `process <pid>:"<command>";` for the process and each of its ancestors, then the thread.
RAW_LINE = re.compile(
    r'^(?:process \d+:"[^"]*";)*process (\d+):"([^"]*)";thread \((\d+)\)[^;]*;(.*) (\d+)$'
)
STAGE_LINE = re.compile(r"Running stage '([^']+)'")
# stacked/dvc.yaml's matrix stages name their run folder models/stacked_mnist/<model>-seed<seed>.
STACKED_RUN = re.compile(r"models/stacked_mnist/(\w+)-seed(\d+)")
STACKED = "stacked/dvc.yaml:"


def stage_of(command: str) -> str | None:
    """The DVC stage a process command line belongs to (None: not a stage's Python), named as
    DVC's `Running stage` line names it."""
    script = re.search(r"pipelines/(\w+)\.py", command)
    if script is None:
        return None
    name = script.group(1)
    stacked = STACKED_RUN.search(command)
    if stacked and name in ("train", "evaluate"):
        return f"{STACKED}{name}@{stacked.group(1)}-{stacked.group(2)}"
    if name == "stacked_report":
        return f"{STACKED}report"
    if name == "prepare" and "data=stacked_mnist" in command:
        return f"{STACKED}prepare"
    if name == "train":
        experiment = re.search(r"experiment=(\w+)", command)
        return f"train@{experiment.group(1) if experiment else '?'}"
    if name == "evaluate":
        model = re.search(r"models/(\w+)/train\.json", command)
        return f"evaluate@{model.group(1) if model else '?'}"
    return {"train_evaluator": "evaluator"}.get(name, name)


def phase_of(frames: str) -> str | None:
    for phase, needles in PHASES:
        if any(needle in frames for needle in needles):
            if phase != "evaluation":
                return phase
            return next((sub for sub, subs in EVALUATION if any(n in frames for n in subs)), None)
    return None


def phase_seconds(raw: Path, rate: int) -> dict[str, dict[str, float]]:
    """{stage: {phase: seconds}} from py-spy's raw output (main threads only)."""
    seconds: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for line in raw.read_text().splitlines():
        match = RAW_LINE.match(line)
        if match is None:
            continue
        pid, command, tid, frames, count = match.groups()
        stage = stage_of(command)
        if stage is None or pid != tid:
            continue
        seconds[stage]["process"] += int(count) / rate
        phase = phase_of(frames)
        if phase is not None:
            seconds[stage][phase] += int(count) / rate
    return seconds


def stage_walls(log: Path) -> dict[str, float]:
    """{stage: seconds} from the timestamped `dvc repro` log this script writes."""
    marks: list[tuple[float, str]] = []
    end = 0.0
    for line in log.read_text().splitlines():
        stamp, _, text = line.partition(" ")
        end = float(stamp)
        found = STAGE_LINE.search(text)
        if found:
            marks.append((float(stamp), found.group(1)))
    marks.append((end, ""))
    return {name: later - at for (at, name), (later, _) in zip(marks, marks[1:], strict=False)}


def table(walls: dict[str, float], phases: dict[str, dict[str, float]], setup: float | None):
    header = ["stage", "wall", *COLUMNS, "other"]
    rows = [header, ["---", *["---:"] * (len(header) - 1)]]
    if setup is not None:
        rows.append(["set-up (`make setup`: uv sync)", f"{setup:.0f}", *[""] * (len(header) - 2)])
    totals: dict[str, float] = defaultdict(float)
    for stage, wall in walls.items():
        spent = phases.get(stage, {})
        cells = [spent.get(column, 0.0) for column in COLUMNS]
        other = wall - sum(cells)
        for column, value in zip([*COLUMNS, "other"], [*cells, other], strict=True):
            totals[column] += value
        totals["wall"] += wall
        rows.append([stage, f"{wall:.0f}", *[f"{c:.1f}" for c in cells], f"{other:.1f}"])
    rows.append(
        ["**dvc repro**", f"**{totals['wall']:.0f}**"]
        + [f"**{totals[c]:.0f}**" for c in [*COLUMNS, "other"]]
    )
    return "\n".join("| " + " | ".join(row) + " |" for row in rows)


def run_pipeline(
    rev: str, workdir: Path, rate: int, targets: list[str]
) -> tuple[float, Path, Path]:
    """Clone `rev`, time `make setup`, profile `dvc repro`; (set-up seconds, raw, log)."""
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    clone = workdir / "clone"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
    subprocess.run(["git", "checkout", "-q", rev], cwd=clone, check=True)
    env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"} | {"PYTHONUNBUFFERED": "1"}
    start = time.monotonic()
    subprocess.run(["make", "setup"], cwd=clone, env=env, check=True, capture_output=True)
    setup = time.monotonic() - start
    raw, log = workdir / "profile.raw", workdir / "repro.log"
    command = [py_spy, "record", "--rate", str(rate), "--idle", "--threads", "--subprocesses"]
    command += ["--format", "raw", "--output", str(raw), "--", "uv", "run", "--frozen"]
    command += ["dvc", "repro", *targets]
    start = time.monotonic()
    with (
        subprocess.Popen(
            command, cwd=clone, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        ) as process,
        log.open("w") as out,
    ):
        assert process.stdout is not None
        for line in process.stdout:
            out.write(f"{time.monotonic() - start:.2f} {line}")
            out.flush()
    if process.returncode:
        raise SystemExit(f"dvc repro failed (exit {process.returncode}); see {log}")
    return setup, raw, log


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rev", default="HEAD", help="commit to profile (default: HEAD)")
    parser.add_argument("--rate", type=int, default=20, help="py-spy samples per second")
    parser.add_argument("--workdir", type=Path, help="scratch folder (default: a temp dir)")
    parser.add_argument("--parse", type=Path, help="py-spy raw file of an earlier run")
    parser.add_argument("--log", type=Path, help="timestamped repro log of that run")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument(
        "--target", action="append", default=[], help="a dvc repro target, e.g. stacked/dvc.yaml"
    )
    args = parser.parse_args()
    if args.parse:
        setup, raw, log = None, args.parse, args.log
    else:
        workdir = args.workdir or Path(tempfile.mkdtemp(prefix="genlab-profile-"))
        setup, raw, log = run_pipeline(args.rev, workdir, args.rate, args.target)
        print(f"profile: {raw}\nlog:     {log}")
    walls, phases = stage_walls(log), phase_seconds(raw, args.rate)
    print(table(walls, phases, setup))
    if args.json:
        figures = {"setup": setup, "walls": walls, "phases": phases}
        args.json.write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
