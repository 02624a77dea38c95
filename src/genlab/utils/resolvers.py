"""OmegaConf resolvers the configs use; registered when `genlab` is imported."""

import re
from pathlib import Path

from omegaconf import OmegaConf

# CPU flags of native bfloat16 arithmetic (AVX-512 BF16, AMX). Without them torch emulates
# bf16, which is known to be far slower than float32 (not measured here: this machine has one).
BF16_FLAGS = re.compile(r"\b(avx512_bf16|amx_bf16)\b")


def local_artifact_location(tracking_uri: str, location: str) -> str | None:
    """`location` for an embedded store; None for a tracking server, whose own artifact root
    (or proxied artifact store) must hold the artifacts rather than this machine's disk."""
    return None if str(tracking_uri).startswith(("http://", "https://")) else location


def default_precision(accelerator: str = "cpu", cpuinfo: str | Path = "/proc/cpuinfo") -> str:
    """Lightning's precision for training on `accelerator`: on the CPU, `bf16-mixed` where it
    has bf16 arithmetic, which makes every model's step cheaper (benchmarks/step_cpu.py,
    BENCHMARKS.md), else `32-true`; on any other accelerator (or `auto`), `32-true`. The flags
    come from the kernel; where they cannot be read, `32-true`."""
    if accelerator != "cpu":
        return "32-true"
    try:
        flags = Path(cpuinfo).read_text()
    except OSError:
        return "32-true"
    return "bf16-mixed" if BF16_FLAGS.search(flags) else "32-true"


def register() -> None:
    if not OmegaConf.has_resolver("genlab.local_artifact_location"):
        OmegaConf.register_new_resolver("genlab.local_artifact_location", local_artifact_location)
    if not OmegaConf.has_resolver("genlab.default_precision"):
        OmegaConf.register_new_resolver("genlab.default_precision", default_precision)
