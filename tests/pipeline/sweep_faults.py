"""A test-only callback that kills a whole sweep with SIGKILL in one chosen job, as a cluster's
time limit or an out-of-memory killer does: no handler runs, no run is marked."""

import os
import signal

import pytorch_lightning as pl
from hydra.core.hydra_config import HydraConfig

# Armed only where the test sets it, so the resumed sweep repeats the same overrides unarmed.
ARMED = "GENLAB_TEST_KILL_JOB"


class KillSweepInJob(pl.Callback):
    """SIGKILL the process group at (`epoch`, `batch`) of job number $GENLAB_TEST_KILL_JOB."""

    def __init__(self, epoch: int, batch: int) -> None:
        self.epoch, self.batch = epoch, batch

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx: int) -> None:
        armed = os.environ.get(ARMED)
        if armed is None or str(HydraConfig.get().job.num) != armed:
            return
        if (trainer.current_epoch, batch_idx) == (self.epoch, self.batch):
            os.killpg(os.getpgid(0), signal.SIGKILL)
