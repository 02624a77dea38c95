"""Prepare a dataset: decode the source once into uint8 tensors + meta.json.

    python pipelines/prepare.py data=mnist5k
    python pipelines/prepare.py data=image_folder data.source.root=/path/to/images

Heavy imports (torch, Lightning) happen inside main(), so `--help` and config errors are fast.
"""

from __future__ import annotations

import hydra
from omegaconf import DictConfig, OmegaConf

from genlab.app.cli import one_line_errors, run


@hydra.main(version_base="1.3", config_path="../conf", config_name="prepare")
@one_line_errors
def main(cfg: DictConfig) -> None:
    from genlab.data.prepared import prepare_source

    source = OmegaConf.to_container(cfg.data.source, resolve=True, throw_on_missing=False)
    meta = prepare_source(cfg.data.name, source, cfg.data.prepared_dir)
    c, h, w = meta["shape"]
    counts = ", ".join(f"{split} {n}" for split, n in meta["counts"].items())
    print(f"prepared {meta['name']} in {cfg.data.prepared_dir}")
    n_classes = len(meta["classes"])
    print(f"  {counts} images of {c}×{h}×{w}, {n_classes} classes, sha256 {meta['sha256'][:12]}")


if __name__ == "__main__":
    run(main, "prepare")
