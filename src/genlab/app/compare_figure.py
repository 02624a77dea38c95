"""One figure of the compared runs' sample grids side by side, each panel titled with what
tells the runs apart: the run's name, its differing params and its scores."""

import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from PIL import Image  # noqa: E402

from genlab.app.compare_runs import ComparedRun  # noqa: E402
from genlab.app.report import save_figure  # noqa: E402

COLUMNS = 4
# A title names this many differing params; the page's table has them all.
TITLE_PARAMS = 4


def short_param(key: str) -> str:
    """`model/augment/cutout` -> `augment/cutout`: the group is clear from the value."""
    return key.split("/", 1)[1] if key.startswith("model/") else key


def panel_title(run: ComparedRun, epoch: int | None, params: list[str]) -> str:
    lines = [run.name if epoch is None else f"{run.name}  (epoch {epoch})"]
    shown = [f"{short_param(k)}={run.params.get(k, 'n/a')}" for k in params[:TITLE_PARAMS]]
    lines.extend(shown)
    scores = [f"{k} {v:.3g}" for k, v in run.scores.items() if k in ("eval/fid", "val/fid")]
    lines.append("  ".join(scores) or "not scored")
    return "\n".join(lines)


def build_figure(
    runs: list[ComparedRun],
    epochs: list[int | None],
    local_grids: list[Path | None],
    params: list[str],
) -> Figure:
    """One panel per run, in the runs' order; the panels left over in the last row are blank."""
    columns = min(len(runs), COLUMNS)
    rows = math.ceil(len(runs) / columns)
    fig, axes = plt.subplots(rows, columns, figsize=(3.6 * columns, 4.2 * rows), squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for ax, run, epoch, grid in zip(axes.flat, runs, epochs, local_grids, strict=False):
        if grid is not None:
            with Image.open(grid) as image:
                ax.imshow(image.convert("RGB"))
        else:
            ax.text(0.5, 0.5, "no sample grid", ha="center", va="center")
        ax.set_title(panel_title(run, epoch, params), fontsize=8)
    return fig


def grids_figure(
    runs: list[ComparedRun],
    epochs: list[int | None],
    local_grids: list[Path | None],
    params: list[str],
    path: Path,
) -> Path:
    save_figure(build_figure(runs, epochs, local_grids, params), path)
    return path
