"""The Stacked MNIST report (`make stacked`): genlab's models beside the published tables, with
every model's 1,000-mode histogram and sample grid, so mode collapse can be read and seen."""

import json
import math
import statistics
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only; no display on servers and CI
import matplotlib.pyplot as plt  # noqa: E402

from genlab.utils.errors import GenlabError  # noqa: E402

REPORT_NAME = "stacked_mnist.md"
HEATMAPS_NAME = "heatmaps.png"
REAL_GRID_NAME = "real_samples.png"

# (header, key in the metrics JSON, format): the mode metrics first, then the usual scores.
COLUMNS = [
    ("modes ↑", "modes", "{:.0f}"),
    ("KL nats ↓", "mode_kl", "{:.3f}"),
    ("KL log10 ↓", "mode_kl_log10", "{:.3f}"),
    ("FID ↓", "fid", "{:.2f}"),
    ("IS ↑", "is_mean", "{:.1f}"),
    ("precision ↑", "precision", "{:.3f}"),
    ("recall ↑", "recall", "{:.3f}"),
    ("coverage ↑", "coverage", "{:.3f}"),
    ("label accuracy ↑", "label_accuracy", "{:.1%}"),
]

# (method, paper, setting, samples scored, modes, KL in nats), as the papers print them.
PUBLISHED = [
    ("DCGAN", "VEEGAN (Srivastava et al. 2017), Table 2", "VEEGAN", "26,000", "99", "3.40"),
    ("ALI", "VEEGAN (Srivastava et al. 2017), Table 2", "VEEGAN", "26,000", "16", "5.40"),
    (
        "Unrolled GAN",
        "VEEGAN (Srivastava et al. 2017), Table 2",
        "VEEGAN",
        "26,000",
        "48.7",
        "4.32",
    ),
    ("VEEGAN", "VEEGAN (Srivastava et al. 2017), Table 2", "VEEGAN", "26,000", "150", "2.95"),
    ("PacDCGAN2", "PacGAN (Lin et al. 2018), Table 3", "VEEGAN", "26,000", "1000", "0.06"),
    (
        "RpGAN + R1 + R2",
        "R3GAN (Huang et al. 2024), Table 1",
        "small ResNet",
        "26,000",
        "1000",
        "0.078",
    ),
    (
        "GAN + R1 + R2",
        "R3GAN (Huang et al. 2024), Table 1",
        "small ResNet",
        "26,000",
        "693",
        "0.927",
    ),
    ("WGAN-GP", "R3GAN (Huang et al. 2024), Table 3", "R3GAN", "26,000", "959", "0.73"),
    ("PacGAN", "R3GAN (Huang et al. 2024), Table 3", "R3GAN", "26,000", "992", "0.28"),
    ("StyleGAN2", "R3GAN (Huang et al. 2024), Table 3", "R3GAN", "26,000", "940", "0.42"),
    ("DDGAN", "R3GAN (Huang et al. 2024), Table 3", "R3GAN", "26,000", "1000", "0.071"),
    ("MEG", "R3GAN (Huang et al. 2024), Table 3", "R3GAN", "26,000", "1000", "0.031"),
    ("R3GAN", "R3GAN (Huang et al. 2024), Table 3", "R3GAN", "26,000", "1000", "0.029"),
]

PROTOCOL = """\
Each image stacks three mnist5k digits as its R, G and B channels: 1,000 modes (digit triples).
The training set holds 128,000 stacks of mnist5k's 4,000 training digits, the validation set
26,000 stacks of its 1,000 held-out digits, every triple equally often. A sample's mode is the
triple of genlab's evaluator's argmax on each channel (the PacGAN/VEEGAN protocol, with
genlab's mnist5k classifier in place of their pretrained MNIST CNN). **modes**: the triples
that receive at least one of the {mode_samples:,} samples; **KL**: KL(p ‖ uniform) of the
samples' triple histogram, in nats (PacGAN, VEEGAN, R3GAN) and log10 (the self-conditioned GAN's
code; it scores 50,000 samples, so compare its figures with care). The **real data** row scores
{mode_samples:,} held-out stacks the same way: the evaluator's errors keep it off 1,000 / 0.

The usual scores use the evaluator channel by channel: an image's features are its three
channels' features side by side (FID, KID, precision, recall and coverage on those,
{num_samples:,} samples against the training stacks, at most 10,000), its class scores the
product of the channels' (IS over the 1,000 triples, at most 1,000; a conditional model's
label accuracy counts a triple right only when all three digits are).

Each cell is the mean ± standard deviation over the seeds (the seed itself with one). The
published rows come from other networks, budgets and classifiers (GPUs, many epochs of the
128,000 stacks): they place genlab's rows, they are not the same experiment."""


def load_runs(metrics_dir: Path, models: list[str], seeds: list[int]) -> dict[str, list[dict]]:
    """Each model's metrics, one per seed, or one line naming what is missing."""
    runs: dict[str, list[dict]] = {}
    missing = []
    for model in models:
        runs[model] = []
        for seed in seeds:
            path = metrics_dir / f"{model}-seed{seed}.json"
            if path.is_file():
                runs[model].append(json.loads(path.read_text()))
            else:
                missing.append(path.name)
    if missing:
        raise GenlabError(
            f"no Stacked MNIST scores {', '.join(missing)} in {metrics_dir}; run `make stacked`"
        )
    return runs


def summary(values: list[float], fmt: str) -> str:
    """One cell: the value, or mean ± standard deviation over seeds."""
    values = [v for v in values if v is not None and not math.isnan(v)]
    if not values:
        return "–"
    if len(values) == 1:
        return fmt.format(values[0])
    return f"{fmt.format(statistics.mean(values))} ± {fmt.format(statistics.stdev(values))}"


