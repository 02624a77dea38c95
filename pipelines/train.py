"""Train a generative model.

    python pipelines/train.py model=gan|dcgan|vae data=mnist5k trainer.max_epochs=5
    python pipelines/train.py -m model=gan,dcgan,vae seed=1,2

Heavy imports happen inside main(), so `--help` and config errors answer fast.
"""

import hydra
from omegaconf import DictConfig

from genlab.app.cli import one_line_errors, run


@hydra.main(version_base="1.3", config_path="../conf", config_name="train")
@one_line_errors
def main(cfg: DictConfig) -> float | None:
    from genlab.app.train import train

    result = train(cfg)
    if not result.is_global_zero:
        return result.monitored_value  # other DDP ranks: rank 0 reports
    if result.run is not None:
        print(f"MLflow run {result.run.run_id} in {result.run.tracking_uri}")
    print(f"checkpoint:  {result.checkpoint}")
    print(f"sample grid: {result.sample_grid}")
    print("compare runs: make ui  (MLflow UI on http://127.0.0.1:5000)")
    if cfg.get("result_path"):
        result.write(cfg.result_path, cfg.paths.root_dir)
    if cfg.evaluate and result.skipped and "eval/fid" in result.metrics:
        return result.metrics["eval/fid"]  # a resumed sweep's finished job: scored already
    if cfg.evaluate:
        from hydra.core.hydra_config import HydraConfig

        from genlab.app.evaluate import evaluate_trained

        scores = evaluate_trained(cfg, result, HydraConfig.get().runtime.output_dir)
        print(f"FID {scores['fid']:.3f}  KID {scores['kid']:.2f}  IS {scores['is_mean']:.3f}")
        return scores["fid"]
    return result.monitored_value


if __name__ == "__main__":
    run(main, "train")
