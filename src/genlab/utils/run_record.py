"""A refused command leaves an existing run folder as it found it.

Hydra writes the job's `.hydra/` files and opens its log in the run folder before the job
starts, so a command pointed at a finished run's folder (`hydra.run.dir=...`, as README does
for torchrun) would replace that run's record of how its checkpoints were made, even when the
job then refuses its input. `KeepRunRecord`, a Hydra callback (conf/hydra/default.yaml), keeps
the record's bytes when the run starts; `restore_run_record` puts them back when the job is
refused. Light on purpose: no torch, so `--help` stays fast.
"""

import os
import shutil
from pathlib import Path
from typing import Any

from hydra.experimental.callback import Callback
from omegaconf import DictConfig

# The files Hydra writes into a run folder before the job runs, with their bytes and times
# before it (None: the file was not there), for the folder of the run in progress; and the
# config folder, if the job makes it.
_kept: dict[Path, tuple[bytes, int, int] | None] = {}
_made: list[Path] = []


def record_files(folder: Path, output_subdir: str | None, job_name: str) -> list[Path]:
    """Hydra's own files in a run folder: the saved configs and the job's log."""
    files = [folder / f"{job_name}.log"]
    if output_subdir:
        files += [folder / output_subdir / f"{n}.yaml" for n in ("config", "hydra", "overrides")]
    return files


class KeepRunRecord(Callback):
    def on_run_start(self, config: DictConfig, **kwargs: Any) -> None:
        _kept.clear(), _made.clear()
        hydra = config.hydra
        folder = Path(str(hydra.run.dir))
        if not folder.is_dir():
            return  # a new folder: a refused job removes it whole (genlab.app.cli)
        for path in record_files(folder, hydra.output_subdir, str(hydra.job.name)):
            if path.is_file():
                stat = path.stat()
                _kept[path] = (path.read_bytes(), stat.st_atime_ns, stat.st_mtime_ns)
            else:
                _kept[path] = None
        if hydra.output_subdir and not (folder / hydra.output_subdir).exists():
            _made.append(folder / hydra.output_subdir)

    def on_run_end(self, config: DictConfig, **kwargs: Any) -> None:
        _kept.clear(), _made.clear()  # a finished run: nothing to put back

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        _kept.clear(), _made.clear()  # sweep jobs get new folders


def run_folder_existed() -> bool:
    return bool(_kept)


def restore_run_record() -> None:
    """Put back the record files of the folder the run started in, byte for byte; files the
    refused job added are removed. Call after the job's log handlers are closed."""
    for path, kept in _kept.items():
        if kept is None:
            path.unlink(missing_ok=True)
            continue
        content, *times = kept
        if not path.is_file() or path.read_bytes() != content:
            path.write_bytes(content)
            os.utime(path, ns=tuple(times))
    for folder in _made:
        shutil.rmtree(folder, ignore_errors=True)
    _kept.clear(), _made.clear()
