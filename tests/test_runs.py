"""Run directories: new, resumable, finished, or foreign, and never clobbered."""

import json

import pytest

from kgan.training import runs


def test_missing_or_empty_directory_is_a_new_run(tmp_path):
    assert runs.inspect_run(tmp_path / "missing").kind == "new"
    assert runs.inspect_run(tmp_path).kind == "new"


def test_checkpoints_without_finished_marker_resume_from_the_newest(tmp_path):
    (tmp_path / "checkpoints").mkdir()
    for epoch in (3, 4):
        (tmp_path / "checkpoints" / f"epoch_{epoch:04d}.keras").write_bytes(b"x")
    (tmp_path / "config.json").write_text(json.dumps({"arch": "dcgan", "batch_size": 64}))
    state = runs.inspect_run(tmp_path)
    assert state.kind == "resumable" and state.epoch == 4 and state.checkpoint.name == "epoch_0004.keras"
    assert state.config["arch"] == "dcgan"


def test_finished_marker_makes_a_finished_run(tmp_path):
    (tmp_path / "config.json").write_text("{}")
    runs.mark_finished(tmp_path, export_path=tmp_path / "saved_models" / "x" / "1")
    assert runs.inspect_run(tmp_path).kind == "finished"
    runs.clear_run(tmp_path)
    assert list(tmp_path.iterdir()) == []


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
