"""Any folder of images: nested class folders, or one flat folder as a single class."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import torch
from PIL import Image
from tqdm import tqdm

from genlab.data.sources.base import PreparedSplits, stratified_split
from genlab.utils.errors import GenlabError

log = logging.getLogger(__name__)

# What PIL raises on files that carry an image extension but are not decodable images.
_DECODE_ERRORS = (OSError, ValueError, SyntaxError, Image.DecompressionBombError)


class ImageFolderSource:
    """Decode, resize (shorter side) and center-crop every image once, at prepare time.

    Doing the PIL work once means training reads ready uint8 tensors; with class sub-folders the
    labels follow torchvision's `ImageFolder` convention (sorted folder names).
    """

    def __init__(
        self,
        root: str,
        image_size: int,
        channels: int,
        val_fraction: float = 0.1,
        seed: int = 0,
    ) -> None:
        if channels not in (1, 3):
            raise GenlabError(f"image folder channels must be 1 (L) or 3 (RGB), got {channels}")
        self.root = Path(root)
        self.image_size = int(image_size)
        self.channels = int(channels)
        self.val_fraction = val_fraction
        self.seed = seed

    def load(self) -> PreparedSplits:
        samples, classes = self._find_samples()
        images, labels, skipped = self._decode(samples)
        if skipped:
            log.warning("%s: skipped %d unreadable image file(s)", self.root, skipped)
        if not images:
            raise GenlabError(f"image folder {self.root} holds no readable images")
        labels_t = torch.tensor(labels, dtype=torch.int64)
        splits = stratified_split(torch.stack(images), labels_t, self.val_fraction, self.seed)
        return PreparedSplits(splits=splits, classes=classes)

    def _find_samples(self) -> tuple[list[tuple[str, int]], list[str]]:
        """(path, label) pairs and class names; non-image files are left out by extension."""
        from torchvision.datasets.folder import IMG_EXTENSIONS, find_classes, make_dataset

        if not self.root.is_dir():
            raise GenlabError(f"image folder {self.root} does not exist or is not a folder")
        entries = list(os.scandir(self.root))
        if any(e.is_dir() and not e.name.startswith(".") for e in entries):
            # Hidden folders (.ipynb_checkpoints, .cache) are not classes.
            classes = [c for c in find_classes(self.root)[0] if not c.startswith(".")]
            class_to_idx = {c: i for i, c in enumerate(classes)}
            samples = make_dataset(
                self.root, class_to_idx, extensions=IMG_EXTENSIONS, allow_empty=True
            )
            empty = sorted(set(classes) - {classes[label] for _, label in samples})
            if empty and samples:
                log.warning("%s: class folder(s) without images: %s", self.root, ", ".join(empty))
            return samples, classes
        files = sorted(
            e.path for e in entries if e.is_file() and e.name.lower().endswith(IMG_EXTENSIONS)
        )
        return [(path, 0) for path in files], [self.root.resolve().name]

    def _decode(self, samples: list[tuple[str, int]]) -> tuple[list[torch.Tensor], list[int], int]:
        from torchvision.transforms import v2

        transform = v2.Compose(
            [v2.Resize(self.image_size), v2.CenterCrop(self.image_size), v2.PILToTensor()]
        )
        mode = "L" if self.channels == 1 else "RGB"
        images: list[torch.Tensor] = []
        labels: list[int] = []
        skipped = 0
        bar = tqdm(samples, desc=f"decoding {self.root.name}", unit="img", disable=None)
        for path, label in bar:  # a bar in a terminal, nothing in logs and pipes
            try:
                with Image.open(path) as img:
                    images.append(transform(img.convert(mode)))
            except _DECODE_ERRORS as e:
                log.debug("skipping %s: %s", path, e)
                skipped += 1
                continue
            labels.append(label)
        return images, labels, skipped
