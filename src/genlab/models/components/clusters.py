"""Cluster ids as labels for an unconditional GAN: self-conditioning (Liu et al. 2020, "Diverse
Image Generation via Self-Conditioned GANs").

A class-conditional GAN covers every class because its discriminator judges each image against
the class it was asked for; without labels, a GAN drifts to the modes that are easiest to fool
its discriminator with (QUALITY.md). Self-conditioning gives it labels that it finds itself: the
training images are clustered, the generator and the discriminator are conditioned on the cluster
ids through the same machinery as on classes (conditional BatchNorm, a projection head), and
samples draw their cluster by its size. To its user the model stays unconditional.

The clusters are found in a pixel-space PCA of the training split (k-means, or spectral
clustering), which genlab computes from the data alone: never the evaluator, whose features
score the samples. Liu et al. re-cluster on
the discriminator's features every 25,000 steps, more than this pipeline's whole budget, so a
fixed clustering is what their schedule amounts to here.

The fitted state is kept in float buffers, so a checkpoint carries it and weight averaging
(whose average copies and averages buffers) keeps it: the average of a constant is the
constant, up to float rounding (seen: 6.0000005 for 6 in an EMA checkpoint), so cluster ids are
rounded before use.
"""

from collections.abc import Sequence
from math import prod

import torch
from torch import nn

from genlab.utils.errors import GenlabError
from genlab.utils.pixels import from_uint8

METHODS = ("kmeans", "spectral")


class PixelClusters(nn.Module):
    """`fit(images)` once on the training split; then `module(images)` gives each image its
    cluster id, and `sample(n)` draws ids by the clusters' sizes.

    `method`: `kmeans` on the PCA codes (an image's cluster: the nearest centroid), or
    `spectral` clustering of the codes' nearest-neighbour graph, which follows the shape of
    the data rather than balls around centroids, so its clusters are purer (QUALITY.md). A
    spectral cluster has no centroid: an image takes the cluster of its nearest training
    image, which is its own for the training images. So the module keeps the training
    images' codes and clusters, and is built for `train_images` of them (the training split's
    size, which genlab.app.train passes in).
    """

    def __init__(
        self,
        clusters: int,
        image_shape: Sequence[int],
        components: int = 32,
        seed: int = 0,
        method: str = "kmeans",
        neighbors: int = 10,
        train_images: int = 0,
    ) -> None:
        super().__init__()
        pixels = prod(int(size) for size in image_shape)
        if clusters < 2:
            raise GenlabError(f"model.self_conditioning.clusters must be >= 2, got {clusters}")
        if not 1 <= components <= pixels:
            raise GenlabError(
                f"model.self_conditioning.components must be in 1..{pixels}, got {components}"
            )
        if method not in METHODS:
            raise GenlabError(
                f"unknown model.self_conditioning.method {method}; valid: {', '.join(METHODS)}"
            )
        self.clusters, self.components, self.seed = clusters, components, seed
        self.method, self.neighbors = method, neighbors
        self.register_buffer("mean", torch.zeros(pixels))
        self.register_buffer("basis", torch.zeros(components, pixels))  # PCA axes, as rows
        self.register_buffer("centroids", torch.zeros(clusters, components))
        self.register_buffer("sizes", torch.zeros(clusters))  # training images per cluster
        # spectral: every training image's code and cluster (floats: see the module docstring)
        kept = train_images if method == "spectral" else 0
        self.register_buffer("codes", torch.zeros(kept, components))
        self.register_buffer("assignments", torch.zeros(kept))

    @property
    def fitted(self) -> bool:
        return bool(self.sizes.sum() > 0)

    @torch.no_grad()
    def fit(self, images: torch.Tensor) -> None:
        """Cluster `images` (N, C, H, W, uint8 or in [-1, 1]): PCA, then k-means or spectral
        clustering."""
        # Imported here: only a self-conditioned model's first fit needs them.
        from sklearn.decomposition import PCA

        if len(images) < self.clusters:
            raise GenlabError(
                f"model.self_conditioning.clusters={self.clusters} is more than the "
                f"{len(images)} training images"
            )
        if self.method == "spectral" and len(images) != len(self.codes):
            raise GenlabError(
                f"spectral self-conditioning was built for {len(self.codes)} training images "
                f"and fitted on {len(images)}; build the model with train_images={len(images)}"
            )
        pixels = self.as_pixels(images).cpu().double().numpy()
        pca = PCA(self.components, random_state=self.seed).fit(pixels)
        codes = pca.transform(pixels)
        labels = self.cluster(codes)
        self.mean.copy_(torch.from_numpy(pca.mean_))
        self.basis.copy_(torch.from_numpy(pca.components_))
        self.sizes.copy_(torch.bincount(torch.from_numpy(labels), minlength=self.clusters))
        if self.method == "spectral":
            self.codes.copy_(torch.from_numpy(codes))
            self.assignments.copy_(torch.from_numpy(labels))

    def cluster(self, codes) -> "numpy.ndarray":  # noqa: F821 - numpy is sklearn's
        """Cluster ids of the training codes (kmeans also keeps its centroids)."""
        from sklearn.cluster import KMeans, SpectralClustering

        if self.method == "kmeans":
            kmeans = KMeans(self.clusters, n_init=4, random_state=self.seed).fit(codes)
            self.centroids.copy_(torch.from_numpy(kmeans.cluster_centers_))
            return kmeans.labels_
        spectral = SpectralClustering(
            self.clusters,
            affinity="nearest_neighbors",
            n_neighbors=self.neighbors,
            assign_labels="cluster_qr",
            random_state=self.seed,
        )
        return spectral.fit_predict(codes)

    @staticmethod
    def as_pixels(images: torch.Tensor) -> torch.Tensor:
        """Flattened float32 pixels in [-1, 1], the range training batches come in."""
        if images.dtype == torch.uint8:
            images = from_uint8(images)
        return images.float().flatten(1)

    @torch.no_grad()
    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """Each image's cluster id, in float32 even under mixed precision (bf16 would move
        images near a boundary into the other cluster)."""
        if not self.fitted:
            raise ValueError("PixelClusters used before fit(): call fit on the training images")
        with torch.autocast(images.device.type, enabled=False):
            codes = (self.as_pixels(images) - self.mean) @ self.basis.T
            if self.method == "kmeans":
                return torch.cdist(codes, self.centroids).argmin(dim=1)
            nearest = torch.cdist(codes, self.codes).argmin(dim=1)
            return self.assignments[nearest].round().long()  # see the module docstring

    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """Cluster ids drawn by size (on the CPU, like genlab's noise, so seeds hold anywhere)."""
        sizes = self.sizes.cpu().double()
        return torch.multinomial(sizes, n, replacement=True, generator=generator)

    def extra_repr(self) -> str:
        return (
            f"clusters={self.clusters}, method={self.method}, components={self.components}, "
            f"fitted={self.fitted}"
        )
