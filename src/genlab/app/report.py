"""The comparison report: one table and one figure over every evaluated model, with the
real-data reference row that says what "good" means in this feature space."""

import json
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # files only; no display on servers and CI
import matplotlib.pyplot as plt  # noqa: E402
from PIL import Image  # noqa: E402

from genlab.utils.errors import GenlabError  # noqa: E402

# (header, key in the metrics JSON, format). Arrows give the better direction.
COLUMNS = [
    ("FID ↓", "fid", "{:.2f}"),
    ("KID ↓", "kid", "{:.2f}"),
    ("IS ↑", "is_mean", "{:.2f}"),
    ("precision ↑", "precision", "{:.3f}"),
    ("recall ↑", "recall", "{:.3f}"),
    ("density ↑", "density", "{:.3f}"),
    ("coverage ↑", "coverage", "{:.3f}"),
    ("memorization ratio", "memorization_ratio", "{:.2f}"),
]
CONDITIONAL_COLUMNS = [
    ("label accuracy ↑", "label_accuracy", "{:.1%}"),
    ("intra-class FID ↓", "intra_fid", "{:.2f}"),
]

READING = """\
How to read it: FID, KID, precision, recall, density and coverage compare each model's
generated images with the real training split in the evaluator classifier's feature space
(penultimate layer); IS and label accuracy use its class logits. The last row scores real
held-out images the same way, the same number of them: the floor for FID, KID and intra-class
FID, and about what a perfect generator reaches on the others. FID and KID are shown with a
95 % bootstrap interval over the generated images. KID is the unbiased MMD² of torchmetrics'
cubic polynomial kernel between the generated images and every training image, in these
features' own units (not the ×10³ of Inception-feature papers): 0 for a perfect generator,
and it can dip below 0 by chance. Precision and
density say how many generated images look real; recall and coverage how much of the real
data they reach. The memorization ratio is the median distance of generated images to their
nearest training image over the same for held-out real images: well below 1 means copying."""


def load_results(metrics_dir: Path, models: list[str]) -> list[dict[str, Any]]:
    if not models:
        raise GenlabError(f"no model scores in {metrics_dir}; run pipelines/evaluate.py first")
    missing = [m for m in models if not (metrics_dir / f"{m}.json").is_file()]
    if missing:
        raise GenlabError(
            f"no scores for {', '.join(missing)} in {metrics_dir}; evaluate them first"
        )
    return [json.loads((metrics_dir / f"{m}.json").read_text()) for m in models]


def cell(scores: dict[str, Any], key: str, fmt: str) -> str:
    value = scores.get(key)
    if value is None:
        return "–"
    text = fmt.format(value)
    if key == "fid" and "fid_low" in scores:
        text += f" [{scores['fid_low']:.1f}, {scores['fid_high']:.1f}]"
    if key == "kid" and "kid_low" in scores:
        text += f" [{scores['kid_low']:.2f}, {scores['kid_high']:.2f}]"
    if key == "is_mean" and "is_std" in scores:
        text += f" ± {scores['is_std']:.2f}"
    return text


def kid_notes(results: list[dict[str, Any]]) -> list[str]:
    """Which models KID cannot tell from real data at this sample count: their interval
    overlaps the real-data row's. Said in words, so that a reader does not rank noise."""
    ref = results[0]["reference"]
    if "kid_low" not in ref:
        return []
    unresolved = [
        r["model"]
        for r in results
        if "kid_low" in r and r["kid_low"] <= ref["kid_high"] and ref["kid_low"] <= r["kid_high"]
    ]
    if not unresolved:
        return []
    return [
        f"at {ref.get('num_samples', '?')} samples, KID cannot tell {', '.join(unresolved)} from "
        "real data: their KID intervals overlap the real-data row's (FID, with its narrower "
        "interval, ranks them)"
    ]


def markdown_table(results: list[dict[str, Any]]) -> str:
    columns = COLUMNS + (CONDITIONAL_COLUMNS if any(r.get("conditional") for r in results) else [])
    header = "| model | " + " | ".join(name for name, _, _ in columns) + " |"
    rule = "|---|" + "---:|" * len(columns)
    rows = [
        f"| {r['model']} | " + " | ".join(cell(r, k, f) for _, k, f in columns) + " |"
        for r in results
    ]
    # The reference with the conditional scores, when a conditional model has them.
    ref = next((r["reference"] for r in results if r.get("conditional")), results[0]["reference"])
    ref_cells = " | ".join(cell(ref, k, f) for _, k, f in columns)
    rows.append(f"| *real data ({ref['split']}, {ref.get('num_samples', '?')})* | {ref_cells} |")
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
        values = [r[key] for r in results]
        errors = None
        if key == "fid" and all("fid_low" in r for r in results):
            errors = [
                [r["fid"] - r["fid_low"] for r in results],
                [r["fid_high"] - r["fid"] for r in results],
            ]
        ax.bar(names, values, yerr=errors, capsize=4, color="tab:blue")
        ax.axhline(ref[key], color="tab:green", linestyle="--", label=f"real data: {ref[key]:.2f}")
        ax.set_title(label)
        ax.legend()
    save_figure(fig, path)


def save_figure(fig, path: Path) -> None:
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
    notes = sorted({r["reference"]["note"] for r in results if r["reference"].get("note")})
    notes += kid_notes(results)
    nearest = [
        f"![{m}: samples over their nearest training images]({p.relative_to(out_dir)})"
        for m in models
        if (p := figures_dir / f"{m}_nearest.png").is_file() and p.is_relative_to(out_dir)
    ]
    text = "\n".join(
        [
            "# genlab comparison report",
            "",
            f"Data: `{first['data']}`. Feature space: `{first['features']}`. "
            f"{first['num_samples']} generated images per model, scored against the real "
            "training split.",
            "",
            markdown_table(results),
            "",
            *(f"Note: {note}." for note in notes),
            "",
            READING,
            "",
            f"![samples and scores]({figure.name})",
            "",
            "Generated images (odd rows) over their nearest training image (even rows):",
            "",
            *nearest,
            "",
        ]
    )
    report = out_dir / "report.md"
    report.write_text(text)
    return report
