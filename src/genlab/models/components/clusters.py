"""Cluster ids as labels for an unconditional GAN: self-conditioning (Liu et al. 2020, "Diverse
Image Generation via Self-Conditioned GANs").

A class-conditional GAN covers every class because its discriminator judges each image against
the class it was asked for; without labels, a GAN drifts to the modes that are easiest to fool
its discriminator with (QUALITY.md). Self-conditioning gives it labels that it finds itself: the
training images are clustered, the generator and the discriminator are conditioned on the cluster
ids through the same machinery as on classes (conditional BatchNorm, a projection head), and
samples draw their cluster by its size. To its user the model stays unconditional.

The clusters are k-means on a pixel-space PCA of the training split, which genlab computes from
the data alone: never the evaluator, whose features score the samples. Liu et al. re-cluster on
the discriminator's features every 25,000 steps, more than this pipeline's whole budget, so a
fixed clustering is what their schedule amounts to here.

The fitted state is kept in float buffers, so a checkpoint carries it and weight averaging
(whose average copies and averages buffers) keeps it exactly: the average of a constant is the
constant.
"""

from collections.abc import Sequence
from math import prod

import torch
from torch import nn

from genlab.errors import GenlabError


class PixelClusters(nn.Module):
    """`fit(images)` once on the training split; then `module(images)` gives each image its
    cluster id, and `sample(n)` draws ids by the clusters' sizes."""

    def __init__(
        self, clusters: int, image_shape: Sequence[int], components: int = 32, seed: int = 0
    ) -> None:
        super().__init__()
        pixels = prod(int(size) for size in image_shape)
        if clusters < 2:
            raise GenlabError(f"model.self_conditioning.clusters must be >= 2, got {clusters}")
        if not 1 <= components <= pixels:
            raise GenlabError(
                f"model.self_conditioning.components must be in 1..{pixels}, got {components}"
            )
        self.clusters, self.components, self.seed = clusters, components, seed
        self.register_buffer("mean", torch.zeros(pixels))
        self.register_buffer("basis", torch.zeros(components, pixels))  # PCA axes, as rows
        self.register_buffer("centroids", torch.zeros(clusters, components))
        self.register_buffer("sizes", torch.zeros(clusters))  # training images per cluster

    @property
    def fitted(self) -> bool:
        return bool(self.sizes.sum() > 0)

    @torch.no_grad()
    def fit(self, images: torch.Tensor) -> None:
        """Cluster `images` (N, C, H, W, uint8 or in [-1, 1]): PCA, then k-means."""
        # Imported here: only a self-conditioned model's first fit needs them.
        from sklearn.cluster import KMeans
        from sklearn.decomposition import PCA

        if len(images) < self.clusters:
            raise GenlabError(
                f"model.self_conditioning.clusters={self.clusters} is more than the "
                f"{len(images)} training images"
            )
        pixels = self.as_pixels(images).cpu().double().numpy()
        pca = PCA(self.components, random_state=self.seed).fit(pixels)
        kmeans = KMeans(self.clusters, n_init=4, random_state=self.seed).fit(pca.transform(pixels))
        self.mean.copy_(torch.from_numpy(pca.mean_))
        self.basis.copy_(torch.from_numpy(pca.components_))
        self.centroids.copy_(torch.from_numpy(kmeans.cluster_centers_))
        self.sizes.copy_(torch.bincount(torch.from_numpy(kmeans.labels_), minlength=self.clusters))

    @staticmethod
    def as_pixels(images: torch.Tensor) -> torch.Tensor:
        """Flattened float32 pixels in [-1, 1], the range training batches come in."""
        if images.dtype == torch.uint8:
            images = images.float().div(127.5).sub(1)
        return images.float().flatten(1)

    @torch.no_grad()
    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """The nearest centroid's id per image, in float32 even under mixed precision (bf16
        would move images near a boundary into the other cluster)."""
        if not self.fitted:
            raise ValueError("PixelClusters used before fit(): call fit on the training images")
        with torch.autocast(images.device.type, enabled=False):
            codes = (self.as_pixels(images) - self.mean) @ self.basis.T
            return torch.cdist(codes, self.centroids).argmin(dim=1)

    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """Cluster ids drawn by size (on the CPU, like genlab's noise, so seeds hold anywhere)."""
        sizes = self.sizes.cpu().double()
        return torch.multinomial(sizes, n, replacement=True, generator=generator)

    def extra_repr(self) -> str:
        return f"clusters={self.clusters}, components={self.components}, fitted={self.fitted}"
