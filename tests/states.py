"""Comparing saved module states, whose values are tensors or (a module's extra state, such
as the VAE's fitted latent mixture) dicts of tensors."""

from typing import Any

import torch


def same_value(a: Any, b: Any) -> bool:
    if isinstance(a, torch.Tensor) and isinstance(b, torch.Tensor):
        return torch.equal(a, b)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_value(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b


def differing_keys(expected: dict[str, Any], actual: dict[str, Any]) -> list[str]:
    """Names whose values differ, or that only one state has."""
    names = expected.keys() | actual.keys()
    return sorted(
        n
        for n in names
        if n not in expected or n not in actual or not same_value(expected[n], actual[n])
    )
