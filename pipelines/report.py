"""Write reports/report.md and reports/comparison.png from the evaluated models' scores.

python pipelines/report.py models=[gan,dcgan,vae]
"""

from pathlib import Path

import hydra
from omegaconf import DictConfig

from genlab.cli import one_line_errors


@hydra.main(version_base="1.3", config_path="../conf", config_name="report")
@one_line_errors
def main(cfg: DictConfig) -> None:
    from genlab.report import write_report

    report = write_report(
        Path(cfg.metrics_dir), Path(cfg.figures_dir), cfg.models, Path(cfg.output_dir)
    )
    print(report.read_text())
    print(f"report: {report}")


if __name__ == "__main__":
    main()
