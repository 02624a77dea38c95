"""With the progress bar off (DVC stages, logs), training prints one line per epoch: epoch and
total, the epoch losses, val FID where it is measured, elapsed time and ETA."""

import logging
import re

from genlab.app.train import train


def test_one_line_per_epoch_when_the_progress_bar_is_off(train_config, caplog) -> None:
    caplog.set_level(logging.INFO, logger="genlab.callbacks.epoch_summary")
    train(train_config("model=vae", "logger=none", "trainer.max_epochs=3"))
    lines = [r.getMessage() for r in caplog.records if r.name == "genlab.callbacks.epoch_summary"]
    assert len(lines) == 3, lines
    pattern = r"epoch (\d)/3  kl [\d.e+-]+  loss [\d.e+-]+  recon [\d.e+-]+  .*elapsed \d+:\d\d"
    for number, line in enumerate(lines, start=1):
        match = re.match(pattern, line)
        assert match and match.group(1) == str(number), line
        assert "\n" not in line and "\r" not in line  # reads the same in a log file
    assert "eta " in lines[0] and "eta " not in lines[-1]


def test_quiet_when_the_progress_bar_shows_the_same(train_config, caplog) -> None:
    caplog.set_level(logging.INFO, logger="genlab.callbacks.epoch_summary")
    train(train_config("model=vae", "logger=none", "trainer.enable_progress_bar=true"))
    assert not [r for r in caplog.records if r.name == "genlab.callbacks.epoch_summary"]
