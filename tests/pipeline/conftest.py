"""The pipeline tests run offline, whatever the machine can reach: a case that must fail for
want of a download (`prepare-offline` in the error matrix) then fails for that reason on every
machine, and no test passes by downloading.

In this process, a connection to anything but the loopback address is refused; the scripts a
test starts get an unreachable HTTP(S) proxy for every host but the loopback one (urllib,
requests and torchvision's downloads honour it)."""

import ipaddress
import socket
from collections.abc import Iterator

import pytest

UNREACHABLE_PROXY = "http://127.0.0.1:9"  # the discard port: nothing listens
LOCAL_HOSTS = "127.0.0.1,localhost,::1"


class NetworkDisabled(OSError):
    pass


def loopback(address: object) -> bool:
    host = address[0] if isinstance(address, tuple) else address
    if not isinstance(host, str):
        return True  # AF_UNIX paths and the like
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a host name: resolved by the caller, so not ours to allow


@pytest.fixture(autouse=True)
def offline(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    connect = socket.socket.connect

    def guarded(self: socket.socket, address: object) -> None:
        if self.family in (socket.AF_INET, socket.AF_INET6) and not loopback(address):
            raise NetworkDisabled(f"tests/pipeline runs offline: no connection to {address}")
        return connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
        monkeypatch.setenv(name, UNREACHABLE_PROXY)
    for name in ("no_proxy", "NO_PROXY"):
        monkeypatch.setenv(name, LOCAL_HOSTS)
    yield
