"""The order of a training epoch, a function of (seed, epoch) alone, that a run resumed
mid-epoch picks up where the interrupted one stopped.

Lightning restores its count of the epoch's finished batches from the checkpoint and runs only
the rest; a plain loader would start the epoch's order again, so the resumed run would see
batches the interrupted one had already trained on. The order counts the batches handed to
training steps and saves that position with the loader (Lightning keeps the state of any train
loader that has `state_dict`/`load_state_dict` in its loop state), so a resumed run sees exactly
the batches an uninterrupted one sees, whatever the gradient accumulation.
"""

from collections.abc import Iterator
from typing import Any

from torch.utils.data import DataLoader, Dataset, DistributedSampler


class EpochOrder(DistributedSampler):
    """One process's shuffled order (as under DDP, Lightning calls `set_epoch`). Restored from a
    checkpoint, its next pass leaves out the batches of that epoch already trained on; every
    other pass (a VAE's mixture fit reads the loader too) is the epoch's whole order."""

    def __init__(self, dataset: Dataset, seed: int, batch_size: int) -> None:
        super().__init__(dataset, num_replicas=1, rank=0, shuffle=True, seed=seed)
        self.batch_size = batch_size
        self.batches_trained = 0
        self.resume_after = 0

    def set_epoch(self, epoch: int) -> None:
        if epoch != self.epoch:
            self.batches_trained = self.resume_after = 0
        super().set_epoch(epoch)

    def batch_trained(self) -> None:
        """Called as each batch goes to a training step (not when a loader merely fetches it:
        loaders and fetchers read ahead)."""
        self.batches_trained += 1

    def __iter__(self) -> Iterator[int]:
        order = list(super().__iter__())
        skip, self.resume_after = self.resume_after, 0
        return iter(order[skip * self.batch_size :])

    def state_dict(self) -> dict[str, int]:
        return {"epoch": self.epoch, "batches_trained": self.batches_trained}

    def load_state_dict(self, state: dict[str, int]) -> None:
        self.epoch = int(state["epoch"])
        self.batches_trained = self.resume_after = int(state["batches_trained"])


class ResumableLoader(DataLoader):
    """A DataLoader whose EpochOrder, when it has one, travels in Lightning's checkpoints. Every
    loader genlab builds is one, so a checkpoint saved by one process (one saved state) still
    loads under DDP (Lightning swaps in its own sampler, which saves nothing), and back."""

    def state_dict(self) -> dict[str, Any]:
        return self.sampler.state_dict() if isinstance(self.sampler, EpochOrder) else {}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        if state and isinstance(self.sampler, EpochOrder):
            self.sampler.load_state_dict(state)
