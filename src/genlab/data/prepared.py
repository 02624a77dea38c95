"""The prepared on-disk format: `train.pt`, `val.pt` and `meta.json` in one folder.

Each `.pt` holds `{"images": uint8 N×C×H×W, "labels": int64 N}`, saved with `torch.save` so that
`torch.load(mmap=True, weights_only=True)` opens even 60k images in milliseconds and safely.
`meta.json` is written last and removed first, so it marks a complete dataset: an interrupted
prepare leaves no meta and is redone, never half-read.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch
from omegaconf import DictConfig, OmegaConf
from torch import Tensor

from genlab.data.sources.base import SPLITS, PreparedSplits
from genlab.utils.errors import GenlabError
from genlab.utils.files import atomic_write

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
META_FILE = "meta.json"


def split_file(split: str) -> str:
    return f"{split}.pt"


def content_hash(splits: Mapping[str, tuple[Tensor, Tensor]]) -> str:
    """sha256 over the split names, shapes and raw bytes of images and labels, in a fixed order."""
    h = hashlib.sha256()
    for split in SPLITS:
        images, labels = splits[split]
        for kind, tensor in (("images", images), ("labels", labels)):
            h.update(f"{split}/{kind}/{tensor.dtype}/{list(tensor.shape)};".encode())
            h.update(tensor.contiguous().numpy().tobytes())
    return h.hexdigest()


def write_prepared(
    splits: PreparedSplits, out_dir: str | Path, name: str, source_config: Mapping[str, Any]
) -> dict[str, Any]:
    """Write the splits and their meta atomically; return the meta."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / META_FILE).unlink(missing_ok=True)  # from here on the folder reads as unprepared

    files = {}
    for split in SPLITS:
        images, labels = splits.splits[split]
        fname = split_file(split)
        # clone: a view of a larger tensor would otherwise save that whole storage
        payload = {"images": images.contiguous().clone(), "labels": labels.contiguous().clone()}
        atomic_write(out_dir / fname, lambda f, p=payload: torch.save(p, f))
        files[fname] = (out_dir / fname).stat().st_size

    meta = {
        "format_version": FORMAT_VERSION,
        "name": name,
        "shape": list(splits.shape),
        "classes": list(splits.classes),
        "counts": {split: int(splits.splits[split][1].numel()) for split in SPLITS},
        "class_counts": {
            split: _class_counts(splits.splits[split][1], splits.classes) for split in SPLITS
        },
        "sha256": content_hash(splits.splits),
        "source": _normalize(source_config),
        "files": files,
    }
    text = json.dumps(meta, indent=2) + "\n"
    atomic_write(out_dir / META_FILE, lambda f: f.write(text.encode()))
    return meta


def read_meta(prepared_dir: str | Path) -> dict[str, Any]:
    path = Path(prepared_dir) / META_FILE
    if not path.is_file():
        raise GenlabError(
            f"no prepared dataset in {prepared_dir} ({META_FILE} missing); "
            "run `python pipelines/prepare.py data=<name>` first"
        )
    return json.loads(path.read_text())


def read_split(prepared_dir: str | Path, split: str) -> tuple[Tensor, Tensor]:
    """(uint8 images, int64 labels) of one split, memory-mapped: pages load on first touch."""
    path = Path(prepared_dir) / split_file(split)
    if not path.is_file():
        raise GenlabError(f"prepared split {path} is missing; run the prepare step again")
    data = torch.load(path, weights_only=True, mmap=True)
    images, labels = data["images"], data["labels"]
    if images.dtype != torch.uint8 or images.ndim != 4 or labels.dtype != torch.int64:
        raise GenlabError(f"{path} is not in the prepared format (uint8 N×C×H×W, int64 labels)")
    return images, labels


def is_prepared(prepared_dir: str | Path, source_config: Mapping[str, Any]) -> bool:
    """True when a complete dataset from this same source config is already there.

    Cheap on purpose (no hashing): meta present and of this format, same source config, and the
    split files present with the sizes the meta recorded.
    """
    prepared_dir = Path(prepared_dir)
    try:
        meta = json.loads((prepared_dir / META_FILE).read_text())
    except (OSError, ValueError):
        return False
    if meta.get("format_version") != FORMAT_VERSION:
        return False
    if meta.get("source") != _normalize(source_config):
        return False
    files = meta.get("files", {})
    for split in SPLITS:
        path = prepared_dir / split_file(split)
        if not path.is_file() or path.stat().st_size != files.get(split_file(split)):
            return False
    return True


def check_source_complete(name: str, source: Mapping[str, Any]) -> None:
    """Every mandatory (`???`) value of the source config is set."""
    missing = sorted(k for k, v in source.items() if v == "???")
    if missing:  # `_convert_: all` turns Hydra's mandatory `???` into a plain string
        keys = ", ".join(f"data.source.{k}" for k in missing)
        raise GenlabError(f"{name}: set {keys} (mandatory), e.g. on the command line")


def prepare_source(name: str, source: Mapping[str, Any], prepared_dir: str | Path) -> dict:
    """Decode the source into `prepared_dir` unless the same source is prepared there; its
    meta. Free of Lightning, so the prepare stage does not pay for importing it."""
    from hydra.utils import instantiate

    check_source_complete(name, source)
    if is_prepared(prepared_dir, source):
        log.info("%s: reusing prepared data in %s", name, prepared_dir)
        return read_meta(prepared_dir)
    start = time.perf_counter()
    meta = write_prepared(instantiate(dict(source)).load(), prepared_dir, name, source)
    log.info("%s: prepared %s in %.1f s", name, prepared_dir, time.perf_counter() - start)
    return meta


def _class_counts(labels: Tensor, classes: list[str]) -> dict[str, int]:
    counts = torch.bincount(labels, minlength=len(classes)).tolist()
    return {cls: int(n) for cls, n in zip(classes, counts, strict=False)}


def _normalize(config: Mapping[str, Any]) -> Any:
    """A JSON-plain copy, so a config compares equal to its round trip through meta.json."""
    if isinstance(config, DictConfig):
        config = OmegaConf.to_container(config, resolve=True)
    return json.loads(json.dumps(config, sort_keys=True, default=str))
