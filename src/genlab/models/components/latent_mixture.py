"""An ex-post density over a VAE's latent codes (Ghosh et al. 2020, "From variational to
deterministic autoencoders").

A VAE's aggregate posterior, the codes its encoder gives real images, does not fill N(0, I):
codes drawn from the prior land in holes the decoder never learned, and come out as blurry
half-digits. A Gaussian mixture fitted to the training split's posterior means samples where
real images actually sit. scikit-learn fits it; sampling is torch, with a seedable generator.

The fitted mixture is neither parameters nor buffers, so it stays out of the state_dict: it is
refitted, never trained, and weight averaging (EMA) averages and swaps state_dicts. The VAE
module carries `state()` through its checkpoint hooks instead.
"""

from typing import Any

import torch
from torch import nn


class LatentMixture(nn.Module):
    """`fit(codes)` then `sample(n)`; unfitted, it samples N(0, I)."""

    def __init__(
        self,
        latent_dim: int,
        components: int = 20,
        seed: int = 0,
        warm_start: bool = False,
        tolerance: float = 1e-3,
    ) -> None:
        super().__init__()
        self.latent_dim, self.components, self.seed = latent_dim, components, seed
        self.warm_start, self.tolerance = warm_start, tolerance
        self.weights: torch.Tensor | None = None  # (K,)
        self.means: torch.Tensor | None = None  # (K, d)
        self.scale_tril: torch.Tensor | None = None  # (K, d, d), Cholesky factors

    @property
    def fitted(self) -> bool:
        return self.weights is not None

    def fit(self, codes: torch.Tensor) -> None:
        # Imported here: only this path needs them.
        from sklearn.mixture import GaussianMixture
        from threadpoolctl import threadpool_limits

        data = codes.detach().double().cpu().numpy()
        components = min(self.components, len(data))
        mixture = GaussianMixture(
            components,
            covariance_type="full",
            reg_covar=1e-5,
            tol=self.tolerance,  # EM stops when the mean log-likelihood gains less
            random_state=self.seed,
            **self.previous_fit(components),
        )
        # One BLAS thread: EM on 16-dim codes is many tiny matrix ops, which multi-threaded
        # BLAS runs several times slower (BENCHMARKS.md); the fit is refitted at every validation.
        with threadpool_limits(limits=1):
            mixture.fit(data)
        self.weights = torch.from_numpy(mixture.weights_).float()
        self.means = torch.from_numpy(mixture.means_).float()
        self.scale_tril = torch.linalg.cholesky(torch.from_numpy(mixture.covariances_)).float()

    def previous_fit(self, components: int) -> dict[str, Any]:
        """EM's starting point: the last fit, when there is one of the same size. Refitted after
        every validation to codes that have moved a little, EM then converges in a few
        iterations instead of starting from k-means (BENCHMARKS.md, QUALITY.md)."""
        if not self.warm_start or self.weights is None or len(self.weights) != components:
            return {}
        assert self.means is not None and self.scale_tril is not None
        weights = self.weights.double()  # sklearn wants them to sum to 1 in float64
        precisions = torch.cholesky_inverse(self.scale_tril.double())
        return {
            "weights_init": (weights / weights.sum()).numpy(),
            "means_init": self.means.double().numpy(),
            "precisions_init": ((precisions + precisions.mT) / 2).numpy(),
        }

    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """Codes on the CPU: a component by weight, then its Gaussian (torch.distributions
        draws take no generator, so a seeded draw is written out)."""
        if not self.fitted:
            return torch.randn(n, self.latent_dim, generator=generator)
        assert self.weights is not None and self.means is not None and self.scale_tril is not None
        component = torch.multinomial(
            self.weights.double(), n, replacement=True, generator=generator
        )
        eps = torch.randn(n, self.latent_dim, 1, generator=generator)
        return self.means[component] + (self.scale_tril[component] @ eps).squeeze(-1)

    def state(self) -> dict[str, Any]:
        """The fit, as tensors (a `weights_only` load reads them); empty when unfitted."""
        if not self.fitted:
            return {}
        return {"weights": self.weights, "means": self.means, "scale_tril": self.scale_tril}

    def load_state(self, state: dict[str, Any]) -> None:
        self.weights = state.get("weights")
        self.means = state.get("means")
        self.scale_tril = state.get("scale_tril")

    def extra_repr(self) -> str:
        return f"latent_dim={self.latent_dim}, components={self.components}, fitted={self.fitted}"