def genlab_table(runs: dict[str, list[dict]], seeds: list[int]) -> list[str]:
    header = "| model | seeds | " + " | ".join(h for h, _, _ in COLUMNS) + " |"
    lines = [header, "|" + "---|" * (len(COLUMNS) + 2)]
    for model, results in runs.items():
        cells = [summary([r.get(key) for r in results], fmt) for _, key, fmt in COLUMNS]
        lines.append(f"| {model} | {', '.join(map(str, seeds))} | " + " | ".join(cells) + " |")
    reference = next(iter(runs.values()))[0]["reference"]
    cells = [summary([reference.get(key)], fmt) for _, key, fmt in COLUMNS]
    lines.append("| real data (held-out stacks) | – | " + " | ".join(cells) + " |")
    return lines


def published_table() -> list[str]:
    lines = [
        "| method | source | setting | samples | modes | KL nats |",
        "|---|---|---|---|---|---|",
    ]
    lines += ["| " + " | ".join(row) + " |" for row in PUBLISHED]
    return lines


def plot_heatmaps(runs: dict[str, list[dict]], seeds: list[int], path: Path) -> Path:
    """Each model's (first seed's) and the real data's triple histogram as a 10 x 100 heat map:
    row = the R digit, column = 10 x G + B, colour = samples over the uniform expectation, so a
    missing triple is black and an over-drawn one bright."""
    first = {f"{model} (seed {seeds[0]})": results[0] for model, results in runs.items()}
    panels = {"real data": next(iter(first.values()))["reference"]} | first
    fig, axes = plt.subplots(
        len(panels),
        1,
        figsize=(12, 1.8 * len(panels)),
        squeeze=False,
        gridspec_kw={"hspace": 0.6},  # room for each title above the axis labels below it
    )
    image = None
    for ax, (title, scores) in zip(axes[:, 0], panels.items(), strict=True):
        counts = scores["mode_histogram"]
        expected = sum(counts) / len(counts)
        grid = [[counts[100 * r + c] / expected for c in range(100)] for r in range(10)]
        image = ax.imshow(grid, cmap="magma", vmin=0, vmax=3, aspect="auto")
        ax.set_title(
            f"{title}: {scores['modes']} modes, KL {scores['mode_kl']:.3f} nats", fontsize=9
        )
        ax.set_ylabel("R digit", fontsize=8)
        ax.set_yticks(range(10))
        ax.set_xticks(range(0, 100, 10), [f"G{g}" for g in range(10)], fontsize=7)
        ax.tick_params(axis="y", labelsize=7)
    fig.colorbar(image, ax=axes[:, 0], shrink=0.6, label="samples / uniform expectation")
    fig.savefig(path, dpi=90, bbox_inches="tight")
    plt.close(fig)
    return path


def read_params(path: Path) -> tuple[list[str], list[int]]:
    """The models and seeds of the benchmark's params file (stacked/params.yaml)."""
    from omegaconf import OmegaConf

    if not path.is_file():
        raise GenlabError(f"Stacked MNIST params file not found: {path}")
    params = OmegaConf.load(path)
    models, seeds = list(params.get("models") or []), list(params.get("seeds") or [])
    if not models or not seeds:
        raise GenlabError(f"{path} must list `models` and `seeds`, got {models} and {seeds}")
    return [str(m) for m in models], [int(s) for s in seeds]


def save_real_grid(prepared_dir: Path, path: Path) -> Path:
    """The first 64 held-out stacks, as the models' grids show their samples."""
    from genlab.data.prepared import read_split
    from genlab.utils.grids import save_grid
    from genlab.utils.pixels import from_uint8

    images, _ = read_split(prepared_dir, "val")
    return save_grid(from_uint8(images[:64]), path, nrow=8)


def write_stacked_report(
    params_file: Path, metrics_dir: Path, figures_dir: Path, prepared_dir: Path, output_dir: Path
) -> Path:
    models, seeds = read_params(params_file)
    runs = load_runs(metrics_dir, models, seeds)
    output_dir.mkdir(parents=True, exist_ok=True)
    heatmaps = plot_heatmaps(runs, seeds, figures_dir.parent / HEATMAPS_NAME)
    real_grid = save_real_grid(prepared_dir, figures_dir.parent / REAL_GRID_NAME)
    first = next(iter(runs.values()))[0]
    reference = first["reference"]
    protocol = PROTOCOL.format(
        mode_samples=reference["mode_samples"], num_samples=first["num_samples"]
    )
    lines = ["# Stacked MNIST", "", protocol, "", "## genlab", ""]
    lines += genlab_table(runs, seeds)
    lines += ["", "## Published (modes / KL in nats)", ""]
    lines += published_table()
    lines += [
        "",
        "## Mode histograms",
        "",
        f"![mode histograms]({_relative(heatmaps, output_dir)})",
    ]
    lines += ["", "## Samples", "", "real data (held-out stacks):", ""]
    lines += [f"![real data]({_relative(real_grid, output_dir)})", ""]
    for model in runs:
        for seed in seeds:
            grid = figures_dir / f"{model}-seed{seed}_samples.png"
            lines += [
                f"{model}, seed {seed}:",
                "",
                f"![{model}]({_relative(grid, output_dir)})",
                "",
            ]
    report = output_dir / REPORT_NAME
    report.write_text("\n".join(lines) + "\n")
    return report


def _relative(path: Path, start: Path) -> str:
    return Path(path).resolve().relative_to(start.resolve()).as_posix()
