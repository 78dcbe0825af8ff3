"""Run directories: new, resumable, finished, or foreign, and never clobbered."""

import json

import pytest

from kgan.training import runs


def test_missing_or_empty_directory_is_a_new_run(tmp_path):
    assert runs.inspect_run(tmp_path / "missing").kind == "new"
    assert runs.inspect_run(tmp_path).kind == "new"


def test_checkpoints_without_finished_marker_resume_from_the_newest(tmp_path):
    runs.claim(tmp_path)
    (tmp_path / "checkpoints").mkdir()
    for epoch in (3, 4):
        (tmp_path / "checkpoints" / f"epoch_{epoch:04d}.keras").write_bytes(b"x")
    (tmp_path / "config.json").write_text(json.dumps({"arch": "dcgan", "batch_size": 64}))
    state = runs.inspect_run(tmp_path)
    assert state.kind == "resumable" and state.epoch == 4 and state.checkpoint.name == "epoch_0004.keras"
    assert state.config["arch"] == "dcgan"


def test_finished_marker_makes_a_finished_run(tmp_path):
    runs.claim(tmp_path)
    (tmp_path / "config.json").write_text("{}")
    runs.mark_finished(tmp_path, export_path=tmp_path / "saved_models" / "x" / "1")
    assert runs.inspect_run(tmp_path).kind == "finished"
    runs.clear_run(tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == [runs.MARKER]  # still kgan's folder, now empty of the run
    assert runs.inspect_run(tmp_path).kind == "new"


def test_overwrite_deletes_only_what_the_run_wrote(tmp_path):
    runs.claim(tmp_path)
    for name in ("samples", "checkpoints"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "x.png").write_bytes(b"x")
    (tmp_path / "config.json").write_text("{}")
    (tmp_path / "notes.txt").write_text("mine")
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "digits.npz").write_bytes(b"mine too")
    runs.mark_finished(tmp_path)
    runs.clear_run(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", runs.MARKER, "notes.txt"]
    assert (tmp_path / "data" / "digits.npz").read_bytes() == b"mine too"


@pytest.mark.parametrize(
    "files",
    [
        {"config.json": "{}"},  # another program's settings: not kgan's, whatever the name
        {"config.json": "{}", "finished.json": "{}"},
        {"config.json": "{}", "checkpoints/epoch_0001.keras": "x"},
    ],
)
def test_a_folder_without_the_marker_is_never_taken_for_a_run(tmp_path, files):
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    with pytest.raises(FileExistsError, match="not a kgan run"):
        runs.inspect_run(tmp_path)


def test_a_damaged_config_names_the_file(tmp_path):
    runs.claim(tmp_path)
    (tmp_path / "config.json").write_text("{not json")
    with pytest.raises(ValueError, match="config.json is not valid JSON"):
        runs.inspect_run(tmp_path)


def test_a_foreign_directory_is_refused(tmp_path):
    (tmp_path / "thesis.tex").write_text("keep me")
    with pytest.raises(FileExistsError, match="not a kgan run"):
        runs.inspect_run(tmp_path)
    (tmp_path / "file").write_text("")
    with pytest.raises(FileExistsError, match="is a file"):
        runs.inspect_run(tmp_path / "file")


def test_resuming_with_different_settings_names_the_flag():
    runs.check_resumable({"arch": "dcgan", "epochs": 5}, {"arch": "dcgan", "epochs": 10})  # more epochs is fine
    with pytest.raises(ValueError, match="batch_size=64.*--batch-size 32"):
        runs.check_resumable({"batch_size": 64}, {"batch_size": 32})
