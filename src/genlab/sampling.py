"""Write what a trained model makes: a sample grid, single images, a latent interpolation and,
for VAEs, reconstructions of real images."""

from pathlib import Path

import torch
from torchvision.utils import save_image
from tqdm import tqdm

from genlab.models.base import GenerativeModule
from genlab.models.vae_module import VAEModule


def _save(images: torch.Tensor, path: Path, nrow: int) -> Path:
    save_image(images, path, nrow=nrow, normalize=True, value_range=(-1, 1))
    return path


def write_samples(
    module: GenerativeModule, out_dir: Path, num_samples: int, nrow: int, seed: int
) -> dict[str, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    images = module.sample(num_samples, torch.Generator().manual_seed(seed)).cpu()
    singles = out_dir / "images"
    singles.mkdir(exist_ok=True)
    for i, image in enumerate(tqdm(images, desc="writing images", unit="img")):
        _save(image, singles / f"{i:05d}.png", nrow=1)
    return {"grid": _save(images, out_dir / "grid.png", nrow), "images": singles}


def interpolate(module: GenerativeModule, rows: int, steps: int, seed: int) -> torch.Tensor:
    """Linear paths between pairs of latents: smooth rows mean a smooth latent space."""
    generator = torch.Generator().manual_seed(seed)
    start = module.sample_noise(rows, generator)
    end = module.sample_noise(rows, generator)
    weights = torch.linspace(0, 1, steps, device=start.device).view(1, steps, 1)
    path = start[:, None] * (1 - weights) + end[:, None] * weights  # rows x steps x latent
    return module.generate(path.reshape(rows * steps, -1))


def write_interpolation(
    module: GenerativeModule, out_dir: Path, rows: int, steps: int, seed: int
) -> Path:
    images = interpolate(module, rows, steps, seed).cpu()
    return _save(images, out_dir / "interpolation.png", nrow=steps)


def write_reconstructions(module: VAEModule, real: torch.Tensor, out_dir: Path) -> Path:
    """Originals on odd rows, their reconstructions right below."""
    recon = module.reconstruct(real).cpu()
    nrow = min(8, real.shape[0])
    pairs = [
        torch.cat([real[i : i + nrow], recon[i : i + nrow]]) for i in range(0, len(real), nrow)
    ]
    return _save(torch.cat(pairs), out_dir / "reconstructions.png", nrow)
