"""Does a model copy its training images? Scores are computed against the training split, so a
generator that reproduced training images would beat real held-out data. Compare how close
its samples sit to their nearest training image with how close fresh real images sit.

`memorization_ratio` = median distance to the nearest training image, generated over real
held-out, in the evaluator's feature space (scikit-learn's NearestNeighbors). About 1: the
samples are as novel as new real data; well below 1: they sit on top of training images.
"""

import torch


def nearest_training(
    train: torch.Tensor, queries: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """(distance, index) of each query's nearest training row."""
    from sklearn.neighbors import NearestNeighbors  # imported here: only evaluation needs it

    index = NearestNeighbors(n_neighbors=1).fit(train.detach().cpu().double().numpy())
    distances, indices = index.kneighbors(queries.detach().cpu().double().numpy())
    return torch.from_numpy(distances[:, 0]), torch.from_numpy(indices[:, 0])


def memorization_ratio(train: torch.Tensor, fake: torch.Tensor, held_out: torch.Tensor) -> float:
    fake_distance, _ = nearest_training(train, fake)
    real_distance, _ = nearest_training(train, held_out)
    return float(fake_distance.median() / real_distance.median())
