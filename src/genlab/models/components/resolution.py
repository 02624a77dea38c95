"""How convolutional nets reach an image size by repeated doubling.

DCGAN-style generators start from a small square (4x4 or 7x7) and double it with stride-2
transposed convolutions; discriminators and encoders walk the same ladder down. 28 px MNIST
needs the 7x7 start; 32 and 64 px need 4x4.
"""

from dataclasses import dataclass

from genlab.utils.errors import GenlabError

_BASES = (4, 7)


@dataclass(frozen=True)
class ResolutionPlan:
    base: int  # side of the smallest feature map
    doublings: int  # stride-2 layers between the base and the image


def plan_resolution(image_size: int, network: str, min_doublings: int = 2) -> ResolutionPlan:
    """The base size and number of doublings for `image_size`, or a clear error."""
    for base in _BASES:
        size, doublings = base, 0
        while size < image_size:
            size, doublings = size * 2, doublings + 1
        if size == image_size and doublings >= min_doublings:
            return ResolutionPlan(base=base, doublings=doublings)
    valid = sorted(b * 2**k for b in _BASES for k in range(min_doublings, 6))
    raise GenlabError(
        f"image_size={image_size} cannot be built by the {network} network; "
        f"valid sizes: {', '.join(map(str, valid))} (e.g. 28 for MNIST, 32 for CIFAR-10, 64)"
    )
