"""Sample-quality metrics: feature extractors, real-feature cache, FID/KID/IS via torchmetrics."""
