"""write_prepared / read_split / read_meta / is_prepared."""

from __future__ import annotations

import pytest
import torch

import genlab.data.prepared as prepared_module
from genlab.data.prepared import is_prepared, read_meta, read_split, write_prepared
from genlab.data.sources import PreparedSplits
from genlab.utils.errors import GenlabError

SOURCE = {"_target_": "some.Source", "seed": 0}


def test_round_trip_and_meta(tmp_path, tiny_splits: PreparedSplits) -> None:
    meta = write_prepared(tiny_splits, tmp_path / "ds", "tiny", SOURCE)
    for split in ("train", "val"):
        images, labels = read_split(tmp_path / "ds", split)
        assert torch.equal(images, tiny_splits.splits[split][0])
        assert torch.equal(labels, tiny_splits.splits[split][1])
        assert images.dtype == torch.uint8 and labels.dtype == torch.int64
    assert read_meta(tmp_path / "ds") == meta
    assert meta["name"] == "tiny" and meta["shape"] == [1, 8, 8]
    assert meta["classes"] == ["a", "b", "c"]
    assert meta["counts"] == {"train": 12, "val": 6}
    assert meta["class_counts"]["val"] == {"a": 2, "b": 2, "c": 2}
    assert meta["source"] == SOURCE
    assert is_prepared(tmp_path / "ds", SOURCE)
    assert not list((tmp_path / "ds").glob(".*"))  # no temp files left behind


def test_hash_is_stable_and_content_sensitive(tmp_path, tiny_splits: PreparedSplits) -> None:
    first = write_prepared(tiny_splits, tmp_path / "a", "tiny", SOURCE)["sha256"]
    second = write_prepared(tiny_splits, tmp_path / "b", "tiny", SOURCE)["sha256"]
    assert first == second
    tiny_splits.splits["val"][0][0, 0, 0, 0] ^= 1
    assert write_prepared(tiny_splits, tmp_path / "c", "tiny", SOURCE)["sha256"] != first


def test_is_prepared_rejects_other_config_and_damaged_files(tmp_path, tiny_splits) -> None:
    out = tmp_path / "ds"
    assert not is_prepared(out, SOURCE)
    write_prepared(tiny_splits, out, "tiny", SOURCE)
    assert not is_prepared(out, {**SOURCE, "seed": 1})
    data = (out / "val.pt").read_bytes()
    (out / "val.pt").write_bytes(data[:-10])
    assert not is_prepared(out, SOURCE)


def test_interrupted_write_leaves_no_valid_looking_dataset(
    tmp_path, tiny_splits, monkeypatch
) -> None:
    out = tmp_path / "ds"
    write_prepared(tiny_splits, out, "tiny", SOURCE)  # an older, complete dataset
    real_save = torch.save

    def save_then_die(obj, f):
        if obj["labels"].numel() == 6:  # the val split
            raise KeyboardInterrupt
        real_save(obj, f)

    monkeypatch.setattr(prepared_module.torch, "save", save_then_die)
    with pytest.raises(KeyboardInterrupt):
        write_prepared(tiny_splits, out, "tiny", {**SOURCE, "seed": 1})
    assert not (out / "meta.json").exists()
    assert not is_prepared(out, SOURCE) and not is_prepared(out, {**SOURCE, "seed": 1})
    assert not list(out.glob(".*"))


def test_reading_60k_images_gives_back_what_was_written(tmp_path) -> None:
    """A full MNIST-sized split survives the round trip (its read time is measured by
    BENCHMARKS.md's prepared-split row, not asserted here)."""
    n = 60_000
    images = torch.randint(0, 256, (n, 1, 28, 28), dtype=torch.uint8)
    labels = torch.arange(n, dtype=torch.int64) % 10
    splits = PreparedSplits(
        splits={"train": (images, labels), "val": (images[:10], labels[:10])},
        classes=[str(i) for i in range(10)],
    )
    write_prepared(splits, tmp_path / "big", "big", SOURCE)
    got, got_labels = read_split(tmp_path / "big", "train")
    assert got.shape == (n, 1, 28, 28) and got.dtype == torch.uint8
    assert torch.equal(got, images) and torch.equal(got_labels, labels)


def test_missing_prepared_data_is_a_user_error(tmp_path) -> None:
    with pytest.raises(GenlabError, match="prepare"):
        read_meta(tmp_path)
    with pytest.raises(GenlabError, match="prepare"):
        read_split(tmp_path, "train")
