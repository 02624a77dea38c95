"""ImageFolderSource on temp folders of real image files."""

from __future__ import annotations

import logging

import pytest
import torch
from PIL import Image

from genlab.data.sources import ImageFolderSource
from genlab.utils.errors import GenlabError


def test_nested_classes_skip_non_images_and_corrupt_files(nested_folder, caplog) -> None:
    source = ImageFolderSource(str(nested_folder), image_size=16, channels=3, val_fraction=0.5)
    with caplog.at_level(logging.WARNING):
        prepared = source.load()
    assert prepared.classes == ["cats", "dogs"]
    train_x, train_y = prepared.splits["train"]
    val_x, val_y = prepared.splits["val"]
    assert train_x.shape[1:] == (3, 16, 16) and train_x.dtype == torch.uint8
    assert len(train_x) + len(val_x) == 5  # notes.txt ignored, broken.png skipped
    labels = torch.cat([train_y, val_y])
    assert torch.bincount(labels).tolist() == [3, 2]
    assert "skipped 1 unreadable" in caplog.text


def test_flat_folder_is_one_class_in_grayscale(tmp_path, save_image) -> None:
    root = tmp_path / "faces"
    root.mkdir()
    for i in range(4):
        save_image(root / f"{i}.png")
    prepared = ImageFolderSource(str(root), image_size=8, channels=1, val_fraction=0.25).load()
    assert prepared.classes == ["faces"]
    assert prepared.shape == (1, 8, 8)
    assert [len(prepared.splits[s][1]) for s in ("train", "val")] == [3, 1]


def test_resize_shorter_side_then_center_crop(tmp_path) -> None:
    """A 40×20 image: red | green (middle half) | blue → resized to 20×10, cropped 10×10: green."""
    image = Image.new("RGB", (40, 20), (255, 0, 0))
    image.paste((0, 255, 0), (10, 0, 30, 20))
    image.paste((0, 0, 255), (30, 0, 40, 20))
    root = tmp_path / "flat"
    root.mkdir()
    image.save(root / "a.png")
    prepared = ImageFolderSource(str(root), image_size=10, channels=3, val_fraction=0.0).load()
    (x,) = prepared.splits["train"][0]
    assert x.shape == (3, 10, 10)
    assert x[1, :, 1:-1].min() > 200 and x[0, :, 1:-1].max() < 50 and x[2, :, 1:-1].max() < 50


@pytest.mark.parametrize("content", ["empty", "only_junk"])
def test_folder_without_readable_images(tmp_path, content: str) -> None:
    root = tmp_path / "nothing"
    root.mkdir()
    if content == "only_junk":
        (root / "notes.txt").write_text("hello")
        (root / "broken.jpg").write_bytes(b"not a jpeg")
    with pytest.raises(GenlabError, match="holds no readable images"):
        ImageFolderSource(str(root), image_size=8, channels=3).load()


def test_missing_folder(tmp_path) -> None:
    with pytest.raises(GenlabError, match="does not exist"):
        ImageFolderSource(str(tmp_path / "nope"), image_size=8, channels=3).load()
