"""Scoring images whose channels are separate digits (Stacked MNIST) with a one-channel
evaluator: each channel is classified on its own, as the published Stacked MNIST protocol does
(PacGAN, VEEGAN: a pretrained MNIST classifier, argmax per channel).

The choice for the usual scores: an image's features are its channels' evaluator features side
by side (3 x d), so FID, KID and precision/recall/density/coverage compare the joint
distribution of the three digits' features, cross-channel dependence included; its logits are
the log-probabilities of every channel-class combination (10^3 = 1,000 triples for Stacked
MNIST), the product of the channels' softmaxes, so IS and label accuracy read the triple: IS
tops out at 1,000, and a triple counts as right only when all three digits are.
"""

import torch

from genlab.metrics.extractor import FeatureExtractor


def combination_log_probs(channel_logits: list[torch.Tensor]) -> torch.Tensor:
    """(N, K^C) log-probabilities of every combination of the C channels' classes, the first
    channel most significant (combination index = sum of class_c * K^(C-1-c))."""
    joint = torch.log_softmax(channel_logits[0].float(), dim=1)
    for logits in channel_logits[1:]:
        log_probs = torch.log_softmax(logits.float(), dim=1)
        joint = (joint[:, :, None] + log_probs[:, None, :]).flatten(1)
    return joint


class PerChannel(FeatureExtractor):
    """A one-channel extractor applied to each channel of C-channel images."""

    def __init__(self, extractor: FeatureExtractor, channels: int) -> None:
        super().__init__()
        self.extractor = extractor
        self.channels = channels
        self.name = f"per-channel{channels}-{extractor.name}"
        self.num_features = channels * extractor.num_features

    def forward(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        n, c = images.shape[:2]
        if c != self.channels:
            raise ValueError(f"expected {self.channels}-channel images, got {tuple(images.shape)}")
        # One pass over all channels: the batch is (N * C) one-channel images, image-major.
        features, logits = self.extractor(images.reshape(n * c, 1, *images.shape[2:]))
        features = features.reshape(n, c * features.shape[1])
        per_channel = logits.reshape(n, c, logits.shape[1])
        return features, combination_log_probs(list(per_channel.unbind(dim=1)))
