"""The report shows the numbers of the metrics JSONs, in the right columns, with the reference
row, KID's scale and the conditional columns when a conditional model is there; the sweep
report averages runs over seeds and flags overlapping models."""

import json
import re
from pathlib import Path

import pytest
from PIL import Image

from genlab.app.report import write_report


def scores(fid: float, **extra) -> dict:
    values = {
        "fid": fid,
        "fid_low": fid - 1,
        "fid_high": fid + 1,
        "kid": fid / 10,
        "kid_low": fid / 10 - 0.5,
        "kid_high": fid / 10 + 0.5,
        "is_mean": 9 - fid / 10,
        "is_std": 0.1,
        "precision": 0.71,
        "recall": 0.42,
        "density": 0.93,
        "coverage": 0.55,
        "memorization_ratio": 1.08,
    }
    return values | extra


def write_model(folder: Path, name: str, result: dict) -> None:
    (folder / "metrics").mkdir(exist_ok=True)
    (folder / "figures").mkdir(exist_ok=True)
    (folder / "metrics" / f"{name}.json").write_text(json.dumps(result))
    Image.new("L", (16, 16)).save(folder / "figures" / f"{name}_samples.png")


def table_rows(report: str) -> dict[str, list[str]]:
    rows = {}
    for line in report.splitlines():
        if line.startswith("| ") and not line.startswith("| model"):
            cells = [c.strip() for c in line.strip("|").split("|")]
            rows[cells[0]] = cells[1:]
    return rows


def test_report_values_are_the_metrics_json_values(tmp_path: Path) -> None:
    reference = scores(
        1.4, split="val vs train", num_samples=1000, label_accuracy=0.97, intra_fid=9.5
    )
    base = {"data": "mnist5k", "features": "classifier", "num_samples": 1000}
    write_model(tmp_path, "dcgan", base | scores(23.6) | {"model": "dcgan", "reference": reference})
    cond = scores(5.2) | {"label_accuracy": 0.985, "intra_fid": 14.25, "conditional": True}
    write_model(tmp_path, "cdcgan", base | cond | {"model": "cdcgan", "reference": reference})

    report = write_report(tmp_path / "metrics", tmp_path / "figures", None, tmp_path).read_text()
    header = next(line for line in report.splitlines() if line.startswith("| model"))
    columns = [c.strip() for c in header.strip("|").split("|")][1:]
    rows = table_rows(report)
    for name, expected in [("dcgan", scores(23.6)), ("cdcgan", cond)]:
        row = dict(zip(columns, rows[name], strict=True))
        assert row["FID ↓"].startswith(f"{expected['fid']:.2f} [")
        assert row["IS ↑"].startswith(f"{expected['is_mean']:.2f} ±")
        assert row["KID ↓"] == (
            f"{expected['kid']:.2f} [{expected['kid_low']:.2f}, {expected['kid_high']:.2f}]"
        )
        assert row["precision ↑"] == f"{expected['precision']:.3f}"
        assert row["coverage ↑"] == f"{expected['coverage']:.3f}"
        assert row["memorization ratio"] == f"{expected['memorization_ratio']:.2f}"
    assert dict(zip(columns, rows["cdcgan"], strict=True))["label accuracy ↑"] == "98.5%"
    assert dict(zip(columns, rows["dcgan"], strict=True))["label accuracy ↑"] == "–"
    real = dict(zip(columns, rows["*real data (val vs train, 1000)*"], strict=True))
    assert real["FID ↓"].startswith("1.40") and real["intra-class FID ↓"] == "9.50"
    assert "features' own units" in report
    # KID's intervals: the cdcgan's (0.02, 1.02) overlaps real data's (-0.36, 0.64), the dcgan's
    # (1.86, 2.86) does not; the report says which rows KID cannot separate.
    assert "KID cannot tell cdcgan from real data" in report


def test_no_kid_note_when_every_model_is_apart_from_real_data(tmp_path: Path) -> None:
    reference = scores(1.4, split="val vs train", num_samples=1000)
    base = {"data": "mnist5k", "features": "classifier", "num_samples": 1000}
    write_model(tmp_path, "vae", base | scores(20.0) | {"model": "vae", "reference": reference})
    report = write_report(tmp_path / "metrics", tmp_path / "figures", None, tmp_path).read_text()
    assert "KID cannot tell" not in report
    assert re.search(r"floor for FID", report)


def test_sweep_report_averages_seeds_and_flags_overlaps(tmp_path: Path, monkeypatch) -> None:
    from mlflow import MlflowClient

    from genlab.app.sweep_report import write_sweep_report

    uri = f"sqlite:///{tmp_path}/mlflow.db"
    client = MlflowClient(uri)
    experiment = client.create_experiment("sweep")
    fids = {"gan": [30.0, 34.0], "dcgan": [20.0, 22.0], "vae": [21.5, 23.5]}
    for model, values in fids.items():
        for seed, fid in enumerate(values):
            run = client.create_run(
                experiment, tags={"model": model, "seed": str(seed), "sweep": "s1"}
            )
            client.log_metric(run.info.run_id, "eval/fid", fid)
            client.log_metric(run.info.run_id, "eval/is_mean", 5.0 + seed)
            client.set_terminated(run.info.run_id)
    report = write_sweep_report(uri, "s1", None, tmp_path).read_text()
    rows = table_rows(report)
    assert rows["dcgan"][:2] == ["2", "21 ± 1.4"]
    assert rows["gan"][1] == "32 ± 2.8"
    assert "**dcgan and vae overlap**" in report
    assert report.count(" overlap**") == 1  # gan (32 ± 2.8) is apart from both
    assert (tmp_path / "sweep.png").read_bytes()[:4] == b"\x89PNG"
    with pytest.raises(Exception, match="no evaluated runs"):
        write_sweep_report(uri, "other-sweep", None, tmp_path)
