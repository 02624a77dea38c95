"""Compare runs by eye: their sample grids side by side (a figure and an offline HTML page),
logged to MLflow as a comparison run of their own.

    python pipelines/compare.py run_ids=[<id>,<id>]
    python pipelines/compare.py sweep=multirun/train/<time> [epoch=<n>]
    python pipelines/compare.py experiment_name=<MLflow experiment>

Heavy imports happen inside main(), so `--help` and config errors answer fast.
"""

from pathlib import Path

import hydra
from omegaconf import DictConfig, OmegaConf

from genlab.app.cli import one_line_errors, run


@hydra.main(version_base="1.3", config_path="../conf", config_name="compare")
@one_line_errors
def main(cfg: DictConfig) -> None:
    import os

    from genlab.app.compare import compare

    # One line per run's download would bury the result lines below.
    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    run_ids = OmegaConf.to_container(cfg.run_ids) if cfg.run_ids is not None else None
    result = compare(
        cfg.tracking_uri,
        run_ids,
        cfg.sweep,
        cfg.experiment_name,
        cfg.epoch,
        Path(cfg.output_dir),
        cfg.log_to_mlflow,
    )
    print(f"compared {len(result.runs)} runs")
    print(f"figure: {result.figure}")
    print(f"page:   {result.page}")
    if result.mlflow_run_id is not None:
        print(f"MLflow run {result.mlflow_run_id} (artifacts compare/) in {cfg.tracking_uri}")


if __name__ == "__main__":
    run(main, "compare")
