"""RealFeatureCache: hits, misses, key handling and crash safety."""

import torch

from genlab.metrics.cache import RealFeatureCache

KEY = {"data_sha256": "ab" * 32, "split": "train", "extractor": "f00d", "image": [1, 28, 28]}


def make_compute(calls: list[int]):
    def compute() -> tuple[torch.Tensor, torch.Tensor]:
        calls.append(1)
        return torch.randn(20, 8), torch.randn(20, 10)

    return compute


def test_second_call_is_a_hit_with_equal_tensors(tmp_path):
    calls: list[int] = []
    cache = RealFeatureCache(tmp_path / "cache")
    first = cache.get_or_compute(KEY, make_compute(calls))
    second = cache.get_or_compute(dict(reversed(KEY.items())), make_compute(calls))  # order-free
    assert (cache.misses, cache.hits, len(calls)) == (1, 1, 1)
    for a, b in zip(first, second, strict=True):
        torch.testing.assert_close(a, b, rtol=0, atol=0)
    # a fresh cache object on the same folder (a later process) also hits
    fresh = RealFeatureCache(tmp_path / "cache")
    fresh.get_or_compute(KEY, make_compute(calls))
    assert fresh.hits == 1 and len(calls) == 1
    assert [p.suffix for p in (tmp_path / "cache").iterdir()] == [".pt"], "no temp files left"


def test_changed_key_is_a_miss(tmp_path):
    calls: list[int] = []
    cache = RealFeatureCache(tmp_path)
    cache.get_or_compute(KEY, make_compute(calls))
    cache.get_or_compute({**KEY, "extractor": "beef"}, make_compute(calls))
    cache.get_or_compute({**KEY, "count": 500}, make_compute(calls))
    assert (cache.misses, cache.hits, len(calls)) == (3, 0, 3)


def test_corrupt_cache_file_is_recomputed(tmp_path):
    calls: list[int] = []
    cache = RealFeatureCache(tmp_path)
    cache.path_for(KEY).write_bytes(b"truncated")
    features, _ = cache.get_or_compute(KEY, make_compute(calls))
    assert cache.misses == 1 and len(calls) == 1
    torch.testing.assert_close(cache.get_or_compute(KEY, make_compute(calls))[0], features)
    assert cache.hits == 1
