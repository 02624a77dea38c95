"""Headless Chromium for the tests that look at pages: MLflow's own UI (test_tracking_server)
and genlab's offline comparison page (tests/pipeline/test_compare.py)."""

import os
import shutil
import signal
import subprocess
from pathlib import Path

import pytest

MISSING_TOOL = "{what} not found; `.ci/run` installs the Debian package: apt-get install {package}"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1400,1200",
]
# Headless Chromium's virtual-time budget now and then never expires: the process renders, then
# hangs (an intermittent hang other projects report too; CI met it once, on the screenshot
# call). A call that hangs is ended and made again with a fresh profile.
CHROMIUM_TIMEOUT_S = 90  # a call takes ~5 s alone, up to ~35 s beside the rest of the suite
CHROMIUM_ATTEMPTS = 3


def find_chromium() -> str:
    """Debian's headless Chromium; missing means CI setup is broken, so fail rather than skip."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    pytest.fail(MISSING_TOOL.format(what="Chromium", package="chromium"))


def chromium_run(chromium: str, profile: Path, *args: str) -> subprocess.CompletedProcess:
    """One headless Chromium call, made again (fresh profile) when it hangs; each hung process
    group is ended."""
    hung = []
    for attempt in range(CHROMIUM_ATTEMPTS):
        cmd = [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}-{attempt}", *args]
        proc = subprocess.Popen(
            cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
        )
        try:
            out, err = proc.communicate(timeout=CHROMIUM_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            _, err = proc.communicate()
            hung.append(err[-600:])
            continue
        return subprocess.CompletedProcess(cmd, proc.returncode, out, err)
    pytest.fail(f"chromium hung {CHROMIUM_ATTEMPTS} times; stderr tails:\n" + "\n--\n".join(hung))
