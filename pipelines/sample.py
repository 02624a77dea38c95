"""Sample from a trained model: grid, single images, interpolation, VAE reconstructions.

python pipelines/sample.py ckpt_path=path/to/model.ckpt num_samples=64
python pipelines/sample.py run_id=<mlflow run id>
python pipelines/sample.py ckpt_path=<conditional.ckpt> per_class=8     # a row per class
python pipelines/sample.py ckpt_path=<conditional.ckpt> labels=[0,3,7]
"""

import tempfile
from pathlib import Path

import hydra
from omegaconf import DictConfig, OmegaConf

from genlab.app.cli import one_line_errors, run


@hydra.main(version_base="1.3", config_path="../conf", config_name="sample")
@one_line_errors
def main(cfg: DictConfig) -> None:
    from hydra.utils import instantiate

    from genlab.app.handoff import resolve_checkpoint
    from genlab.app.sampling import (
        check_sample_options,
        requested_labels,
        write_interpolation,
        write_reconstructions,
        write_samples,
    )
    from genlab.models.checkpoints import load_module
    from genlab.models.vae_module import VAEModule

    check_sample_options(cfg)
    out_dir = Path(cfg.output_dir)
    ckpt, _ = resolve_checkpoint(cfg, dst=tempfile.mkdtemp(prefix="genlab-sample-"))
    module = load_module(ckpt)
    wanted = OmegaConf.to_object(cfg.labels) if OmegaConf.is_list(cfg.labels) else cfg.labels
    labels, count, nrow = requested_labels(module, wanted, cfg.per_class, cfg.num_samples, cfg.nrow)
    written = write_samples(module, out_dir, count, nrow, cfg.seed, labels)
    written["interpolation"] = write_interpolation(
        module, out_dir, cfg.interpolation.rows, cfg.interpolation.steps, cfg.seed
    )
    if isinstance(module, VAEModule) and cfg.reconstructions > 0:
        datamodule = instantiate(cfg.data)
        datamodule.prepare()
        datamodule.setup("validate")
        real, real_labels = next(iter(datamodule.val_dataloader()))
        n = cfg.reconstructions
        written["reconstructions"] = write_reconstructions(
            module, real[:n], out_dir, real_labels[:n]
        )
    for kind, path in written.items():
        print(f"{kind:>15}: {path}")


if __name__ == "__main__":
    run(main, "sample")
