"""Self-conditioned GANs: k-means clusters of the training images stand in for class labels
inside the model, while its callers see an unconditional model."""

from pathlib import Path

import pytest
import torch
from test_learning import build, fit_steps, fixed_batch

from genlab.app.cli import user_error
from genlab.models.checkpoints import load_module
from genlab.models.components.clusters import PixelClusters
from genlab.utils.errors import GenlabError


def two_groups(n_first: int, n_second: int) -> torch.Tensor:
    """uint8 images of two shapes (a bar and a square), as prepared data stores them."""
    images = torch.zeros(n_first + n_second, 1, 28, 28, dtype=torch.uint8)
    images[:n_first, :, 4:24, 12:16] = 200
    images[n_first:, :, 8:20, 8:20] = 200
    noise = torch.randint(0, 40, images.shape, generator=torch.Generator().manual_seed(0))
    return images + noise.to(torch.uint8)


def test_clusters_separate_the_shapes_and_sample_by_size() -> None:
    clusters = PixelClusters(2, [1, 28, 28], components=4)
    clusters.fit(two_groups(30, 90))
    ids = clusters(two_groups(30, 90).float().div(127.5).sub(1))  # training batches' range
    assert ids[:30].unique().numel() == 1 and ids[30:].unique().numel() == 1
    assert ids[0] != ids[-1]
    assert sorted(clusters.sizes.tolist()) == [30.0, 90.0]
    drawn = clusters.sample(4000, torch.Generator().manual_seed(0))
    share_of_big = (drawn == ids[-1]).float().mean().item()
    assert share_of_big == pytest.approx(0.75, abs=0.03)


@pytest.mark.parametrize("method", ["kmeans", "spectral"])
def test_clusters_of_either_method_label_training_and_new_images(method: str) -> None:
    clusters = PixelClusters(2, [1, 28, 28], components=4, method=method, train_images=120)
    clusters.fit(two_groups(30, 90))
    ids = clusters(two_groups(30, 90))
    assert ids[:30].unique().numel() == 1 and ids[30:].unique().numel() == 1 and ids[0] != ids[-1]
    assert sorted(clusters.sizes.tolist()) == [30.0, 90.0]
    fresh = two_groups(5, 5) + 3  # images never seen: each takes its shape's cluster
    assert clusters(fresh)[:5].tolist() == [ids[0].item()] * 5
    assert clusters(fresh)[5:].tolist() == [ids[-1].item()] * 5


def test_spectral_clusters_need_the_training_split_size() -> None:
    clusters = PixelClusters(2, [1, 28, 28], components=4, method="spectral", train_images=50)
    with pytest.raises(GenlabError, match="built for 50 training images and fitted on 120"):
        clusters.fit(two_groups(30, 90))


def self_conditioned(model: str, clusters: int = 2):  # fixed_batch has two shapes
    module = build(model, f"model.self_conditioning.clusters={clusters}")
    images, _ = fixed_batch()
    module.clusters.fit(images)  # genlab's datamodule does it in setup; these tests have none
    return module


@pytest.mark.parametrize("model", ["gan", "dcgan"])
def test_a_self_conditioned_gan_is_unconditional_to_its_caller(model: str) -> None:
    module = self_conditioned(model)
    assert not module.conditional and module.label_count == 2
    assert module.discriminator.head.embed.num_embeddings == 2  # the projection head
    images, labels = module.sample_with_labels(5, generator=torch.Generator().manual_seed(0))
    assert images.shape == (5, 1, 28, 28) and labels is None
    with pytest.raises(GenlabError, match="not conditional"):
        module.sample(2, labels=1)


def test_training_batches_are_labelled_by_their_clusters() -> None:
    module = self_conditioned("dcgan")
    images, classes = fixed_batch()
    _, labels = module.images_and_labels((images, classes))
    assert torch.equal(labels, module.clusters(images))
    assert not torch.equal(labels, classes)  # the dataset's labels are not used


@pytest.mark.parametrize("method", ["kmeans", "spectral"])
def test_a_self_conditioned_checkpoint_keeps_its_clusters(tmp_path: Path, method: str) -> None:
    torch.manual_seed(0)
    module = build(
        "dcgan", "model.self_conditioning.clusters=2", f"model.self_conditioning.method={method}",
        train_images=32,
    )  # fmt: skip
    module.clusters.fit(fixed_batch()[0])
    trainer = fit_steps(module, steps=2)
    trainer.save_checkpoint(tmp_path / "s.ckpt")
    loaded = load_module(tmp_path / "s.ckpt")
    assert loaded.clusters.fitted
    torch.testing.assert_close(loaded.clusters.state_dict(), module.clusters.state_dict())
    images = fixed_batch()[0]
    assert torch.equal(loaded.clusters(images), module.clusters(images))
    generator = torch.Generator().manual_seed(1)
    torch.testing.assert_close(
        loaded.sample(4, generator=generator),
        module.sample(4, generator=torch.Generator().manual_seed(1)),
    )


def test_conditional_and_self_conditioned_at_once_is_refused() -> None:
    with pytest.raises(Exception) as info:  # noqa: PT011 - Hydra wraps it; the CLI unwraps it
        build(
            "dcgan", "model.conditional=true", "model.self_conditioning.clusters=2", num_classes=10
        )
    assert "exclude each other" in str(user_error(info.value))
