"""The pieces that let a network take a class label: a label embedding to concatenate, a
label-conditioned BatchNorm for generators, and a projection head for discriminators (Miyato &
Koyama 2018)."""

import torch
from torch import nn

from genlab.models.choices import CONDITIONINGS, require_choices
from genlab.utils.errors import GenlabError


def check_class_count(num_classes: int) -> None:
    if num_classes < 0:
        raise GenlabError(f"num_classes must be >= 0 (0: unconditional), got {num_classes}")


def required(labels: torch.Tensor | None) -> torch.Tensor:
    """The labels a conditional layer was given; a conditional network called without any is
    a bug in the caller, not bad input."""
    if labels is None:
        raise ValueError("a conditional network needs labels")
    return labels


class LabelConcat(nn.Module):
    """Appends a learned embedding of the label to a vector (z, or flattened features): how a
    concat-conditioned generator and both halves of a conditional VAE take their label. With
    `num_classes` 0 it passes the vector through and adds no width."""

    # label_dim's default is the conditional VAE's; generators pass theirs (generator_conditioning).
    def __init__(self, num_classes: int = 0, label_dim: int = 16) -> None:
        super().__init__()
        check_class_count(num_classes)
        self.embed = nn.Embedding(num_classes, label_dim) if num_classes > 0 else None
        self.width = label_dim if num_classes > 0 else 0

    def forward(self, x: torch.Tensor, labels: torch.Tensor | None) -> torch.Tensor:
        if self.embed is None:
            return x
        return torch.cat([x, self.embed(required(labels))], dim=1)


def generator_conditioning(
    conditioning: str, num_classes: int = 0, label_dim: int = 32
) -> tuple[LabelConcat, int]:
    """(what goes on z, the class count of the generator's BatchNorms) for either way in.

    The generators take `conditioning` (its default is the schema's, genlab/schemas/models.py)
    and the label arguments as `**labels`, and pass them on."""
    check_class_count(num_classes)
    require_choices("conditioning", [conditioning], CONDITIONINGS)
    concat = LabelConcat(num_classes if conditioning == "concat" else 0, label_dim)
    return concat, num_classes if conditioning == "cbn" else 0


class LabelBatchNorm(nn.Module):
    """BatchNorm whose scale and shift come from the label (conditional BatchNorm, de Vries et
    al. 2017), or plain BatchNorm when `num_classes` is 0. Works on (N, C) and (N, C, H, W)."""

    def __init__(self, num_features: int, num_classes: int = 0, dims: int = 2) -> None:
        super().__init__()
        norm = nn.BatchNorm2d if dims == 2 else nn.BatchNorm1d
        self.conditional = num_classes > 0
        self.norm = norm(num_features, affine=not self.conditional)
        if self.conditional:
            self.gain = nn.Embedding(num_classes, num_features)
            self.bias = nn.Embedding(num_classes, num_features)
            nn.init.ones_(self.gain.weight)
            nn.init.zeros_(self.bias.weight)

    def forward(self, x: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        out = self.norm(x)
        if not self.conditional:
            return out
        labels = required(labels)
        shape = (x.shape[0], -1) + (1,) * (x.dim() - 2)
        return out * self.gain(labels).view(shape) + self.bias(labels).view(shape)


class ProjectionHead(nn.Module):
    """A discriminator's last layer: logit = w·h (+ embed(y)·h for a conditional one).

    The projection term scores how well the features `h` match the asked class; it is the
    discriminator of Miyato & Koyama (2018), which conditional GANs have used since.
    """

    def __init__(self, in_features: int, num_classes: int = 0, bias: bool = True) -> None:
        super().__init__()
        self.linear = nn.Linear(in_features, 1, bias=bias)
        self.embed = nn.Embedding(num_classes, in_features) if num_classes > 0 else None
        if self.embed is not None:  # N(0, 1) would drown the unconditional term at the start
            nn.init.xavier_uniform_(self.embed.weight)

    def forward(self, features: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        features = features.flatten(1)
        logits = self.linear(features).view(-1)
        if self.embed is None:
            return logits
        return logits + (self.embed(required(labels)) * features).sum(dim=1)

    def class_scores(self, features: torch.Tensor) -> torch.Tensor:
        """(N, classes): the projection term for every label. The unconditional term is the
        same for each, so a softmax over these is the distribution over labels that D's own
        logits imply for an image."""
        if self.embed is None:
            raise GenlabError("class scores need a discriminator built with labels")
        return features.flatten(1) @ self.embed.weight.t()
