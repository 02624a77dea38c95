"""Rebuild a trained model from a checkpoint file, with clear errors."""

import dataclasses
import inspect
from pathlib import Path
from typing import Any

import torch
from hydra.utils import get_class

from genlab.models.base import MODULE_CLASS_KEY, GenerativeModule
from genlab.utils.errors import CheckpointError, first_line


def load_module(
    path: str | Path,
    map_location: str = "cpu",
    expected: type = GenerativeModule,
    overrides: dict[str, Any] | None = None,
) -> GenerativeModule:
    """The model saved in a genlab checkpoint, which must be an `expected` (a generative model
    unless said otherwise); `weights_only` so a tampered file runs no code. `overrides` replace
    saved options that change sampling, not weights (a flow model's `sampling_steps`): the
    module is built again with them, so its own checks see them. An option added to the model
    after the checkpoint was written takes its schema default (`added_options`)."""
    path = Path(path)
    checkpoint = read_checkpoint(path, map_location)
    target = checkpoint.get(MODULE_CLASS_KEY)
    if target is None:
        raise CheckpointError(f"{path} is not a genlab checkpoint (no '{MODULE_CLASS_KEY}' key)")
    cls = get_class(target)
    if not issubclass(cls, expected):
        kind = "the evaluator classifier" if cls.__name__ == "ClassifierModule" else cls.__name__
        raise CheckpointError(
            f"{path} holds {kind}, not a {expected.__name__}; give a checkpoint that "
            f"{'train.py' if expected is GenerativeModule else 'train_evaluator.py'} wrote"
        )
    saved = dict(checkpoint.get("hyper_parameters") or {})
    added = added_options(cls, target, saved)
    unknown = sorted(set(overrides or {}) - set(saved) - set(added))
    if unknown:
        raise CheckpointError(
            f"{path} holds a model without the option(s) {', '.join(unknown)}; "
            f"its options: {', '.join(sorted(saved))}"
        )
    module = cls.load_from_checkpoint(
        path, map_location=map_location, weights_only=True, **(added | (overrides or {}))
    )
    return module.eval()


def added_options(cls: type, target: str, saved: dict[str, Any]) -> dict[str, Any]:
    """The schema defaults (genlab.schemas.models) of the options a checkpoint's model class
    has that its saved hyperparameters lack: a checkpoint written before an option existed
    loads as the option's default says, and the schema stays the one place of that default."""
    from genlab.schemas.models import MODELS

    parameters = inspect.signature(cls.__init__).parameters
    for schema in MODELS.values():
        if schema._target_ != target:
            continue
        return {
            field.name: field.default
            if field.default is not dataclasses.MISSING
            else field.default_factory()
            for field in dataclasses.fields(schema)
            if field.name in parameters and field.name not in saved
        }
    return {}


def read_checkpoint(path: Path, map_location: str = "cpu") -> dict:
    """The checkpoint's contents, `weights_only` so a tampered file runs no code."""
    if not path.is_file():
        raise CheckpointError(f"checkpoint not found: {path}")
    try:
        checkpoint = torch.load(path, map_location=map_location, weights_only=True)
    except Exception as err:  # truncated, not a torch file, or unsafe content
        raise CheckpointError(f"cannot read checkpoint {path}: {first_line(err)}") from err
    if not isinstance(checkpoint, dict):
        raise CheckpointError(f"{path} is not a Lightning checkpoint")
    return checkpoint


def check_fits(path: str | Path, module: torch.nn.Module) -> None:
    """Before resuming: the checkpoint must hold this model class with the same tensor shapes,
    or Lightning fails deep inside load_state_dict with a page of mismatched keys."""
    path = Path(path)
    checkpoint = read_checkpoint(path)
    saved_class = checkpoint.get(MODULE_CLASS_KEY, "?")
    cls = type(module)
    expected = f"{cls.__module__}.{cls.__qualname__}"
    name = dict(checkpoint.get("hyper_parameters") or {}).get("name")
    wanted = getattr(module, "hparams", {}).get("name")
    if saved_class != expected or name != wanted:
        raise CheckpointError(
            f"{path} holds a {name or saved_class} model, not the configured {wanted or expected}"
        )
    saved = checkpoint.get("state_dict", {})
    for key, tensor in module.state_dict().items():
        if not isinstance(tensor, torch.Tensor):  # extra state (the VAE's latent mixture)
            continue
        if key not in saved or saved[key].shape != tensor.shape:
            got = tuple(saved[key].shape) if key in saved else "nothing"
            raise CheckpointError(
                f"{path} does not fit the configured model: {key} is {tuple(tensor.shape)} here, "
                f"{got} in the checkpoint (other image size, channels or widths?)"
            )
