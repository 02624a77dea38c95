"""How much genlab code a training run reads before Lightning takes over: the distinct lines
inside genlab functions that `pipelines/train.py` executes up to `Trainer.fit`, file by file.

    python benchmarks/entry_lines.py experiment=smoke logger=none
    MLFLOW_TRACKING_URI=sqlite:////tmp/entry.db python benchmarks/entry_lines.py experiment=smoke

Traced with `sys.settrace`, so the count is what runs, not what a file holds. Module bodies
(imports, definitions) and class bodies (dataclass fields) are left out: they are read once
at import and say nothing about the path. `Trainer.fit` is replaced by a stop, so nothing
trains; Hydra reports the stop as the job's error, which is expected, and the lines that
handle it (after `Trainer.fit` was reached) are not counted.

Question: How much genlab code runs before Lightning takes over (budget: 500 lines)?
Figure: BENCHMARKS.md, the summary table's "genlab lines a training run executes" row.
"""

import os
import runpy
import sys
from collections import defaultdict
from pathlib import Path
from types import FrameType
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
ENTRY = ROOT / "pipelines" / "train.py"


class ReachedFit(Exception):
    pass


def main() -> None:
    import pytorch_lightning as pl

    reached = False

    def stop(*args: Any, **kwargs: Any) -> None:
        nonlocal reached
        reached = True  # what runs after this (the stop's way out as an error) is not counted
        raise ReachedFit

    pl.Trainer.fit = stop
    lines: dict[str, set[int]] = defaultdict(set)

    def genlab_code(path: str) -> bool:
        return ("/genlab/" in path and "site-packages" not in path) or path == str(ENTRY)

    def tracer(frame: FrameType, event: str, arg: Any):
        if reached or not genlab_code(frame.f_code.co_filename):
            return None
        class_body = "__qualname__" in frame.f_locals and "__module__" in frame.f_locals
        if event == "line" and frame.f_code.co_name != "<module>" and not class_body:
            lines[frame.f_code.co_filename].add(frame.f_lineno)
        return tracer

    sys.argv = [str(ENTRY), *sys.argv[1:]]
    sys.settrace(tracer)
    try:
        runpy.run_path(str(ENTRY), run_name="__main__")
    except (ReachedFit, SystemExit):
        pass
    finally:
        sys.settrace(None)
    for path, seen in sorted(lines.items(), key=lambda item: -len(item[1])):
        print(f"{len(seen):5d} {os.path.relpath(path, ROOT)}")
    print(f"{sum(len(seen) for seen in lines.values()):5d} total")


if __name__ == "__main__":
    main()
