"""The hand-off file is relative to the project root: moved, it names the new place's files."""

from pathlib import Path

from genlab.app.handoff import TrainResult
from genlab.tracking.ref import RunRef


def test_a_hand_off_written_in_one_root_reads_back_in_another(tmp_path: Path) -> None:
    old, new = tmp_path / "old", tmp_path / "new"
    result = TrainResult(
        checkpoint=str(old / "models/gan/checkpoints/epoch009.ckpt"),
        sample_grid=str(old / "models/gan/samples/epoch_010.png"),
        run=RunRef(f"sqlite:///{old}/mlflow.db", "abc"),
        metrics={"val/fid": 3.5},
        monitor="val/fid",
    )
    result.write(old / "models/gan/train.json", root=old)
    text = (old / "models/gan/train.json").read_text()
    assert str(old) not in text
    (new / "models/gan").mkdir(parents=True)
    (new / "models/gan/train.json").write_text(text)

    moved = TrainResult.read(new / "models/gan/train.json", root=new)
    assert moved.checkpoint == str(new / "models/gan/checkpoints/epoch009.ckpt")
    assert moved.sample_grid == str(new / "models/gan/samples/epoch_010.png")
    assert moved.run == RunRef(f"sqlite:///{new}/mlflow.db", "abc")
    assert moved.monitored_value == 3.5


def test_paths_outside_the_root_and_servers_stay_as_they_are(tmp_path: Path) -> None:
    result = TrainResult(
        checkpoint="/elsewhere/model.ckpt",
        sample_grid=None,
        run=RunRef("http://127.0.0.1:5000", "abc"),
    )
    result.write(tmp_path / "train.json", root=tmp_path / "project")
    back = TrainResult.read(tmp_path / "train.json", root=tmp_path / "other")
    assert back.checkpoint == "/elsewhere/model.ckpt" and back.sample_grid is None
    assert back.run == RunRef("http://127.0.0.1:5000", "abc")
