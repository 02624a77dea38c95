"""Range checks for the objects that take config values (the datamodule, the modules, the
callbacks, the scorer): a value of the right type (Hydra's schemas see to that) that is still
not usable gets one line naming its key and what is valid."""

import math
from collections.abc import Sequence
from typing import Any

from genlab.utils.errors import GenlabError


def _fail(key: str, valid: str, value: Any) -> None:
    raise GenlabError(f"{key} must be {valid}, got {value!r}")


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def at_least(key: str, value: Any, minimum: int) -> None:
    """An integer >= `minimum`."""
    if not (isinstance(value, int) and not isinstance(value, bool) and value >= minimum):
        _fail(key, f"an integer >= {minimum}", value)


def positive(key: str, value: Any, allow_none: bool = False) -> None:
    """A finite number > 0 (or None, where allowed)."""
    if value is None and allow_none:
        return
    if not (_is_number(value) and math.isfinite(value) and value > 0):
        _fail(key, "a finite number > 0" + (" or null" if allow_none else ""), value)


def not_negative(key: str, value: Any) -> None:
    if not (_is_number(value) and math.isfinite(value) and value >= 0):
        _fail(key, "a number >= 0", value)


def fraction(key: str, value: Any, allow_none: bool = False, closed: bool = True) -> None:
    """In (0, 1] (`closed`), or [0, 1) (a start point); or None, where allowed."""
    if value is None and allow_none:
        return
    inside = _is_number(value) and (0 < value <= 1 if closed else 0 <= value < 1)
    if not inside:
        valid = "in (0, 1]" if closed else "in [0, 1)"
        _fail(key, valid + (" or null" if allow_none else ""), value)


def unit_interval(key: str, value: Any) -> None:
    """In [0, 1]."""
    if not (_is_number(value) and 0 <= value <= 1):
        _fail(key, "in [0, 1]", value)


def one_of(key: str, value: Any, choices: Sequence[Any]) -> None:
    if value not in choices:
        _fail(key, "one of " + ", ".join(map(str, choices)), value)
