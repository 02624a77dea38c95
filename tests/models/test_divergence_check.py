"""The divergence check reads every step's losses as Lightning hands them over."""

import warnings

import pytest
import torch
from test_learning import build, fit_steps

from genlab.callbacks.divergence import DivergenceError, StopOnDivergence


def test_reading_a_loss_that_carries_its_graph_raises_no_warning() -> None:
    """A VAE's `outputs["loss"]` still carries its graph; float() of it warned at every step."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit_steps(build("vae"), 2, StopOnDivergence())
    assert not [w for w in caught if "requires_grad" in str(w.message)]


def test_a_non_finite_loss_stops_training_naming_it() -> None:
    vae = build("vae")
    with torch.no_grad():
        for weight in vae.decoder.parameters():
            weight.fill_(float("nan"))
    with pytest.raises(DivergenceError, match=r"train/loss = nan"):
        fit_steps(vae, 2, StopOnDivergence())
