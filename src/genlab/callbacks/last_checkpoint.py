"""`last.ckpt` after every epoch, the checkpoint `resume=<run id>` continues from.

A ModelCheckpoint of its own: Lightning 2.6's `save_last=True` rewrites last.ckpt only in epochs
where the monitored checkpoint improved, so with `monitor=val/fid` a killed run would resume
from its best epoch, not its last. Lightning keeps one state per ModelCheckpoint `state_key`,
which here says "last" so it never clashes with the kept-checkpoint callback.
"""

from pytorch_lightning.callbacks import ModelCheckpoint


class LastCheckpoint(ModelCheckpoint):
    def __init__(self, dirpath: str, filename: str = "last") -> None:
        super().__init__(dirpath=dirpath, filename=filename, monitor=None, save_top_k=1)

    @property
    def state_key(self) -> str:
        return f"{type(self).__qualname__}{{'filename': '{self.filename}'}}"
