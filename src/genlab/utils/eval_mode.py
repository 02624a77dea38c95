"""`with eval_mode(module):` evaluation behaviour (BatchNorm running statistics, no dropout)
for a while, then the mode the module had before: sampling during training, feature
extraction and refitting the VAE's latent density all need it, and none may leave a training
module in eval mode."""

from collections.abc import Iterator
from contextlib import contextmanager

from torch import nn


@contextmanager
def eval_mode(module: nn.Module) -> Iterator[nn.Module]:
    was_training = module.training
    module.eval()
    try:
        yield module
    finally:
        module.train(was_training)
