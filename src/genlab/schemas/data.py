"""The data group: a PreparedDataModule over one source. The sources' own arguments differ
(mnist5k, torchvision, an image folder), so `source` is the source's config as it is."""

from dataclasses import dataclass, field
from typing import Any


@dataclass
class DataConf:
    _target_: str = "genlab.data.datamodule.PreparedDataModule"
    _recursive_: bool = False
    _convert_: str = "all"
    name: str = "???"
    image_size: int = 28
    channels: int = 1
    # The dataset whose evaluator scores this one (paths.evaluator_ckpt): its own, or, for data
    # made of another's images (stacked_mnist), that dataset's, applied channel by channel.
    evaluator: str = "${.name}"
    prepared_dir: str = "???"
    batch_size: int = 64
    num_workers: int = 0
    pin_memory: bool = False
    source: dict[str, Any] = field(default_factory=dict)
