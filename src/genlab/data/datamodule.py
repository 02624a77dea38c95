"""LightningDataModule over a prepared dataset folder."""

from __future__ import annotations

from typing import Any

import pytorch_lightning as pl
import torch
from torch.utils.data import DataLoader, Sampler

from genlab.data.dataset import UInt8ImageDataset, keep_batch
from genlab.data.epoch_order import EpochOrder, ResumableLoader
from genlab.data.prepared import (
    check_source_complete,
    is_prepared,
    prepare_source,
    read_meta,
    read_split,
)
from genlab.utils import checks
from genlab.utils.errors import GenlabError


class PreparedDataModule(pl.LightningDataModule):
    """Prepares a source once into `prepared_dir`, then serves it from memory.

    `source` stays a config dict (with `_target_`) until `prepare_data()` needs it, so building
    the module is cheap and the source config can be compared with the one recorded in meta.json:
    a changed source config re-prepares, an unchanged one is reused.
    """

    def __init__(
        self,
        name: str,
        source: dict[str, Any],
        prepared_dir: str,
        image_size: int,
        channels: int,
        batch_size: int = 64,
        num_workers: int = 0,
        pin_memory: bool = False,
        evaluator: str | None = None,
    ) -> None:
        super().__init__()
        checks.at_least("data.batch_size", batch_size, 1)
        checks.at_least("data.num_workers", num_workers, 0)
        checks.at_least("data.image_size", image_size, 8)
        checks.one_of("data.channels", channels, (1, 3))
        check_source_complete(name, source)  # at once: before any run is opened
        # No save_hyperparameters(): Lightning refuses to log when a datamodule hparam (e.g. `name`)
        # clashes with a model hparam of the same key; the training code logs cfg.data instead.
        self.name = name
        self.source = dict(source)
        self.prepared_dir = str(prepared_dir)
        self.image_size = int(image_size)
        self.channels = int(channels)
        self.batch_size = int(batch_size)
        self.num_workers = int(num_workers)
        self.pin_memory = bool(pin_memory)
        # The dataset whose evaluator scores this one (data.evaluator; None: its own).
        self.evaluator = evaluator or name
        self._meta: dict[str, Any] | None = None
        self.train_set: UInt8ImageDataset | None = None
        self.val_set: UInt8ImageDataset | None = None
        self.train_order: EpochOrder | None = None

    # -- preparing -------------------------------------------------------------------------------

    def prepare_data(self) -> None:
        """Write the prepared files unless the same source is already prepared there."""
        self._meta = prepare_source(self.name, self.source, self.prepared_dir)

    def prepare(self) -> dict[str, Any]:
        """prepare_data() for scripts: prepare if needed and return the meta."""
        self.prepare_data()
        self._meta = None
        return self.meta

    # -- loading ---------------------------------------------------------------------------------

    def setup(self, stage: str | None = None) -> None:
        if self.train_set is not None:
            return
        if not is_prepared(self.prepared_dir, self.source):
            raise GenlabError(
                f"{self.prepared_dir} does not hold data prepared from this source config; "
                "call prepare_data() (or run pipelines/prepare.py) first"
            )
        self._meta = read_meta(self.prepared_dir)  # fresh: another process may have prepared it
        shape = tuple(self._meta["shape"])
        if shape != self.image_shape:
            raise GenlabError(
                f"prepared data in {self.prepared_dir} has shape {shape} (C, H, W), but the config "
                f"asks for {self.image_shape} (data.channels, data.image_size)"
            )
        train_set = UInt8ImageDataset(*read_split(self.prepared_dir, "train"))
        if len(train_set) < self.batch_size:
            raise GenlabError(
                f"{self.name}: {len(train_set)} training images are fewer than "
                f"data.batch_size={self.batch_size}; with drop_last there would be no batch"
            )
        self.train_set = train_set
        self.val_set = UInt8ImageDataset(*read_split(self.prepared_dir, "val"))

    def train_dataloader(self) -> DataLoader:
        train_set = self._require(self.train_set)
        if self.trainer is not None and self.trainer.world_size > 1:
            self.train_order = None
            return self._loader(train_set, shuffle=True, drop_last=True)  # Lightning shards it
        # One process: the order of each epoch is a function of (seed, epoch) alone, instead of
        # a draw from the global RNG when the iterator starts. So a run resumed from a
        # checkpoint, even one written mid-epoch, sees the same batches as an uninterrupted
        # one, and the global RNG is left to the model's noise.
        self.train_order = EpochOrder(train_set, torch.initial_seed(), self.batch_size)
        return self._loader(train_set, shuffle=False, drop_last=True, sampler=self.train_order)

    def on_after_batch_transfer(self, batch: Any, dataloader_idx: int) -> Any:
        """Lightning calls this for the batch a step is about to use, after any read-ahead: the
        one place that knows a training batch was consumed."""
        if self.train_order is not None and self.trainer is not None and self.trainer.training:
            self.train_order.batch_trained()
        return batch

    def val_dataloader(self) -> DataLoader:
        return self._loader(self._require(self.val_set), shuffle=False, drop_last=False)

    def _loader(
        self,
        dataset: UInt8ImageDataset,
        shuffle: bool,
        drop_last: bool,
        sampler: Sampler | None = None,
    ) -> DataLoader:
        return ResumableLoader(
            dataset,
            batch_size=self.batch_size,
            shuffle=shuffle,
            sampler=sampler,
            collate_fn=keep_batch,
            # Each iterator draws a base seed; from its own generator, not the global RNG.
            generator=torch.Generator().manual_seed(torch.initial_seed()),
            drop_last=drop_last,
            num_workers=self.num_workers,
            pin_memory=self.pin_memory,
            persistent_workers=self.num_workers > 0,
        )

    def _require(self, dataset: UInt8ImageDataset | None) -> UInt8ImageDataset:
        if dataset is None:
            raise GenlabError("call setup() before asking for a dataloader")
        return dataset

    # -- what models need to know ----------------------------------------------------------------

    @property
    def image_shape(self) -> tuple[int, int, int]:
        """(C, H, W) from the config: known before anything is prepared."""
        return self.channels, self.image_size, self.image_size

    @property
    def meta(self) -> dict[str, Any]:
        """The prepared meta.json (needs a prepared dataset)."""
        if self._meta is None:
            self._meta = read_meta(self.prepared_dir)
        return self._meta

    @property
    def classes(self) -> list[str]:
        return list(self.meta["classes"])

    @property
    def num_classes(self) -> int:
        return len(self.meta["classes"])
