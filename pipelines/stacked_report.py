"""Write reports/stacked_mnist.md (genlab's models beside the published Stacked MNIST tables)
and its figures from the scores the Stacked MNIST pipeline wrote (`make stacked`).

python pipelines/stacked_report.py
"""

from pathlib import Path

import hydra
from omegaconf import DictConfig

from genlab.app.cli import one_line_errors, run


@hydra.main(version_base="1.3", config_path="../conf", config_name="stacked_report")
@one_line_errors
def main(cfg: DictConfig) -> None:
    from genlab.app.stacked_report import write_stacked_report

    report = write_stacked_report(
        Path(cfg.params_file),
        Path(cfg.metrics_dir),
        Path(cfg.figures_dir),
        Path(cfg.prepared_dir),
        Path(cfg.output_dir),
    )
    print(report.read_text())
    print(f"report: {report}")


if __name__ == "__main__":
    run(main, "stacked_report")
