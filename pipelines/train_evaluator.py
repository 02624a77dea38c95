"""Train the classifier whose features score generated images (FID/KID) and classes (IS).

python pipelines/train_evaluator.py data=mnist5k
"""

import hydra
from omegaconf import DictConfig

from genlab.app.cli import one_line_errors, run


@hydra.main(version_base="1.3", config_path="../conf", config_name="evaluator")
@one_line_errors
def main(cfg: DictConfig) -> float:
    from genlab.app.train_evaluator import train_evaluator

    result = train_evaluator(cfg)
    print(f"evaluator: {result['checkpoint']}  held-out accuracy {result['val_accuracy']:.4f}")
    return result["val_accuracy"]


if __name__ == "__main__":
    run(main, "evaluator")
