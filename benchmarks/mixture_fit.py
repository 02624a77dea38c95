"""Fitting the VAE's latent mixture prior: one BLAS/OpenMP thread against the default pool.

    python benchmarks/mixture_fit.py [--rounds 7]

The VAE recipe refits a 20-component, full-covariance Gaussian mixture on 4,000 16-dim codes at
every validation (genlab/models/components/latent_mixture.py). EM on matrices this small is
many tiny BLAS calls, where thread hand-offs cost more than they save. The codes here are
synthetic: 10 well-separated clusters, like a trained encoder's digits. The two fits alternate
(A, B, A, B) and the figure is the median of the per-round ratios.
"""

import argparse
import time

import numpy as np
import torch
from threadpoolctl import threadpool_limits
from timing import interleaved, machine

from genlab.models.components.latent_mixture import LatentMixture


def codes(n: int = 4000, dim: int = 16) -> torch.Tensor:
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(10, dim)) * 3
    return torch.tensor(centres[rng.integers(0, 10, n)] + rng.normal(size=(n, dim)))


def fit_seconds(data: torch.Tensor, threads: int | None) -> float:
    """LatentMixture.fit pins one thread itself; `threads=None` lifts that to the pool's size
    by raising the limit around it (threadpoolctl's innermost limit wins)."""
    mixture = LatentMixture(data.shape[1])
    start = time.perf_counter()
    if threads is None:
        with threadpool_limits(limits=torch.get_num_threads()):
            _fit_unpinned(mixture, data)
    else:
        mixture.fit(data)
    return time.perf_counter() - start


def _fit_unpinned(mixture: LatentMixture, data: torch.Tensor) -> None:
    from sklearn.mixture import GaussianMixture

    GaussianMixture(
        mixture.components, covariance_type="full", reg_covar=1e-5, random_state=mixture.seed
    ).fit(data.double().numpy())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    data = codes()
    fit_seconds(data, 1)  # imports and first-call costs out of the figures
    one, pool, ratio = interleaved(
        lambda: fit_seconds(data, 1), lambda: fit_seconds(data, None), args.rounds
    )
    print(machine())
    print(f"mixture fit, 1 thread: {one:.3f} s; {torch.get_num_threads()} threads: {pool:.3f} s")
    print(f"ratio 1 thread / pool: {ratio:.2f}")


if __name__ == "__main__":
    main()
