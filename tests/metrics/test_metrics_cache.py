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


def test_score_cache_computes_once_and_recomputes_a_broken_file(tmp_path) -> None:
    from genlab.metrics.cache import ScoreCache

    calls = []

    def compute() -> dict:
        calls.append(1)
        return {"fid": 1.25, "kid": -0.03125}

    key = {"data_sha256": "abc", "num_samples": 1000, "code": "v1"}
    first = ScoreCache(tmp_path).get_or_compute(key, compute)
    again = ScoreCache(tmp_path).get_or_compute(key, compute)
    assert first == again == {"fid": 1.25, "kid": -0.03125} and len(calls) == 1
    ScoreCache(tmp_path).get_or_compute(key | {"code": "v2"}, compute)  # other code: computed
    assert len(calls) == 2
    [path] = [p for p in tmp_path.glob("*.json") if "v1" in p.read_text()]
    path.write_text("{ truncated")
    assert ScoreCache(tmp_path).get_or_compute(key, compute) == first and len(calls) == 3


def test_the_code_fingerprint_follows_the_scoring_code_and_library_versions() -> None:
    from genlab.metrics import manifold, scores
    from genlab.metrics.cache import code_fingerprint

    base = code_fingerprint([scores], ["torchmetrics"])
    assert base == code_fingerprint([scores], ["torchmetrics"])
    assert base != code_fingerprint([scores, manifold], ["torchmetrics"])
    assert base != code_fingerprint([scores], ["torchmetrics", "prdc"])
