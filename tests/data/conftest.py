"""Small datasets written in their real on-disk formats, and a network guard.

Every fixture writes files the way the real dataset ships them, so the sources run their true
loading path (torchvision's readers, PIL) with no download.
"""

from __future__ import annotations

import hashlib
import pickle
import struct
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from genlab.data.sources import PreparedSplits

MNIST_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any download attempt fails at once, the way it does offline.

    On a machine with internet torchvision would otherwise really download (and the offline tests
    would not fail); on a firewalled one that drops packets it could hang. torchvision fetches
    through `urllib.request.urlopen`, looked up at call time, so patching it covers all paths.
    """

    def refuse(*args, **kwargs):
        raise urllib.error.URLError("network disabled in tests")

    monkeypatch.setattr(urllib.request, "urlopen", refuse)


def write_idx(path: Path, array: np.ndarray) -> None:
    """IDX as in the MNIST distribution: magic (2051 images / 2049 labels), big-endian dims."""
    array = np.ascontiguousarray(array, dtype=np.uint8)
    magic = 2051 if array.ndim == 3 else 2049
    header = struct.pack(f">I{array.ndim}I", magic, *array.shape)
    path.write_bytes(header + array.tobytes())


def _make_mnist_raw(root: Path, folder: str = "MNIST", n_train: int = 30, n_test: int = 10, seed=0):
    """Write the four uncompressed IDX files under root/<folder>/raw/; return the arrays."""
    rng = np.random.default_rng(seed)
    raw = root / folder / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    arrays = {}
    for split, n in (("train", n_train), ("test", n_test)):
        images = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
        labels = (np.arange(n) % 10).astype(np.uint8)
        image_file, label_file = MNIST_FILES[split]
        write_idx(raw / image_file, images)
        write_idx(raw / label_file, labels)
        arrays[split] = (images, labels)
    return arrays


def md5(path: Path) -> str:
    return hashlib.md5(path.read_bytes(), usedforsecurity=False).hexdigest()


@pytest.fixture
def cifar_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """root/cifar-10-batches-py/ with pickled batches as in cifar-10-python.tar.gz.

    The real batches were pickled by Python 2, so unpickled with encoding="latin1" (as torchvision
    does) their keys are str ("data", "labels"); we write str keys to get the same result.
    `CIFAR10._check_integrity` compares each file's md5 with the real files' md5 hard-coded in
    the class, so tiny files can never pass it: we replace the class's md5 lists with the md5 of
    the files written here, and torchvision still runs its full check-and-load path on them.
    """
    from torchvision.datasets import CIFAR10

    folder = tmp_path / "cifar-10-batches-py"
    folder.mkdir()
    rng = np.random.default_rng(0)
    written = {}

    def write_batch(name: str, n: int) -> None:
        images = rng.integers(0, 256, size=(n, 3, 32, 32), dtype=np.uint8)
        labels = [int(i % 10) for i in range(n)]
        entry = {
            "batch_label": name,
            "labels": labels,
            "data": images.reshape(n, 3072),  # rows: 1024 R, 1024 G, 1024 B, row-major
            "filenames": [f"{name}_{i}.png" for i in range(n)],
        }
        with open(folder / name, "wb") as f:
            pickle.dump(entry, f, protocol=2)
        written[name] = (images, np.array(labels))

    for i in range(1, 6):
        write_batch(f"data_batch_{i}", 4)
    write_batch("test_batch", 6)
    label_names = ["airplane", "automobile", "bird", "cat", "deer"]
    label_names += ["dog", "frog", "horse", "ship", "truck"]
    with open(folder / "batches.meta", "wb") as f:
        pickle.dump({"label_names": label_names, "num_cases_per_batch": 4, "num_vis": 3072}, f)

    train_list = [[f"data_batch_{i}", md5(folder / f"data_batch_{i}")] for i in range(1, 6)]
    monkeypatch.setattr(CIFAR10, "train_list", train_list)
    monkeypatch.setattr(CIFAR10, "test_list", [["test_batch", md5(folder / "test_batch")]])
    meta = {**CIFAR10.meta, "md5": md5(folder / "batches.meta")}
    monkeypatch.setattr(CIFAR10, "meta", meta)
    return tmp_path, written, label_names


def _save_image(path: Path, size: tuple[int, int] = (24, 20), color=(200, 30, 30)) -> None:
    Image.new("RGB", size, color).save(path)


@pytest.fixture
def make_mnist_raw():
    """The IDX writer, as a fixture so test modules need not import conftest."""
    return _make_mnist_raw


@pytest.fixture
def save_image():
    """Write a solid-colour RGB image: save_image(path, size=(w, h), color=(r, g, b))."""
    return _save_image


@pytest.fixture
def nested_folder(tmp_path: Path) -> Path:
    """cats/ (3 images), dogs/ (2 images), plus notes.txt and a corrupt .png to be skipped."""
    root = tmp_path / "pets"
    for cls, n, ext in (("cats", 3, "png"), ("dogs", 2, "jpg")):
        (root / cls).mkdir(parents=True)
        for i in range(n):
            _save_image(root / cls / f"{i}.{ext}", size=(24 + i, 20))
    (root / "notes.txt").write_text("not an image\n")
    (root / "dogs" / "notes.txt").write_text("not an image either\n")
    (root / "dogs" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n this is not really a png")
    return root


@pytest.fixture
def tiny_splits() -> PreparedSplits:
    """A small deterministic dataset in memory (3 classes, 1×8×8)."""
    import torch

    g = torch.Generator().manual_seed(0)

    def split(n: int):
        images = torch.randint(0, 256, (n, 1, 8, 8), generator=g, dtype=torch.uint8)
        return images, torch.arange(n, dtype=torch.int64) % 3

    return PreparedSplits(splits={"train": split(12), "val": split(6)}, classes=["a", "b", "c"])
