"""Rebuild a trained model from a checkpoint file or from an MLflow run, with clear errors."""

import tempfile
from pathlib import Path

import torch
from hydra.utils import get_class

from genlab.errors import CheckpointError
from genlab.models.base import MODULE_CLASS_KEY, GenerativeModule


def load_module(path: str | Path, map_location: str = "cpu") -> GenerativeModule:
    """The model saved in a genlab checkpoint; `weights_only` so a tampered file runs no code."""
    path = Path(path)
    checkpoint = read_checkpoint(path, map_location)
    target = checkpoint.get(MODULE_CLASS_KEY)
    if target is None:
        raise CheckpointError(f"{path} is not a genlab checkpoint (no '{MODULE_CLASS_KEY}' key)")
    cls = get_class(target)
    module = cls.load_from_checkpoint(path, map_location=map_location, weights_only=True)
    return module.eval()


def read_checkpoint(path: Path, map_location: str = "cpu") -> dict:
    """The checkpoint's contents, `weights_only` so a tampered file runs no code."""
    if not path.is_file():
        raise CheckpointError(f"checkpoint not found: {path}")
    try:
        checkpoint = torch.load(path, map_location=map_location, weights_only=True)
    except Exception as err:  # truncated, not a torch file, or unsafe content
        raise CheckpointError(f"cannot read checkpoint {path}: {_first_line(err)}") from err
    if not isinstance(checkpoint, dict):
        raise CheckpointError(f"{path} is not a Lightning checkpoint")
    return checkpoint


def _first_line(err: BaseException) -> str:
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__


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
        if key not in saved or saved[key].shape != tensor.shape:
            got = tuple(saved[key].shape) if key in saved else "nothing"
            raise CheckpointError(
                f"{path} does not fit the configured model: {key} is {tuple(tensor.shape)} here, "
                f"{got} in the checkpoint (other image size, channels or widths?)"
            )


def download_run_checkpoint(run_id: str, tracking_uri: str, dst: str | Path | None = None) -> Path:
    """The checkpoint genlab uploaded to the run (`checkpoints/`), the one it scored; runs
    logged by Lightning's MLFlowLogger(log_model=True) keep theirs in `<name>/` folders."""
    import mlflow
    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri)
    try:
        client.get_run(run_id)
    except mlflow.exceptions.MlflowException as err:
        raise CheckpointError(f"no MLflow run {run_id} in {tracking_uri}") from err
    ckpts = [
        f.path
        for d in client.list_artifacts(run_id)
        if d.is_dir
        for f in client.list_artifacts(run_id, d.path)
        if f.path.endswith(".ckpt")
    ]
    if not ckpts:
        raise CheckpointError(f"MLflow run {run_id} has no checkpoint artifact")
    # The checkpoint ModelCheckpoint kept (best by the monitored metric) over last.ckpt.
    kept = [path for path in ckpts if not path.startswith("last/")]
    ckpts = kept or ckpts
    dst = Path(dst or tempfile.mkdtemp(prefix="genlab-ckpt-"))
    local = mlflow.artifacts.download_artifacts(
        run_id=run_id, artifact_path=sorted(ckpts)[-1], dst_path=str(dst), tracking_uri=tracking_uri
    )
    return Path(local)
