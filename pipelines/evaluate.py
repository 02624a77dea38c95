"""Score a trained generator with FID, KID and IS, beside the real-data reference row.

python pipelines/evaluate.py ckpt_path=<file.ckpt> eval.num_samples=2000
python pipelines/evaluate.py run_id=<mlflow run id>        # logs eval/* into that run
python pipelines/evaluate.py ckpt_path=<file.ckpt> eval=inception eval.inception_weights=<pth>
"""

import hydra
from omegaconf import DictConfig

from genlab.app.cli import one_line_errors, run


@hydra.main(version_base="1.3", config_path="../conf", config_name="evaluate")
@one_line_errors
def main(cfg: DictConfig) -> float:
    from hydra.core.hydra_config import HydraConfig

    from genlab.app.evaluate import evaluate

    result = evaluate(cfg, output_dir=HydraConfig.get().runtime.output_dir)
    row = "{:>22} {:>9.3f} {:>9.4f} {:>7.3f}".format
    print(f"{'':>22} {'FID':>9} {'KID':>9} {'IS':>7}")
    for name, scores in [(result["model"], result), ("real (val vs train)", result["reference"])]:
        print(row(name, scores["fid"], scores["kid"], scores["is_mean"]))
    print(f"scores: {result['metrics_path']}\ngrid:   {result['grid_path']}")
    return result["fid"]


if __name__ == "__main__":
    run(main, "evaluate")
