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
from typing import Any

import torch

from genlab.utils.files import atomic_write

log = logging.getLogger(__name__)


def key_digest(key: dict[str, Any]) -> str:
    """Deterministic sha256 of a JSON-serialisable key (dict order does not matter)."""
    text = json.dumps(key, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(text.encode()).hexdigest()


class RealFeatureCache:
    """`get_or_compute(key, compute)`: load `<cache_dir>/<sha256(key)>.pt`, or compute and save.

    `hits` and `misses` count the outcomes (for tests and for logging how much was reused).
    """

    def __init__(self, cache_dir: str | os.PathLike[str]):
        self.cache_dir = Path(cache_dir)
        self.hits = 0
        self.misses = 0

    def path_for(self, key: dict[str, Any]) -> Path:
        return self.cache_dir / f"{key_digest(key)}.pt"

    def get_or_compute(
        self,
        key: dict[str, Any],
        compute: Callable[[], tuple[torch.Tensor, torch.Tensor]],
    ) -> tuple[torch.Tensor, torch.Tensor]:
        path = self.path_for(key)
        key_json = json.dumps(key, sort_keys=True)
        cached = self._load(path, key_json)
        if cached is not None:
            self.hits += 1
            return cached
        self.misses += 1
        features, logits = compute()
        self._save(path, key_json, features, logits)
        return features, logits

    def _load(self, path: Path, key_json: str) -> tuple[torch.Tensor, torch.Tensor] | None:
        """The cached pair, or None when absent; an unreadable or mismatched file is a miss."""
        if not path.is_file():
            return None
        try:
            payload = torch.load(path, map_location="cpu", weights_only=True)
            if payload["key"] != key_json:
                raise ValueError("stored key differs")
            return payload["features"], payload["logits"]
        except Exception as e:  # a truncated or foreign file must not stop an evaluation
            log.warning("ignoring unreadable feature cache %s (%s); recomputing", path, e)
            return None

    def _save(self, path: Path, key_json: str, features: torch.Tensor, logits: torch.Tensor):
        """Atomically: readers (or a parallel sweep job) never see a half-written file."""
        payload = {
            "key": key_json,
            # clone: a view would otherwise save its whole underlying storage
            "features": features.detach().cpu().clone(),
            "logits": logits.detach().cpu().clone(),
        }
        atomic_write(path, lambda f: torch.save(payload, f))


def code_fingerprint(modules: list[ModuleType], packages: list[str]) -> str:
    """sha256 of the modules' source and the packages' versions: what computes a cached value."""
    parts = [inspect.getsource(module) for module in modules]
    parts += [f"{name}=={version(name)}" for name in packages]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


class ScoreCache:
    """`get_or_compute(key, compute)` for a dict of scores: `<cache_dir>/<sha256(key)>.json`."""

    def __init__(self, cache_dir: str | os.PathLike[str]):
        self.cache_dir = Path(cache_dir)
        self.hits = 0
        self.misses = 0

    def get_or_compute(
        self, key: dict[str, Any], compute: Callable[[], dict[str, Any]]
    ) -> dict[str, Any]:
        path = self.cache_dir / f"{key_digest(key)}.json"
        key_json = json.dumps(key, sort_keys=True)
        try:
            payload = json.loads(path.read_text()) if path.is_file() else None
            if payload is not None and payload["key"] == key_json:
                self.hits += 1
                return payload["scores"]
        except (ValueError, KeyError) as e:  # a truncated or foreign file is a miss
            log.warning("ignoring unreadable score cache %s (%s); recomputing", path, e)
        self.misses += 1
        scores = compute()
        text = json.dumps({"key": key_json, "scores": scores}, indent=1) + "\n"
        atomic_write(path, lambda f: f.write(text.encode()))
        return scores
