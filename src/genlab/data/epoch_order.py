"""The order of a training epoch, a function of (seed, epoch) alone, that a run resumed
mid-epoch picks up where the interrupted one stopped.

Lightning restores its count of the epoch's finished batches from the checkpoint and runs only
the rest; a plain loader would start the epoch's order again, so the resumed run would see
batches the interrupted one had already trained on. Skipping that count here gives exactly the
batches an uninterrupted run sees.
"""

from collections.abc import Callable, Iterator

from torch.utils.data import Dataset, DistributedSampler


class EpochOrder(DistributedSampler):
    """One process's shuffled order (as under DDP, Lightning calls `set_epoch`), minus the
    batches `batches_done()` says this epoch has already trained on."""

    def __init__(
        self, dataset: Dataset, seed: int, batch_size: int, batches_done: Callable[[], int]
    ) -> None:
        super().__init__(dataset, num_replicas=1, rank=0, shuffle=True, seed=seed)
        self.batch_size = batch_size
        self.batches_done = batches_done

    def __iter__(self) -> Iterator[int]:
        order = list(super().__iter__())
        return iter(order[self.batches_done() * self.batch_size :])
