"""On-disk cache of real data's features, so the real side of FID/KID is extracted once, and of
the real-data reference scores, which every evaluation of the same data, extractor and sample
count shares (each of the pipeline's evaluate stages would compute the same row again).

The file name is the sha256 of the key (JSON with sorted keys), and the key holds everything
that determines the result: dataset content hash, split, extractor fingerprint, image size and
sample count; for scores also the source of the code that computes them and the versions of the
libraries it calls. Any change gives a new file instead of silently reusing a stale one.
"""

import hashlib
import inspect
import json
import logging
import os
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path
from types import ModuleType
from typing import Any, BinaryIO

import torch

from genlab.utils.files import atomic_write

log = logging.getLogger(__name__)


def key_digest(key: dict[str, Any]) -> str:
    """Deterministic sha256 of a JSON-serialisable key (dict order does not matter)."""
    text = json.dumps(key, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(text.encode()).hexdigest()


class KeyedFileCache:
    """`get_or_compute(key, compute)`: read `<cache_dir>/<sha256(key)><suffix>`, or compute and
    write it. The file stores its key too, and a file whose key differs, or that cannot be
    read (truncated, foreign), is a miss: it must never stop an evaluation.

    `hits` and `misses` count the outcomes (for tests and for logging how much was reused).
    Subclasses say how a value is read and written.
    """

    suffix = ""

    def __init__(self, cache_dir: str | os.PathLike[str]):
        self.cache_dir = Path(cache_dir)
        self.hits = 0
        self.misses = 0

    def path_for(self, key: dict[str, Any]) -> Path:
        return self.cache_dir / f"{key_digest(key)}{self.suffix}"

    def get_or_compute(self, key: dict[str, Any], compute: Callable[[], Any]) -> Any:
        path = self.path_for(key)
        key_json = json.dumps(key, sort_keys=True)
        if path.is_file():
            try:
                stored_key, value = self.read(path)
                if stored_key == key_json:
                    self.hits += 1
                    return value
            except Exception as e:  # noqa: BLE001 - any unreadable file is a miss
                log.warning("ignoring unreadable cache file %s (%s); recomputing", path, e)
        self.misses += 1
        value = compute()
        # Atomically: readers (or a parallel sweep job) never see a half-written file.
        atomic_write(path, lambda f: self.write(f, key_json, value))
        return value

    def read(self, path: Path) -> tuple[str, Any]:
        """(the stored key, the value)."""
        raise NotImplementedError

    def write(self, file: BinaryIO, key_json: str, value: Any) -> None:
        raise NotImplementedError


class RealFeatureCache(KeyedFileCache):
    """Real images' (features, logits), as a `weights_only` torch file."""

    suffix = ".pt"

    def read(self, path: Path) -> tuple[str, tuple[torch.Tensor, torch.Tensor]]:
        payload = torch.load(path, map_location="cpu", weights_only=True)
        return payload["key"], (payload["features"], payload["logits"])

    def write(
        self, file: BinaryIO, key_json: str, value: tuple[torch.Tensor, torch.Tensor]
    ) -> None:
        features, logits = value
        payload = {
            "key": key_json,
            # clone: a view would otherwise save its whole underlying storage
            "features": features.detach().cpu().clone(),
            "logits": logits.detach().cpu().clone(),
        }
        torch.save(payload, file)


class ScoreCache(KeyedFileCache):
    """A dict of scores, as JSON."""

    suffix = ".json"

    def read(self, path: Path) -> tuple[str, dict[str, Any]]:
        payload = json.loads(path.read_text())
        return payload["key"], payload["scores"]

    def write(self, file: BinaryIO, key_json: str, value: dict[str, Any]) -> None:
        file.write((json.dumps({"key": key_json, "scores": value}, indent=1) + "\n").encode())


def code_fingerprint(modules: list[ModuleType], packages: list[str]) -> str:
    """sha256 of the modules' source and the packages' versions: what computes a cached value."""
    parts = [inspect.getsource(module) for module in modules]
    parts += [f"{name}=={version(name)}" for name in packages]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()
