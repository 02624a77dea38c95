"""Stacked MNIST built from mnist5k: deterministic, balanced over the 1,000 triples, each channel
the digit its label says, and training stacks made of training digits only."""

import pytest
import torch

from genlab.data.sources import Mnist5kSource, PreparedSplits, StackedMnistSource
from genlab.data.sources.stacked_mnist import triple_digits, triple_label


@pytest.fixture(scope="module")
def stacks() -> PreparedSplits:
    return StackedMnistSource(train_size=3000, val_size=1500, seed=0).load()


def test_shapes_classes_and_every_triple_equally_often(stacks: PreparedSplits) -> None:
    images, labels = stacks.splits["train"]
    assert images.shape == (3000, 3, 28, 28) and images.dtype == torch.uint8
    assert stacks.classes[0] == "000" and stacks.classes[999] == "999"
    assert torch.bincount(labels, minlength=1000).tolist() == [3] * 1000
    val_counts = torch.bincount(stacks.splits["val"][1], minlength=1000)
    assert sorted(set(val_counts.tolist())) == [1, 2]  # 1,500: each once, 500 of them twice
    assert len(torch.unique(labels[:64])) >= 60  # shuffled, not in label order


def test_each_channel_is_a_digit_of_the_class_its_label_says(stacks: PreparedSplits) -> None:
    digits = Mnist5kSource().load().splits
    for split in ("train", "val"):
        images, labels = stacks.splits[split]
        pool, pool_labels = digits[split]
        flat_pool = pool.flatten(1)
        for i in range(0, len(labels), 97):
            for channel, digit in enumerate(triple_digits(labels[i : i + 1])[0].tolist()):
                match = (flat_pool == images[i, channel].flatten()).all(dim=1)
                assert match.any(), f"{split} stack {i} channel {channel} is no {split} digit"
                assert digit in pool_labels[match].tolist()


def test_same_seed_same_stacks_other_seed_other_stacks(stacks: PreparedSplits) -> None:
    again = StackedMnistSource(train_size=3000, val_size=1500, seed=0).load()
    other = StackedMnistSource(train_size=3000, val_size=1500, seed=1).load()
    assert torch.equal(again.splits["train"][0], stacks.splits["train"][0])
    assert torch.equal(again.splits["val"][1], stacks.splits["val"][1])
    assert not torch.equal(other.splits["train"][0], stacks.splits["train"][0])


def test_triple_labels_and_digits_are_inverse() -> None:
    modes = torch.arange(1000)
    assert torch.equal(triple_label(triple_digits(modes)), modes)
    assert triple_label(torch.tensor([[1, 2, 3]])).item() == 123
