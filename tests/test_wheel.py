"""genlab installed from its wheel, away from the checkout: it imports without side effects and
finds its configs inside the package, so the logged MLflow model's `genlab` requirement and
notebook use work without a clone."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from compose import ROOT

PROBE = """
import json
from pathlib import Path

import genlab.app.cli, genlab.app.evaluate, genlab.app.train  # the library, imported as users do
from genlab.utils import hydra_compat
from genlab.utils.configs import compose, config_dir
from genlab.tracking.params import compared_keys, compared_params
from hydra.utils import instantiate

cfg = compose("train", ["model=vae"])
module = instantiate(cfg.model)


def refused(overrides):
    try:
        compose("train", overrides)
    except Exception as err:  # what the entry scripts print for it
        return genlab.app.cli.one_line(err, "train")

print(json.dumps({
    "genlab": str(Path(genlab.__file__).resolve()),
    "config_dir": str(config_dir().resolve()),
    "models": sorted(p.stem for p in (config_dir() / "model").glob("*.yaml")),
    "hydra_patched": "__deepcopy__" in hydra_compat.structured_source_class().__dict__,
    "sample_shape": list(module.sample(2).shape),
    "unknown_model": refused(["model=foo"]),
    "typed": refused(["trainer.max_epochs=abc"]),
    "params_complete": list(compared_params(cfg)) == list(compared_keys()),
}))
"""


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """genlab's wheel, built from this checkout and installed into a folder of its own."""
    uv = shutil.which("uv")
    uv_cmd = [uv] if uv else [sys.executable, "-m", "uv"]
    base = tmp_path_factory.mktemp("wheel")
    build = subprocess.run(
        [*uv_cmd, "build", "--wheel", "-o", str(base / "dist"), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert build.returncode == 0, build.stderr[-3000:]
    [wheel] = (base / "dist").glob("genlab-*.whl")
    site = base / "site"
    install = subprocess.run(
        [*uv_cmd, "pip", "install", "--no-deps", "--target", str(site), str(wheel)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert install.returncode == 0, install.stderr[-3000:]
    return site


def test_the_installed_wheel_works_without_the_checkout(installed: Path, tmp_path: Path) -> None:
    import json

    env = {**os.environ, "PYTHONPATH": str(installed)}
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr[-3000:]
    found = json.loads(result.stdout.strip().splitlines()[-1])
    assert found["genlab"].startswith(str(installed.resolve()))  # not the checkout's src/
    assert found["config_dir"] == str((installed / "genlab" / "conf").resolve())
    assert found["models"] == ["dcgan", "flow", "gan", "r3gan", "vae"]
    assert found["hydra_patched"] is False  # importing genlab patches nothing
    assert found["sample_shape"] == [2, 1, 28, 28]
    assert (
        found["unknown_model"] == "unknown model 'foo'; valid choices: dcgan, flow, gan, r3gan, vae"
    )
    assert found["typed"].startswith("trainer.max_epochs: Value 'abc'")  # the schemas travel
    assert found["params_complete"]
