"""The GAN losses and the zero-centred gradient penalty, as formulas on D's logits, apart from
the training loop (gan_module.py) so each can be checked on hand-made logits. Sums are taken
at least in float32, also under bf16 autocast.

- `bce`: the non-saturating loss (Goodfellow et al. 2014): -log D(G(z)) for G;
- `hinge`: the hinge loss (Lim and Ye 2017, Miyato et al. 2018);
- `rpgan`: the relativistic pairing loss (Jolicoeur-Martineau 2019; R3GAN, Huang et al. 2024):
  each real image is paired with the generated image at its place in the batch; D minimises
  softplus(-(D(x) - D(G(z)))), G minimises softplus(-(D(G(z)) - D(x))), as R3GAN's Trainer.py.
"""

import torch
import torch.nn.functional as F

from genlab.models.base import at_least_float32


def discriminator_loss(
    loss: str, real_logits: torch.Tensor, fake_logits: torch.Tensor
) -> torch.Tensor:
    """D pushes real logits up and generated ones down."""
    real_logits, fake_logits = at_least_float32(real_logits), at_least_float32(fake_logits)
    if loss == "rpgan":
        return F.softplus(-(real_logits - fake_logits)).mean()
    if loss == "hinge":
        return F.relu(1 - real_logits).mean() + F.relu(1 + fake_logits).mean()
    return F.binary_cross_entropy_with_logits(
        real_logits, torch.ones_like(real_logits)
    ) + F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits))


def generator_loss(
    loss: str, fake_logits: torch.Tensor, real_logits: torch.Tensor | None = None
) -> torch.Tensor:
    """G pushes the logits of its images up: -D(G(z)) (hinge), -log D(G(z)) (bce), or above
    the logits of the real images they are paired with (rpgan, which needs `real_logits`)."""
    fake_logits = at_least_float32(fake_logits)
    if loss == "rpgan":
        return F.softplus(-(fake_logits - at_least_float32(real_logits))).mean()
    if loss == "hinge":
        return -fake_logits.mean()
    return F.binary_cross_entropy_with_logits(fake_logits, torch.ones_like(fake_logits))


def gradient_penalty(images: torch.Tensor, logits: torch.Tensor, gamma: float) -> torch.Tensor:
    """gamma/2 * the mean over D's inputs of the squared norm of D's gradient at them, kept in
    the graph so D's step descends it: R1 on real images (Mescheder et al. 2018), R2 on
    generated ones. `images` require grad; with packing (one logit per pack of images) an
    input's squared norm is the sum of its images', so the mean is over logits."""
    (gradient,) = torch.autograd.grad(at_least_float32(logits).sum(), images, create_graph=True)
    squared_norms = at_least_float32(gradient).pow(2).flatten(1).sum(dim=1)
    per_input = len(squared_norms) / len(logits)  # images per logit: 1 unpacked (exact)
    return gamma / 2 * squared_norms.mean() * per_input
