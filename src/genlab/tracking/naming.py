"""What a run is called and tagged with, so the MLflow UI can filter and compare runs: a
readable unique name (model-data-seed, plus the job number inside a Hydra sweep) and tags for
model, data, seed, git commit, output folder and sweep."""

import subprocess
from pathlib import Path

from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, OmegaConf

from genlab import __version__

# Where the run's files are, for people; resume reads the checkpoint the run recorded
# (genlab.callbacks.which_checkpoint.recorded_resume_checkpoint).
OUTPUT_DIR_TAG = "genlab.output_dir"
# A sweep job's own overrides (sorted, `resume_sweep=` left out): what `resume_sweep=` finds
# the job's run by (genlab.app.sweep_resume).
SWEEP_JOB_TAG = "genlab.sweep.job"


def _hydra_job() -> tuple[str | None, str | None]:
    """(job number, sweep dir) inside a Hydra multirun; (None, None) otherwise."""
    if not HydraConfig.initialized():
        return None, None
    hydra_cfg = HydraConfig.get()
    if hydra_cfg.mode is None or hydra_cfg.mode.name != "MULTIRUN":
        return None, None
    return str(hydra_cfg.job.num), str(hydra_cfg.sweep.dir)


def own_overrides(overrides: list[str]) -> list[str]:
    """The overrides that say what a sweep or a job computes: all but `resume_sweep=`."""
    return [o for o in overrides if not o.lstrip("+~").startswith("resume_sweep=")]


def sweep_job() -> str | None:
    """This job's own overrides as one string, inside a Hydra multirun; None otherwise."""
    if _hydra_job()[0] is None:
        return None
    # As typed: `x=${paths.output_dir}/y` names the same job in any sweep folder.
    typed = OmegaConf.to_container(HydraConfig.get().overrides.task, resolve=False)
    return " ".join(sorted(own_overrides([str(o) for o in typed])))


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


def run_tags(cfg: DictConfig, sweep: str | None = None) -> dict[str, str]:
    """`sweep`: the tag of the sweep a resumed sweep continues (else this job's sweep folder)."""
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
        tags["sweep"] = sweep or sweep_dir
        tags[SWEEP_JOB_TAG] = sweep_job() or ""
    return tags
