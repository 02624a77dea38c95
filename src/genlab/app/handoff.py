"""How a trained model is handed to the stages after training: the `train.json` that train.py
writes (a DVC output), and the one rule by which evaluate.py and sample.py find the model they
were asked for.

Paths in `train.json` are relative to the project root (`paths.root_dir`), and read back
against the reader's root: a finished pipeline that is moved, or restored from DVC's cache
into another clone, still names its own files.
"""

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from omegaconf import DictConfig

from genlab.tracking.ref import RunRef
from genlab.utils.errors import GenlabError

SQLITE = "sqlite:///"


def portable_path(path: str | Path, root: str | Path) -> str:
    """`path` relative to `root` when it lies inside it, else as it is."""
    absolute, base = Path(path).resolve(), Path(root).resolve()
    return os.path.relpath(absolute, base) if absolute.is_relative_to(base) else str(path)


def local_path(path: str | Path, root: str | Path) -> str:
    """A path read from a hand-off file, relative ones taken from `root`."""
    return str(path) if Path(path).is_absolute() else str(Path(root).resolve() / path)


def portable_uri(uri: str, root: str | Path) -> str:
    """An embedded SQLite store's URI with its file relative to `root`; other URIs as they are."""
    return SQLITE + portable_path(uri[len(SQLITE) :], root) if uri.startswith(SQLITE) else uri


def local_uri(uri: str, root: str | Path) -> str:
    return SQLITE + local_path(uri[len(SQLITE) :], root) if uri.startswith(SQLITE) else uri


@dataclass
class TrainResult:
    """What `genlab.app.train.train` returns and the pipeline hands to its later stages."""

    checkpoint: str | None  # the model: genlab.callbacks.which_checkpoint.model_checkpoint
    sample_grid: str | None
    run: RunRef | None
    metrics: dict[str, float] = field(default_factory=dict)
    monitor: str | None = None
    is_global_zero: bool = True
    # A resumed sweep's job whose run had finished: nothing was trained or logged now.
    skipped: bool = False

    @property
    def monitored_value(self) -> float | None:
        return self.metrics.get(self.monitor) if self.monitor else None

    def write(self, path: str | Path, root: str | Path) -> None:
        """The hand-off file, its paths relative to the project root `root`."""
        data = asdict(self)
        del data["skipped"]  # the hand-off file is a DVC output: unchanged by sweeps
        for key in ("checkpoint", "sample_grid"):
            data[key] = portable_path(data[key], root) if data[key] else None
        if self.run is not None:
            data["run"] = asdict(self.run) | {
                "tracking_uri": portable_uri(self.run.tracking_uri, root)
            }
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_text(json.dumps(data, indent=2) + "\n")

    @classmethod
    def read(cls, path: str | Path, root: str | Path) -> "TrainResult":
        path = Path(path)
        if not path.is_file():
            raise GenlabError(f"train result not found: {path}")
        data: dict[str, Any] = json.loads(path.read_text())
        for key in ("checkpoint", "sample_grid"):
            data[key] = local_path(data[key], root) if data.get(key) else None
        if data.get("run"):
            run = data["run"]
            data["run"] = RunRef(local_uri(run["tracking_uri"], root), run["run_id"])
        return cls(**data)


def resolve_checkpoint(
    cfg: DictConfig, dst: str | Path | None = None
) -> tuple[Path, RunRef | None]:
    """What evaluate and sample were asked to use: exactly one of `ckpt_path=<file>`,
    `run_id=<id>` (its model checkpoint; its store from the config) or `train_result=<json>`.
    The run, where there is one, receives what the script logs."""
    from genlab.callbacks.which_checkpoint import recorded_model_checkpoint

    given = [k for k in ("ckpt_path", "run_id", "train_result") if cfg.get(k) is not None]
    if len(given) != 1:
        options = "ckpt_path=<file.ckpt>, run_id=<mlflow run id>"
        if "train_result" in cfg:
            options += " or train_result=<train.json>"
        raise GenlabError(f"give exactly one of {options}")
    if cfg.get("ckpt_path") is not None:
        return Path(cfg.ckpt_path), None
    if cfg.get("run_id") is not None:
        ref = RunRef(cfg.tracking_uri, str(cfg.run_id))
        return recorded_model_checkpoint(ref, dst), ref
    result = TrainResult.read(cfg.train_result, cfg.paths.root_dir)
    if result.checkpoint is None:
        raise GenlabError(f"{cfg.train_result} names no checkpoint")
    return Path(result.checkpoint), result.run
