"""Run an extractor over a stream of image batches, and draw a generator's samples in batches.

Features are collected on the CPU: the metrics need all of them at once (KID and IS keep every
sample), and thousands of 2048-d rows are small next to the images that produced them.
"""

from collections.abc import Callable, Iterable, Iterator

import torch
from torch import nn
from tqdm.auto import tqdm

from genlab.utils.errors import GenlabError
from genlab.utils.eval_mode import eval_mode


def _device_of(module: nn.Module) -> torch.device:
    param = next(module.parameters(), None)
    return param.device if param is not None else torch.device("cpu")


def extract_features(
    extractor: nn.Module,
    batches: Iterable[torch.Tensor],
    desc: str,
    total: int | None = None,
    progress: bool = True,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Concatenate `extractor(batch) -> (features, logits)` over all batches.

    The extractor runs in eval mode (dropout and BatchNorm must not make features random) and
    without autograd; its previous train/eval mode is restored afterwards. `total` (number of
    images, if known) only sizes the progress bar; `progress=False` hides it inside training.
    """
    device = _device_of(extractor)
    features: list[torch.Tensor] = []
    logits: list[torch.Tensor] = []
    with (
        eval_mode(extractor),
        torch.no_grad(),
        # disable=None: a bar in a terminal only, not in log files or pipes
        tqdm(
            total=total, desc=desc, unit="img", leave=False, disable=None if progress else True
        ) as bar,
    ):
        for batch in batches:
            feats, lgts = extractor(batch.to(device))
            features.append(feats.float().cpu())
            logits.append(lgts.float().cpu())
            bar.update(len(batch))
    if not features:
        raise GenlabError(f"{desc}: no images to extract features from")
    return torch.cat(features), torch.cat(logits)


def generate_batches(
    sample_fn: Callable[[int], torch.Tensor], n: int, batch_size: int
) -> Iterator[torch.Tensor]:
    """Yield `n` samples as batches of at most `batch_size` from `sample_fn(count)`.

    Each call runs under `torch.no_grad()` on its own: a `with no_grad()` around the `yield`
    would leak the disabled-grad state into the caller while the generator is suspended.
    """
    if n <= 0 or batch_size <= 0:
        raise ValueError(f"n and batch_size must be positive, got n={n}, batch_size={batch_size}")
    remaining = n
    while remaining > 0:
        count = min(batch_size, remaining)
        with torch.no_grad():
            batch = sample_fn(count)
        if len(batch) != count:
            raise ValueError(f"sample_fn({count}) returned {len(batch)} samples")
        remaining -= count
        yield batch
