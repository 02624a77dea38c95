"""The comparison as one offline HTML page: every run's grid at one epoch, a slider that moves
all runs to another epoch together, and a table of differing params and scores that sorts by
any column (the grids follow its order).

The page is a single file with its style and script inline (no CDN: it opens from a laptop,
an artifact store or a cluster without internet). The grids are files beside it, referenced by
relative path and stored once: the page holds only their paths, however many runs and epochs
it shows.
The URL hash sets the state (`#epoch=5&sort=eval/fid&desc=1`), so a view can be shared and a
headless browser can drive the same code path the slider does.
"""

import html
import json
from pathlib import Path

from genlab.app.compare_runs import ComparedRun

SCRIPT = """
const data = JSON.parse(document.getElementById("data").textContent);
const slider = document.getElementById("epoch");
const label = document.getElementById("epoch-label");
const grids = document.getElementById("grids");
const tbody = document.querySelector("#scores tbody");
const state = {epoch: null, sort: null, desc: false};

function writeHash() {
  const parts = ["epoch=" + state.epoch];
  if (state.sort) parts.push("sort=" + encodeURIComponent(state.sort), "desc=" + (+state.desc));
  history.replaceState(null, "", "#" + parts.join("&"));
}

function showEpoch() {
  const epoch = data.epochs[+slider.value];
  state.epoch = epoch;
  label.textContent = "epoch " + epoch;
  document.body.dataset.epoch = epoch;
  for (const fig of grids.querySelectorAll("figure")) {
    const src = data.runs[+fig.dataset.index].grids[epoch];
    const img = fig.querySelector("img");
    fig.querySelector(".missing").hidden = !!src;
    img.hidden = !src;
    if (!src) { img.removeAttribute("src"); fig.dataset.shown = "none"; continue; }
    if (img.getAttribute("src") !== src) { fig.dataset.shown = "loading"; img.src = src; }
  }
  writeHash();
}

function cellValue(row, col) {
  const cell = row.children[col];
  return cell.dataset.num !== undefined ? parseFloat(cell.dataset.num) : cell.textContent;
}

function sortBy(key, desc) {
  const heads = [...document.querySelectorAll("#scores th")];
  const col = heads.findIndex(th => th.dataset.key === key);
  if (col < 0) return;
  heads.forEach(th => th.removeAttribute("aria-sort"));
  heads[col].setAttribute("aria-sort", desc ? "descending" : "ascending");
  const sign = desc ? -1 : 1;
  const rows = [...tbody.rows].sort((a, b) => {
    const x = cellValue(a, col), y = cellValue(b, col);
    const xm = Number.isNaN(x), ym = Number.isNaN(y);
    if (xm || ym) return xm - ym;  // runs without the score last, either way
    return sign * (typeof x === "number" ? x - y : String(x).localeCompare(String(y)));
  });
  for (const row of rows) {
    tbody.appendChild(row);
    grids.appendChild(grids.querySelector(`figure[data-index="${row.dataset.index}"]`));
  }
  state.sort = key; state.desc = desc;
  writeHash();
}

function applyHash(hash) {
  if (hash.has("epoch")) {
    const wanted = +hash.get("epoch");
    let index = data.epochs.findIndex(e => e >= wanted);
    if (index < 0) index = data.epochs.length - 1;
    slider.value = index;
    slider.dispatchEvent(new Event("input"));
  }
  if (hash.has("sort")) sortBy(hash.get("sort"), hash.get("desc") === "1");
}

slider.addEventListener("input", showEpoch);
document.getElementById("prev").onclick = () => {
  slider.stepDown(); slider.dispatchEvent(new Event("input"));
};
document.getElementById("next").onclick = () => {
  slider.stepUp(); slider.dispatchEvent(new Event("input"));
};
for (const th of document.querySelectorAll("#scores th")) {
  th.onclick = () => sortBy(th.dataset.key, state.sort === th.dataset.key && !state.desc);
}
for (const img of grids.querySelectorAll("img")) {
  // Set once the grid has decoded: what the browser shows, not only what was asked for.
  img.addEventListener("load", () => {
    img.parentElement.dataset.shown = img.getAttribute("src");
  });
}
const readHash = () => new URLSearchParams(location.hash.slice(1));
window.addEventListener("hashchange", () => applyHash(readHash()));
const initial = readHash();  // before showEpoch rewrites it
showEpoch();
applyHash(initial);
"""

