"""The eval group: how evaluation (and evaluate=true after training) scores a model."""

from dataclasses import dataclass


@dataclass
class EvalConf:
    features: str = "classifier"  # classifier | inception
    evaluator_ckpt: str = "???"
    inception_weights: str | None = None
    num_samples: int = 1000
    batch_size: int = 250
    seed: int = 0
    device: str = "cpu"  # cpu | cuda
    cache_dir: str = "???"
