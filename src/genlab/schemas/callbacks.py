"""The callbacks group: every callback genlab configures, typed."""

from dataclasses import dataclass


@dataclass
class ModelCheckpointConf:
    _target_: str = "pytorch_lightning.callbacks.ModelCheckpoint"
    dirpath: str = "???"
    filename: str = "epoch{epoch:03d}"
    auto_insert_metric_name: bool = False
    monitor: str | None = None
    mode: str = "min"
    save_top_k: int = 1


@dataclass
class LastCheckpointConf:
    _target_: str = "genlab.callbacks.last_checkpoint.LastCheckpoint"
    dirpath: str = "???"


@dataclass
class InterruptCheckpointConf:
    _target_: str = "genlab.callbacks.interrupt.InterruptCheckpoint"
    dirpath: str = "???"
    filename: str = "interrupted"


@dataclass
class TargetOnlyConf:  # callbacks without arguments
    _target_: str = "???"


@dataclass
class SampleGridConf:
    _target_: str = "genlab.callbacks.sample_grid.SampleGridCallback"
    output_dir: str = "???"
    num_samples: int = 64
    nrow: int = 8
    noise_seed: int = 1234


@dataclass
class ChannelsLastConf:
    _target_: str = "genlab.callbacks.speed.ChannelsLast"
    enabled: bool = True


@dataclass
class CompileNetworksConf:
    _target_: str = "genlab.callbacks.speed.CompileNetworks"
    enabled: bool = False
    mode: str | None = None


@dataclass
class EMAConf:
    _target_: str = "genlab.callbacks.ema.EMA"
    enabled: bool = False
    decay: float = 0.998
    update_starting_at_step: int | None = None
    update_every_n_steps: int = 1


@dataclass
class FIDMonitorConf:
    _target_: str = "genlab.callbacks.fid_monitor.FIDMonitor"
    evaluator_ckpt: str = "???"
    num_samples: int = 500
    batch_size: int = 250
    seed: int = 0
    channels: int | None = None


CALLBACKS: dict[str, type] = {
    "model_checkpoint": ModelCheckpointConf,
    "last_checkpoint": LastCheckpointConf,
    "interrupt_checkpoint": InterruptCheckpointConf,
    "target_only": TargetOnlyConf,
    "sample_grid": SampleGridConf,
    "channels_last": ChannelsLastConf,
    "compile_networks": CompileNetworksConf,
    "ema": EMAConf,
    "fid_monitor": FIDMonitorConf,
}