STYLE = """
[hidden] { display: none !important; }
body { font: 14px system-ui, sans-serif; margin: 1em; }
#controls { position: sticky; top: 0; background: #fff; padding: .5em 0; z-index: 1; }
#epoch { width: 40em; max-width: 60vw; vertical-align: middle; }
#grids { display: flex; flex-wrap: wrap; gap: 1em; }
figure { margin: 0; width: 240px; }
figure img { width: 240px; image-rendering: pixelated; display: block; }
figcaption { font-size: 12px; overflow-wrap: anywhere; }
.missing { width: 240px; height: 240px; background: #eee; display: flex; align-items: center;
  justify-content: center; }
table { border-collapse: collapse; margin-top: 1.5em; }
th, td { border: 1px solid #ccc; padding: .2em .5em; text-align: left; }
th { cursor: pointer; background: #f4f4f4; }
th[aria-sort=ascending]::after { content: " ▲"; }
th[aria-sort=descending]::after { content: " ▼"; }
"""


def _cell(value: object) -> str:
    if isinstance(value, float):
        return f'<td data-num="{value!r}">{value:.4g}</td>'
    if value is None:
        return '<td data-num="NaN">–</td>'
    return f"<td>{html.escape(str(value))}</td>"


def write_page(
    runs: list[ComparedRun],
    local_grids: list[dict[int, str]],
    params: list[str],
    path: Path,
    title: str,
) -> Path:
    """`local_grids[i]`: run i's grids, epoch -> path relative to the page's folder. The page
    opens on the last epoch any run logged."""
    epochs = sorted({e for grids in local_grids for e in grids})
    scores = [k for k in dict.fromkeys(k for r in runs for k in r.scores)]
    data = {
        "epochs": epochs,
        "runs": [
            {"id": r.run_id, "name": r.name, "grids": {str(e): p for e, p in g.items()}}
            for r, g in zip(runs, local_grids, strict=True)
        ],
    }
    figures, rows = [], []
    for i, run in enumerate(runs):
        name = html.escape(run.name)
        figures.append(
            f'<figure data-index="{i}" data-run="{run.run_id}"><img alt="{name}">'
            f'<div class="missing" hidden>no grid at this epoch</div>'
            f"<figcaption>{name}</figcaption></figure>"
        )
        cells = [_cell(run.name)]
        cells += [_cell(run.params.get(k, "n/a")) for k in params]
        cells += [_cell(run.scores.get(k)) for k in scores]
        rows.append(f'<tr data-index="{i}">' + "".join(cells) + "</tr>")
    heads = ["run", *params, *scores]
    head = "".join(f'<th data-key="{html.escape(k)}">{html.escape(k)}</th>' for k in heads)
    # `</` inside a JSON string would end the script element early.
    payload = json.dumps(data).replace("</", "<\\/")
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>{STYLE}</style></head>
<body>
<h1>{html.escape(title)}</h1>
<div id="controls"><button id="prev" type="button">&#9664;</button>
<input id="epoch" type="range" min="0" max="{max(len(epochs) - 1, 0)}" step="1"
 value="{max(len(epochs) - 1, 0)}" aria-label="epoch">
<button id="next" type="button">&#9654;</button> <span id="epoch-label"></span></div>
<div id="grids">{"".join(figures)}</div>
<table id="scores"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>
<p>Scores are each run's latest values. Click a column to sort; the grids follow.</p>
<script id="data" type="application/json">{payload}</script>
<script>{SCRIPT}</script>
</body></html>
"""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page, encoding="utf-8")
    return path
