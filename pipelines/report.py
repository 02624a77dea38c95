"""Write reports/report.md and reports/comparison.png from the evaluated models' scores, or a
sweep's report (mean ± std over seeds per model) from its MLflow runs.

python pipelines/report.py models=[gan,dcgan,vae]
python pipelines/report.py sweep=multirun/train/<time>          # or experiment_name=<name>
"""

from pathlib import Path

import hydra
from omegaconf import DictConfig

from genlab.app.cli import one_line_errors, run


@hydra.main(version_base="1.3", config_path="../conf", config_name="report")
@one_line_errors
def main(cfg: DictConfig) -> None:
    if cfg.sweep is not None or cfg.experiment_name is not None:
        from genlab.app.sweep_report import write_sweep_report

        report = write_sweep_report(
            cfg.tracking_uri, cfg.sweep, cfg.experiment_name, Path(cfg.output_dir)
        )
    else:
        from genlab.app.report import write_report

        report = write_report(
            Path(cfg.metrics_dir), Path(cfg.figures_dir), cfg.models, Path(cfg.output_dir)
        )
    print(report.read_text())
    print(f"report: {report}")


if __name__ == "__main__":
    run(main, "report")
