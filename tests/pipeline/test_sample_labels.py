"""The label a conditional model's image was asked for is the one the evaluator reads in it.

A few batches of training teach no generator its labels, so the model here is a real
`GenerativeModule` whose network is a lookup of real training digits by label: what it shows
is the path every conditional model's samples take to the report (labels drawn from the class
frequencies or asked for, `Scorer.generate` pairing each image with its label, the evaluator's
logits, `label_accuracy`). A lookup that shows the next digit instead must score near zero."""

from pathlib import Path

import pytest
import torch

from genlab.app.train_evaluator import train_evaluator
from genlab.metrics.conditional import label_accuracy
from genlab.metrics.evaluator import load_evaluator
from genlab.metrics.scorer import Scorer
from genlab.models.base import GenerativeModule

from compose import compose_config


class DigitLookup(GenerativeModule):
    """Shows, for label y, a real training image of digit (y + shift) % 10."""

    def __init__(self, digits: torch.Tensor, counts: list[int], shift: int = 0) -> None:
        super().__init__(latent_dim=2, conditional=True, num_classes=10, class_counts=counts)
        self.register_buffer("digits", digits)
        self.shift = shift

    def forward(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        return self.digits[(labels + self.shift) % 10]


@pytest.fixture(scope="module")
def evaluated(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("labels")
    result = train_evaluator(
        compose_config(
            "evaluator",
            [f"paths.root_dir={root}", "trainer.max_epochs=2", "trainer.enable_progress_bar=false"],
        )
    )
    (train_file,) = Path(root).rglob("prepared/mnist5k/train.pt")
    split = torch.load(train_file, weights_only=True)
    images = split["images"].float() / 127.5 - 1
    labels = split["labels"]
    digits = torch.stack([images[labels == y][0] for y in range(10)])
    counts = torch.bincount(labels, minlength=10).tolist()
    return {"evaluator": load_evaluator(result["checkpoint"]), "digits": digits, "counts": counts}


@pytest.mark.slow
def test_the_evaluator_reads_in_each_sample_the_label_it_was_asked_for(evaluated: dict) -> None:
    scorer = Scorer(evaluated["evaluator"], batch_size=100)
    right = DigitLookup(evaluated["digits"], evaluated["counts"])
    fake, _ = scorer.generate(right, 300, seed=0)
    assert fake.labels is not None and len(set(fake.labels.tolist())) == 10
    assert label_accuracy(fake.logits, fake.labels) > 0.75  # one stored digit per class
    asked = torch.arange(10).repeat(3)  # labels asked for, not drawn
    logits = scorer.extract(right.sample(30, asked)).logits
    assert label_accuracy(logits, asked) > 0.75

    wrong = DigitLookup(evaluated["digits"], evaluated["counts"], shift=1)
    fake, _ = scorer.generate(wrong, 300, seed=0)
    assert label_accuracy(fake.logits, fake.labels) < 0.25
