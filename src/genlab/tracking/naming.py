"""What a run is called and tagged with, so the MLflow UI can filter and compare runs: a
readable unique name (model-data-seed, plus the job number inside a Hydra sweep) and tags for
model, data, seed, git commit, output folder and sweep."""

import subprocess
from pathlib import Path

from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig

from genlab import __version__

# Where the run's files are, for people; resume reads the checkpoint the run recorded
# (genlab.tracking.checkpoints.LAST_CHECKPOINT_TAG).
OUTPUT_DIR_TAG = "genlab.output_dir"


def _hydra_job() -> tuple[str | None, str | None]:
    """(job number, sweep dir) inside a Hydra multirun; (None, None) otherwise."""
    if not HydraConfig.initialized():
        return None, None
    hydra_cfg = HydraConfig.get()
    if hydra_cfg.mode is None or hydra_cfg.mode.name != "MULTIRUN":
        return None, None
    return str(hydra_cfg.job.num), str(hydra_cfg.sweep.dir)


def git_commit(root: str | Path = Path(__file__).parent) -> str:
    """The commit of the genlab code that ran (not of the data or output folder)."""
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True
        )
    except OSError:
        return "unknown"
    return out.stdout.strip() or "unknown"


def run_name(cfg: DictConfig) -> str:
    name = f"{cfg.model.name}-{cfg.data.name}-seed{cfg.seed}"
    job_num, _ = _hydra_job()
    return f"{name}-job{job_num}" if job_num is not None else name


def run_tags(cfg: DictConfig) -> dict[str, str]:
    tags = {
        "model": str(cfg.model.name),
        "data": str(cfg.data.name),
        "seed": str(cfg.seed),
        "git_commit": git_commit(),
        "genlab_version": __version__,
        OUTPUT_DIR_TAG: str(Path(cfg.paths.output_dir).resolve()),
    }
    _, sweep_dir = _hydra_job()
    if sweep_dir is not None:
        tags["sweep"] = sweep_dir
    return tags
