"""Write what a trained model makes: a sample grid, single images, a latent interpolation and,
for VAEs, reconstructions of real images. Conditional models can be asked for classes."""

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch
from tqdm import tqdm

from genlab.models.base import GenerativeModule
from genlab.models.vae_module import VAEModule
from genlab.utils import checks
from genlab.utils.errors import GenlabError
from genlab.utils.grids import row_labels, save_grid


def check_sample_options(cfg: Any) -> None:
    """The sample script's counts, checked before anything is loaded or written."""
    checks.at_least("num_samples", cfg.num_samples, 1)
    checks.at_least("nrow", cfg.nrow, 1)
    checks.at_least("interpolation.rows", cfg.interpolation.rows, 1)
    checks.at_least("interpolation.steps", cfg.interpolation.steps, 2)
    checks.at_least("reconstructions", cfg.reconstructions, 0)
    if cfg.per_class is not None:
        checks.at_least("per_class", cfg.per_class, 1)


def requested_labels(
    module: GenerativeModule,
    labels: int | Sequence[int] | None,
    per_class: int | None,
    num_samples: int,
    nrow: int,
) -> tuple[torch.Tensor | None, int, int]:
    """(labels per image, image count, images per row) for the sample grid, checked.

    `per_class=k`: k images of every class, one row per class. `labels=7` or `labels=[0,3,7]`:
    row r of the grid asks for labels[r % len(labels)]. Neither: labels drawn from the
    training split's class frequencies (a conditional model) or none (an unconditional one).
    """
    if labels is None and per_class is None:
        return None, num_samples, nrow
    if not module.conditional:
        raise GenlabError(
            "labels= and per_class= need a conditional model (model.conditional=true); "
            "this one is unconditional"
        )
    valid = f"0..{module.num_classes - 1}"
    if per_class is not None:
        if labels is not None:
            raise GenlabError("give labels= or per_class=, not both")
        if not isinstance(per_class, int) or per_class < 1:
            raise GenlabError(f"per_class must be an integer >= 1, got {per_class!r}")
        return row_labels(module.num_classes, per_class), 0, per_class
    wanted = [labels] if isinstance(labels, int) else list(labels)
    if not wanted or not all(isinstance(x, int) and 0 <= x < module.num_classes for x in wanted):
        raise GenlabError(f"labels must be classes in {valid} (this model's classes), got {labels}")
    rows = torch.tensor(wanted)[torch.arange(-(-num_samples // nrow)) % len(wanted)]
    return rows.repeat_interleave(nrow)[:num_samples], num_samples, nrow


def write_samples(
    module: GenerativeModule,
    out_dir: Path,
    num_samples: int,
    nrow: int,
    seed: int,
    labels: torch.Tensor | None = None,
) -> dict[str, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    count = num_samples if labels is None else len(labels)
    generator = torch.Generator().manual_seed(seed)
    images = module.sample(count, labels, generator=generator).cpu()
    singles = out_dir / "images"
    singles.mkdir(exist_ok=True)
    # disable=None: a bar in a terminal, nothing in logs and pipes
    for i, image in enumerate(tqdm(images, desc="writing images", unit="img", disable=None)):
        save_grid(image, singles / f"{i:05d}.png", nrow=1)
    return {"grid": save_grid(images, out_dir / "grid.png", nrow), "images": singles}


def interpolate(module: GenerativeModule, rows: int, steps: int, seed: int) -> torch.Tensor:
    """Linear paths between pairs of latents: smooth rows mean a smooth latent space. A
    conditional model keeps one class per row (row r: class r mod the class count), so the
    row shows how the latent code alone changes the digit; a self-conditioned one keeps one
    cluster per row the same way."""
    generator = torch.Generator().manual_seed(seed)
    start = module.sample_noise(rows, generator)
    end = module.sample_noise(rows, generator)
    weights = torch.linspace(0, 1, steps, device=start.device).view(1, steps, 1)
    path = start[:, None] * (1 - weights) + end[:, None] * weights  # rows x steps x latent
    labels = None
    if module.label_count:  # classes, or a self-conditioned model's clusters
        labels = row_labels(module.label_count, steps, rows)
    return module.generate(path.reshape(rows * steps, -1), labels)


def write_interpolation(
    module: GenerativeModule, out_dir: Path, rows: int, steps: int, seed: int
) -> Path:
    images = interpolate(module, rows, steps, seed).cpu()
    return save_grid(images, out_dir / "interpolation.png", nrow=steps)


def write_reconstructions(
    module: VAEModule, real: torch.Tensor, out_dir: Path, labels: torch.Tensor | None = None
) -> Path:
    """Originals on odd rows, their reconstructions right below."""
    recon = module.reconstruct(real, labels if module.conditional else None).cpu()
    nrow = min(8, real.shape[0])
    pairs = [
        torch.cat([real[i : i + nrow], recon[i : i + nrow]]) for i in range(0, len(real), nrow)
    ]
    return save_grid(torch.cat(pairs), out_dir / "reconstructions.png", nrow)
