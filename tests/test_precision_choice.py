"""The CPU trainer's default precision: bf16-mixed only where the CPU has bf16 arithmetic
(emulated bf16 is several times slower than float32), and never chosen for a GPU."""

from pathlib import Path

import pytest

from genlab.utils.resolvers import default_precision

from compose import compose_config

FLAGS = "flags\t\t: fpu vme sse2 avx2 avx512f avx512bw {extra}\n"


@pytest.mark.parametrize(
    ("extra", "expected"),
    [("avx512_bf16", "bf16-mixed"), ("amx_bf16 amx_tile", "bf16-mixed"), ("", "32-true")],
)
def test_bf16_only_where_the_cpu_has_it(tmp_path: Path, extra: str, expected: str) -> None:
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text(FLAGS.format(extra=extra) * 2)
    assert default_precision("cpu", cpuinfo) == expected


def test_other_accelerators_and_unreadable_flags_get_float32(tmp_path: Path) -> None:
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text(FLAGS.format(extra="avx512_bf16"))
    assert default_precision("gpu", cpuinfo) == "32-true"
    assert default_precision("auto", cpuinfo) == "32-true"
    assert default_precision("cpu", tmp_path / "missing") == "32-true"


def test_the_trainer_configs_ask_for_it_on_the_cpu_only() -> None:
    here = default_precision("cpu")  # this machine's answer, whatever it is
    assert compose_config("train", []).trainer.precision == here
    assert compose_config("train", ["trainer=gpu"]).trainer.precision == "32-true"
    assert compose_config("train", ["trainer=ddp"]).trainer.precision == "32-true"
    chosen = compose_config("train", ["trainer.precision=32-true"]).trainer.precision
    assert chosen == "32-true"
