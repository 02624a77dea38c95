"""TorchvisionSource on files in torchvision's real on-disk formats, and offline failures."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from genlab.data.sources import TorchvisionSource
from genlab.utils.errors import DatasetUnavailableError, GenlabError


@pytest.mark.parametrize("name", ["MNIST", "FashionMNIST"])
def test_idx_files_are_used_without_network(tmp_path, make_mnist_raw, name: str) -> None:
    """download=True with the files present: torchvision must read them (network is blocked)."""
    arrays = make_mnist_raw(tmp_path, folder=name, n_train=30, n_test=10)
    prepared = TorchvisionSource(dataset=name, root=str(tmp_path), download=True).load()
    for split, raw_split in (("train", "train"), ("val", "test")):
        images, labels = prepared.splits[split]
        assert images.dtype == torch.uint8 and images.shape == (len(labels), 1, 28, 28)
        assert labels.dtype == torch.int64
        assert np.array_equal(images[:, 0].numpy(), arrays[raw_split][0])
        assert np.array_equal(labels.numpy(), arrays[raw_split][1])
    assert len(prepared.classes) == 10


def test_cifar10_python_batches(cifar_root) -> None:
    root, written, label_names = cifar_root
    prepared = TorchvisionSource(dataset="CIFAR10", root=str(root), download=True).load()
    train_x, train_y = prepared.splits["train"]
    val_x, val_y = prepared.splits["val"]
    assert train_x.shape == (20, 3, 32, 32) and val_x.shape == (6, 3, 32, 32)
    assert train_x.dtype == torch.uint8 and train_y.dtype == torch.int64
    expected_train = np.concatenate([written[f"data_batch_{i}"][0] for i in range(1, 6)])
    assert np.array_equal(train_x.numpy(), expected_train)  # channel order survives the trip
    assert np.array_equal(val_x.numpy(), written["test_batch"][0])
    assert val_y.tolist() == written["test_batch"][1].tolist()
    assert prepared.classes == label_names


@pytest.mark.parametrize(
    ("name", "folder"),
    [
        ("MNIST", "MNIST/raw"),
        ("FashionMNIST", "FashionMNIST/raw"),
        ("CIFAR10", "cifar-10-batches-py"),
    ],
)
def test_offline_download_fails_with_one_helpful_line(tmp_path, name: str, folder: str) -> None:
    source = TorchvisionSource(dataset=name, root=str(tmp_path / "raw"), download=True)
    with pytest.raises(DatasetUnavailableError) as info:
        source.load()
    message = str(info.value)
    assert "\n" not in message
    assert "could not be fetched" in message
    assert str(tmp_path / "raw" / folder) in message
    assert "data=mnist5k" in message


def test_missing_files_without_download(tmp_path) -> None:
    source = TorchvisionSource(dataset="MNIST", root=str(tmp_path), download=False)
    with pytest.raises(DatasetUnavailableError, match="not on disk.*t10k-labels-idx1-ubyte"):
        source.load()


def test_unknown_dataset_names_the_valid_ones() -> None:
    with pytest.raises(GenlabError, match="MNIST, FashionMNIST, CIFAR10"):
        TorchvisionSource(dataset="SVHN", root="unused")
