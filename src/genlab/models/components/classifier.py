"""A small LeNet-style classifier: the offline feature space for FID, KID and IS.

Inception features are the standard, but need downloaded weights and mean little on 28 px
digits; a classifier trained on the real training split measures what matters there.
`features` gives the penultimate activations (FID/KID), `head` the class logits (IS).
"""

import torch
from torch import nn


class LeNetClassifier(nn.Module):
    def __init__(self, channels: int, num_classes: int, width: int = 32, feature_dim: int = 128):
        super().__init__()
        self.feature_dim = feature_dim
        self.body = nn.Sequential(
            nn.Conv2d(channels, width, 3, padding=1),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(2),
            nn.Conv2d(width, 2 * width, 3, padding=1),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(2),
            nn.AdaptiveAvgPool2d(4),  # any image size maps to 4x4
            nn.Flatten(),
            nn.Linear(2 * width * 16, feature_dim),
            nn.ReLU(inplace=True),
        )
        self.dropout = nn.Dropout(0.3)
        self.classifier = nn.Linear(feature_dim, num_classes)

    def features(self, images: torch.Tensor) -> torch.Tensor:
        return self.body(images)

    def head(self, features: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.dropout(features))

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(images))
