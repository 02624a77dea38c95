"""The offline guard of tests/pipeline (conftest.py) holds, in this process and in the
scripts a test starts; the loopback address, where tests run their own servers, stays open."""

import socket
import subprocess
import sys
import urllib.request

import pytest

PUBLIC = ("1.1.1.1", 80)


def test_this_process_cannot_connect_out_but_reaches_the_loopback_address() -> None:
    with pytest.raises(OSError, match="runs offline"):
        socket.create_connection(PUBLIC, timeout=5)
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        socket.create_connection(server.getsockname(), timeout=5).close()


def test_a_started_script_s_downloads_go_nowhere() -> None:
    """What torchvision's MNIST download does (urllib): refused by the dead proxy at once."""
    probe = "import urllib.request; urllib.request.urlopen('http://example.com', timeout=5)"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert done.returncode != 0
    assert "Connection refused" in done.stderr, done.stderr[-1000:]
    # An opener of its own: `urlopen` would install a global one that keeps this test's dead
    # proxy for every later test of the worker (the tracking-server tests then failed in CI).
    with pytest.raises(OSError):
        urllib.request.build_opener().open("http://example.com", timeout=5)
