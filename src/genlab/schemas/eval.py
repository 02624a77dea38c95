"""The eval group: how evaluation (and evaluate=true after training) scores a model."""

from dataclasses import dataclass


@dataclass
class EvalConf:
    features: str = "classifier"  # classifier | inception
    evaluator_ckpt: str = "???"
    inception_weights: str | None = None
    num_samples: int = 1000
    # The training images the samples are compared with: a seeded-shuffled prefix of the split,
    # since precision/recall's pairwise distances grow with its square (Stacked MNIST's 128,000).
    real_samples: int = 10_000
    # Samples whose modes are counted, on data with countable modes (Stacked MNIST): PacGAN's.
    mode_samples: int = 26_000
    batch_size: int = 250
    seed: int = 0
    device: str = "cpu"  # cpu | cuda
    cache_dir: str = "???"
