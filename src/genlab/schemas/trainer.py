"""The trainer group: the Trainer arguments genlab's configs set, typed. Any other argument of
Lightning's Trainer can be added with `+trainer.<name>=<value>`; genlab.app.train checks its name
against the Trainer's own signature."""

from dataclasses import dataclass
from typing import Any


@dataclass
class TrainerConf:
    _target_: str = "pytorch_lightning.Trainer"
    default_root_dir: str | None = None
    accelerator: str = "cpu"
    devices: Any = 1  # an integer, -1, "auto" or a list of device ids
    num_nodes: int = 1
    strategy: str = "auto"
    precision: Any = "32-true"  # Lightning's names, e.g. 32-true, bf16-mixed (or 32, 16)
    max_epochs: int | None = None
    min_epochs: int | None = None
    max_steps: int = -1
    limit_train_batches: Any = None  # a batch count or a fraction
    limit_val_batches: Any = None
    val_check_interval: Any = None
    check_val_every_n_epoch: int | None = 1
    log_every_n_steps: int | None = None
    enable_progress_bar: bool | None = None
    enable_model_summary: bool | None = None
    enable_checkpointing: bool | None = None
    logger: bool | None = None
    gradient_clip_val: float | None = None
    accumulate_grad_batches: int = 1
    fast_dev_run: Any = False  # a bool or a batch count
    benchmark: bool | None = None
    deterministic: Any = None  # a bool or "warn"
    profiler: str | None = None
    sync_batchnorm: bool = False
