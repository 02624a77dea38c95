"""Evaluation cost with the real-feature cache cold vs warm, and feature-extraction speed.

    python benchmarks/evaluation.py [--num-samples 1000]

Trains a 1-epoch evaluator and a 1-epoch VAE in a temp folder (scores do not matter here,
only time), then evaluates the VAE twice: first with an empty cache (real train/val features
computed), then again (cached). Target: second / first <= 0.5.

Question: Does the real-feature cache halve a repeated evaluation, and how fast does the
evaluator extract features?
Figure: BENCHMARKS.md, the summary table's "evaluation" and "feature extraction" rows.
"""

import argparse
import shutil
import tempfile
import time
from pathlib import Path

from timing import ROOT, compose_config, machine


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--num-samples", type=int, default=1000)
    args = parser.parse_args()

    from genlab.app.evaluate import evaluate
    from genlab.app.train import train
    from genlab.app.train_evaluator import train_evaluator

    root = Path(tempfile.mkdtemp(prefix="genlab-bench-eval-"))
    data = ROOT / "data"
    paths = [f"paths.root_dir={root}", f"paths.data_dir={data}"]
    quiet = ["trainer.max_epochs=1", "trainer.enable_progress_bar=false"]
    train_evaluator(compose_config("evaluator", [*paths, *quiet]))
    trained = train(
        compose_config(
            "train", [*paths, *quiet, "model=vae", "logger=none", f"paths.output_dir={root}/r"]
        )
    )
    cfg = compose_config(
        "evaluate",
        [*paths, f"ckpt_path={trained['checkpoint']}", f"eval.num_samples={args.num_samples}"],
    )

    timings = []
    for attempt in ("cold cache", "warm cache"):
        start = time.perf_counter()
        evaluate(cfg, output_dir=root / attempt.replace(" ", "_"))
        timings.append(time.perf_counter() - start)
    first, second = timings

    from genlab.app.evaluate import build_extractor
    from genlab.data.prepared import read_split
    from genlab.metrics.extract import extract_features

    images, _ = read_split(f"{data}/prepared/mnist5k", "train")
    images = images.float().div(127.5).sub(1)
    extractor = build_extractor(cfg.eval).eval()
    batches = [images[i : i + 250] for i in range(0, len(images), 250)]
    start = time.perf_counter()
    extract_features(extractor, iter(batches), "bench", progress=False)
    rate = len(images) / (time.perf_counter() - start)

    print(f"# {machine()}; {args.num_samples} generated images per evaluation")
    print("| figure | value | target |")
    print("|---|---:|---|")
    print(f"| evaluation, cold real-feature cache | {first:.2f} s | |")
    print(f"| evaluation, warm cache | {second:.2f} s | |")
    print(f"| warm / cold | {second / first:.3f} | <= 0.5 |")
    print(f"| feature extraction (evaluator) | {rate:.0f} images/s | |")
    shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
