"""Reading a prepared split: `read_split` on 60 000 MNIST-sized images.

    python benchmarks/prepared_read.py [--images 60000] [--repeats 5]

Writes a synthetic 60 000 x 1 x 28 x 28 uint8 split with `write_prepared` in a temp folder,
then times `read_split` (a memory-mapped `torch.load`: pages load on first touch) and
`read_split` plus a copy of the images into memory (all pages touched). The file was just
written, so it is in the page cache: the warm read a training run sees after `prepare`.
Target: `read_split` <= 0.5 s (the bound tests/data/test_prepared_format.py used to assert).
"""

import argparse
import shutil
import tempfile
from pathlib import Path

from timing import machine, median_seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=60_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    import torch

    from genlab.data.prepared import read_split, write_prepared
    from genlab.data.sources import PreparedSplits

    n = args.images
    images = torch.randint(0, 256, (n, 1, 28, 28), dtype=torch.uint8)
    labels = torch.arange(n, dtype=torch.int64) % 10
    splits = PreparedSplits(
        splits={"train": (images, labels), "val": (images[:10], labels[:10])},
        classes=[str(i) for i in range(10)],
    )
    root = Path(tempfile.mkdtemp(prefix="genlab-bench-read-"))
    try:
        write_prepared(splits, root / "big", "big", {"_target_": "synthetic", "seed": 0})

        def read() -> None:
            read_split(root / "big", "train")

        def read_and_touch() -> None:
            got, _ = read_split(root / "big", "train")
            got.clone()  # copies every page of the memory map into memory

        opened = median_seconds(read, repeats=args.repeats)
        touched = median_seconds(read_and_touch, repeats=args.repeats)
    finally:
        shutil.rmtree(root, ignore_errors=True)

    size_mb = images.numel() / 2**20
    print(f"# {machine()}; {n} images, {size_mb:.0f} MiB, page cache warm")
    print("| figure | value | target |")
    print("|---|---:|---|")
    print(f"| read_split (memory-mapped open) | {opened * 1000:.1f} ms | <= 500 ms |")
    print(f"| read_split + copy into memory | {touched * 1000:.1f} ms | |")


if __name__ == "__main__":
    main()
