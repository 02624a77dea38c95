"""The comparison report: one table and one figure over every evaluated model, with the
real-data reference row that says what "good" means in this feature space."""

import json
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # files only; no display on servers and CI
import matplotlib.pyplot as plt  # noqa: E402
from PIL import Image  # noqa: E402

from genlab.errors import GenlabError  # noqa: E402

COLUMNS = [("FID ↓", "fid"), ("KID ↓", "kid_mean"), ("IS ↑", "is_mean")]


def load_results(metrics_dir: Path, models: list[str]) -> list[dict[str, Any]]:
    if not models:
        raise GenlabError(f"no model scores in {metrics_dir}; run pipelines/evaluate.py first")
    missing = [m for m in models if not (metrics_dir / f"{m}.json").is_file()]
    if missing:
        raise GenlabError(
            f"no scores for {', '.join(missing)} in {metrics_dir}; evaluate them first"
        )
    return [json.loads((metrics_dir / f"{m}.json").read_text()) for m in models]


def markdown_table(results: list[dict[str, Any]]) -> str:
    header = "| model | " + " | ".join(name for name, _ in COLUMNS) + " |"
    rule = "|---|" + "---:|" * len(COLUMNS)
    rows = [
        f"| {r['model']} | {r['fid']:.3f} | {r['kid_mean']:.4f} ± {r['kid_std']:.4f} "
        f"| {r['is_mean']:.3f} ± {r['is_std']:.3f} |"
        for r in results
    ]
    ref = results[0]["reference"]
    rows.append(
        f"| *real data ({ref['split']})* | {ref['fid']:.3f} | {ref['kid_mean']:.4f} "
        f"± {ref['kid_std']:.4f} | {ref['is_mean']:.3f} ± {ref['is_std']:.3f} |"
    )
    return "\n".join([header, rule, *rows])


def comparison_figure(results: list[dict[str, Any]], grids: list[Path], path: Path) -> None:
    """Samples of each model side by side over FID and IS bars with the real-data line."""
    n = len(results)
    fig = plt.figure(figsize=(4 * max(n, 2), 8))
    for i, (result, grid) in enumerate(zip(results, grids, strict=True)):
        ax = fig.add_subplot(2, n, i + 1)
        ax.imshow(Image.open(grid), cmap="gray")
        ax.set_title(f"{result['model']}  FID {result['fid']:.2f}  IS {result['is_mean']:.2f}")
        ax.axis("off")
    names = [r["model"] for r in results]
    ref = results[0]["reference"]
    for j, (label, key) in enumerate(
        [("FID (lower is better)", "fid"), ("IS (higher is better)", "is_mean")]
    ):
        ax = fig.add_subplot(2, 2, 3 + j)
        ax.bar(names, [r[key] for r in results], color="tab:blue")
        ax.axhline(ref[key], color="tab:green", linestyle="--", label=f"real data: {ref[key]:.2f}")
        ax.set_title(label)
        ax.legend()
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)


def write_report(
    metrics_dir: Path, figures_dir: Path, models: list[str] | None, out_dir: Path
) -> Path:
    if models is None:
        models = sorted(p.stem for p in metrics_dir.glob("*.json"))
    results = load_results(metrics_dir, models)
    grids = [figures_dir / f"{m}_samples.png" for m in models]
    figure = out_dir / "comparison.png"
    comparison_figure(results, grids, figure)
    first = results[0]
    text = "\n".join(
        [
            "# genlab comparison report",
            "",
            f"Data: `{first['data']}`. Feature space: `{first['features']}`. "
            f"{first['num_samples']} generated images per model, scored against the real "
            "training split. The last row scores the real held-out split the same way: the "
            "floor for FID/KID and the ceiling for IS that a perfect generator would reach.",
            "",
            markdown_table(results),
            "",
            f"![samples and scores]({figure.name})",
            "",
        ]
    )
    report = out_dir / "report.md"
    report.write_text(text)
    return report
