"""One log line per epoch when the progress bar is off (DVC stages, batch jobs, log files):

    epoch  12/40  d_loss 0.612  g_loss 1.834  val/fid 45.31 (best)  elapsed 0:52  eta 2:21

It goes through Python logging, so Hydra's job log keeps it with a timestamp. With the
progress bar on it stays quiet: the bar shows the same figures.

An epoch's line is written when the next epoch starts (or training ends): the epoch means of
the losses and the checkpoint choice are logged after every callback's `on_train_epoch_end`
but ModelCheckpoint's, so that is the first moment all of them are known.
"""

import logging
import math
import time

import pytorch_lightning as pl
from pytorch_lightning.utilities import rank_zero_only

log = logging.getLogger(__name__)


def clock(seconds: float) -> str:
    minutes, secs = divmod(int(round(seconds)), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class EpochSummary(pl.Callback):
    def __init__(self) -> None:
        self.start: float | None = None
        self.first_epoch = 0
        self.pending: int | None = None  # the finished epoch whose line is not written yet

    def on_train_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self.start = time.monotonic()
        self.first_epoch = trainer.current_epoch  # > 0 when resumed

    def on_train_epoch_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self.flush(trainer)

    def on_train_epoch_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self.pending = trainer.current_epoch

    def on_train_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self.flush(trainer)

    @rank_zero_only
    def flush(self, trainer: pl.Trainer) -> None:
        if self.pending is None or self.start is None or trainer.progress_bar_callback:
            return
        epoch, self.pending = self.pending + 1, None
        log.info(self.line(trainer, epoch, time.monotonic() - self.start))

    def line(self, trainer: pl.Trainer, epoch: int, elapsed: float) -> str:
        total = trainer.max_epochs if trainer.max_epochs and trainer.max_epochs > 0 else None
        width = len(str(total or epoch))
        parts = [f"epoch {epoch:>{width}}/{total or '?'}"]
        metrics = trainer.callback_metrics
        for key, value in sorted(metrics.items()):
            if key.startswith("train/") and key.endswith("_epoch"):
                parts.append(f"{key[6:-6]} {float(value):.4g}")
        checkpoint = trainer.checkpoint_callback
        monitor = getattr(checkpoint, "monitor", None)
        for key in sorted(k for k in metrics if k.startswith("val/")):
            if key in ("val/fid", "val/is") or key == monitor:
                text = f"{key} {float(metrics[key]):.4g}"
                best = getattr(checkpoint, "best_model_score", None)
                if (
                    key == monitor
                    and best is not None
                    and math.isclose(float(best), float(metrics[key]))
                ):
                    text += " (best)"
                parts.append(text)
        parts.append(f"elapsed {clock(elapsed)}")
        done = epoch - self.first_epoch
        if total is not None and done > 0 and epoch < total:
            parts.append(f"eta {clock(elapsed / done * (total - epoch))}")
        return "  ".join(parts)
