"""A checkpoint evaluated with other sampling options (`model_overrides`, e.g. a flow model's
step count for the steps-against-FID frontier): the same weights, the new option, its checks."""

from pathlib import Path

import pytest
import torch
from test_learning import build, fit_steps

from genlab.models.checkpoints import load_module
from genlab.utils.errors import CheckpointError, GenlabError


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    module = build("flow", "model.velocity.width=4", "model.sampling_steps=8")
    path = tmp_path_factory.mktemp("flow") / "flow.ckpt"
    fit_steps(module, 1).save_checkpoint(path)
    return path


def test_an_override_rebuilds_the_saved_weights_with_the_new_option(checkpoint: Path) -> None:
    saved = load_module(checkpoint)
    fewer = load_module(checkpoint, overrides={"sampling_steps": 2, "solver": "heun"})
    assert (saved.hparams.sampling_steps, fewer.hparams.sampling_steps) == (8, 2)
    for key, tensor in saved.state_dict().items():
        assert torch.equal(tensor, fewer.state_dict()[key]), key
    z = torch.randn(2, saved.latent_dim, generator=torch.Generator().manual_seed(0))
    assert not torch.allclose(saved.generate(z), fewer.generate(z))


def test_an_option_the_model_lacks_or_a_bad_value_is_one_line(checkpoint: Path) -> None:
    with pytest.raises(CheckpointError, match="without the option.*sampling_stepz"):
        load_module(checkpoint, overrides={"sampling_stepz": 2})
    with pytest.raises(GenlabError, match="model.solver"):
        load_module(checkpoint, overrides={"solver": "bogus"})


def test_a_checkpoint_older_than_an_option_loads_with_its_schema_default(
    checkpoint: Path, tmp_path: Path
) -> None:
    from genlab.schemas.models import FlowModuleConf

    saved = torch.load(checkpoint, weights_only=True)
    del saved["hyper_parameters"]["sampling_precision"]  # as written before the option existed
    older = tmp_path / "older.ckpt"
    torch.save(saved, older)
    assert load_module(older).hparams.sampling_precision == FlowModuleConf.sampling_precision
    asked = load_module(older, overrides={"sampling_precision": "32-true"})
    assert asked.hparams.sampling_precision == "32-true"
    with pytest.raises(CheckpointError, match="without the option.*sampling_stepz"):
        load_module(older, overrides={"sampling_stepz": 2})
