"""Run directories: new, resumable, finished, or foreign, and never clobbered."""

import json

import pytest

from kgan.training import runs


def test_missing_or_empty_directory_is_a_new_run(tmp_path):
    assert runs.inspect_run(tmp_path / "missing").kind == "new"
    assert runs.inspect_run(tmp_path).kind == "new"


def test_checkpoints_without_finished_marker_resume_from_the_newest(tmp_path):
    runs.claim(tmp_path)
    write_checkpoints(tmp_path / "checkpoints", [3, 4])
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


def test_a_folder_another_process_is_claiming_is_a_new_run_but_not_with_other_files(tmp_path):
    # The window in which the chief of a multi-worker run has made the folder and is writing its marker: a worker
    # inspecting it then must not take it for a foreign folder (it did once in CI).
    (tmp_path / ".tmp-kgan-run-pid4242-abc123.json").write_text("{")
    assert runs.inspect_run(tmp_path).kind == "new"
    runs.claim(tmp_path)  # and the claim goes ahead
    assert (tmp_path / runs.MARKER).is_file()
    (tmp_path / runs.MARKER).unlink()
    (tmp_path / "thesis.tex").write_text("keep me")
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


def test_a_trainer_of_its_own_names_its_flags_too():
    """CycleGAN's and StackGAN's refusals name their scripts' flags, `--` + the setting, unless renamed."""
    keys = ["stage1_epochs", "domain_a", "variant"]
    renamed = {"domain_a": "--data-path-a", "variant": "variant="}
    runs.check_resumable({"stage1_epochs": 5}, {"stage1_epochs": 5}, keys=keys, renamed=renamed)
    with pytest.raises(ValueError, match="stage1_epochs=5; resuming it with --stage1-epochs 3 would"):
        runs.check_resumable({"stage1_epochs": 5}, {"stage1_epochs": 3}, keys=keys)
    with pytest.raises(ValueError, match="resuming it with --data-path-a 'zebras/'"):
        runs.check_resumable({"domain_a": "horses/"}, {"domain_a": "zebras/"}, keys=keys, renamed=renamed)
    with pytest.raises(ValueError, match="resuming it with variant='gan'"):
        runs.check_resumable({"variant": "cyclegan"}, {"variant": "gan"}, keys=keys, renamed=renamed)


# Checkpoints you can trust (issue 19): a damaged newest checkpoint is skipped, kept aside, and named.


def write_checkpoints(directory, epochs, sidecar=True):
    """Real `.keras` checkpoints of a tiny model, written by the `Checkpoint` callback (file, then checksum)."""
    import keras

    from kgan.callbacks import Checkpoint

    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    callback = Checkpoint(directory, keep=10)
    callback.set_model(model)
    for epoch in epochs:
        callback.on_epoch_end(epoch - 1, {})
        if not sidecar:  # as an older kgan wrote them
            Checkpoint.checksum_path(directory / f"epoch_{epoch:04d}.keras").unlink()
    return [directory / f"epoch_{epoch:04d}.keras" for epoch in epochs]


def truncate(path):
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def empty(path):
    path.write_bytes(b"")


def damage_inside(path):
    data = bytearray(path.read_bytes())
    middle = len(data) // 2  # inside the weights, past the zip headers
    data[middle : middle + 64] = bytes(b ^ 0xFF for b in data[middle : middle + 64])
    path.write_bytes(bytes(data))


DAMAGES = {"truncated": truncate, "zero-byte": empty, "damaged-inside": damage_inside}


def test_a_written_checkpoint_verifies_and_carries_its_checksum(tmp_path):
    from kgan.callbacks import Checkpoint

    (path,) = write_checkpoints(tmp_path, [1])
    assert Checkpoint.verify(path) is None
    digest, name = Checkpoint.checksum_path(path).read_text().split()
    assert name == path.name and len(digest) == 64
    assert not list(tmp_path.glob(".tmp-*"))


@pytest.mark.parametrize("sidecar", [True, False], ids=["with-checksum", "older-kgan-no-checksum"])
@pytest.mark.parametrize("damage", list(DAMAGES))
def test_resume_walks_back_past_a_damaged_newest_checkpoint(tmp_path, damage, sidecar):
    runs.claim(tmp_path)
    (tmp_path / "config.json").write_text("{}")
    paths = write_checkpoints(tmp_path / "checkpoints", [1, 2, 3], sidecar=sidecar)
    DAMAGES[damage](paths[2])
    state = runs.inspect_run(tmp_path)
    assert state.kind == "resumable" and state.epoch == 2 and state.checkpoint == paths[1]
    ((skipped, reason),) = state.skipped
    assert skipped == paths[2] and reason


def test_every_damage_has_its_own_reason(tmp_path):
    from kgan.callbacks import Checkpoint

    paths = write_checkpoints(tmp_path, [1, 2, 3])
    for path, damage in zip(paths, DAMAGES.values()):
        damage(path)
    assert "SHA-256" in Checkpoint.verify(paths[0]) and "SHA-256" in Checkpoint.verify(paths[2])
    assert "empty" in Checkpoint.verify(paths[1])
    for path in paths:
        Checkpoint.checksum_path(path).unlink()
    assert "zip" in Checkpoint.verify(paths[0]) and "CRC" in Checkpoint.verify(paths[2])


def test_set_aside_keeps_the_bad_file_and_its_checksum(tmp_path, capsys):
    runs.claim(tmp_path)
    (tmp_path / "config.json").write_text("{}")
    paths = write_checkpoints(tmp_path / "checkpoints", [1, 2])
    truncate(paths[1])
    content = paths[1].read_bytes()
    runs.set_aside(runs.inspect_run(tmp_path).skipped)
    assert "Skipping the checkpoint epoch_0002.keras" in capsys.readouterr().out
    assert (tmp_path / "checkpoints" / "epoch_0002.keras.corrupt").read_bytes() == content
    assert (tmp_path / "checkpoints" / "epoch_0002.keras.corrupt.sha256").is_file()
    state = runs.inspect_run(tmp_path)
    assert state.epoch == 1 and not state.skipped


def test_no_checkpoint_verifies_means_a_new_run_that_keeps_the_files(tmp_path):
    runs.claim(tmp_path)
    (tmp_path / "config.json").write_text("{}")
    (path,) = write_checkpoints(tmp_path / "checkpoints", [1])
    empty(path)
    state = runs.inspect_run(tmp_path)
    assert state.kind == "new" and state.skipped == ((path, "it is empty (0 bytes)"),)
    assert path.exists()  # inspecting never moves a file


# Stale temporaries: a dead writer's are removed at the next start, a live one's and the user's stay.


@pytest.fixture(scope="module")
def dead_pid():
    import subprocess
    import sys

    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


@pytest.mark.parametrize(
    "place, name, is_dir",
    [
        ("", ".tmp-history-pid{pid}-a1b2c3d4.csv", False),
        ("checkpoints", ".tmp-epoch_0003-pid{pid}-k9_x7y2z.keras", False),
        ("samples", ".tmp-epoch_0003-pid{pid}-abcdefgh.png", False),
        ("saved_models/mnist", ".tmp-2-pid{pid}-zz00yy11", True),
    ],
)
def test_a_dead_writers_temporaries_are_removed(tmp_path, dead_pid, place, name, is_dir):
    stale = tmp_path / place / name.format(pid=dead_pid)
    stale.parent.mkdir(parents=True, exist_ok=True)
    if is_dir:
        (stale / "variables").mkdir(parents=True)
        (stale / "saved_model.pb").write_bytes(b"half")
    else:
        stale.write_bytes(b"half")
    assert runs.remove_stale(tmp_path, tmp_path / "saved_models" / "mnist") == [stale]
    assert not stale.exists()


def test_a_live_writers_and_the_users_temporaries_stay(tmp_path):
    import os
    import time

    kept = [
        tmp_path / f".tmp-history-pid{os.getpid()}-a1b2c3d4.csv",  # this process's
        tmp_path / f".tmp-history-pid{os.getppid()}-a1b2c3d4.csv",  # a live process's
        tmp_path / ".tmp-history-a1b2c3d4.csv",  # an older kgan's, but recent: perhaps being written
        tmp_path / ".tmp-my notes.txt",  # not a name kgan writes
    ]
    for path in kept:
        path.write_text("x")
    old = time.time() - 3600
    os.utime(kept[3], (old, old))
    stale = tmp_path / ".tmp-config-q1w2e3r4.json"  # an older kgan's, an hour old
    stale.write_text("x")
    os.utime(stale, (old, old))
    assert runs.remove_stale(tmp_path) == [stale]
    assert all(path.exists() for path in kept)


# Publishing the export and finishing: a run killed in between finishes without a second version.


def test_a_published_export_named_in_the_intent_is_found(tmp_path):
    version = tmp_path / "saved_models" / "mnist" / "1"
    runs.intend_to_publish(tmp_path, version)
    assert runs.published_export(tmp_path) is None  # killed before the export appeared
    version.mkdir(parents=True)
    (version / "saved_model.pb").write_bytes(b"pb")
    assert runs.published_export(tmp_path) == version
    runs.mark_finished(tmp_path, export_path=version)
    assert not (tmp_path / runs.PUBLISHING).exists() and runs.published_export(tmp_path) is None


@pytest.mark.parametrize("text", ["", "{", '{"other": 1}', "[]"])
def test_an_unreadable_intent_means_nothing_was_published(tmp_path, text):
    (tmp_path / runs.PUBLISHING).write_text(text)
    assert runs.published_export(tmp_path) is None


def test_overwrite_clears_the_intent(tmp_path):
    runs.claim(tmp_path)
    runs.intend_to_publish(tmp_path, tmp_path / "saved_models" / "mnist" / "1")
    runs.mark_finished(tmp_path)
    (tmp_path / runs.PUBLISHING).write_text("{}")  # killed between finished.json and removing the intent
    runs.clear_run(tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == [runs.MARKER]


# The lifecycle every trainer shares (prepare, load the newest, publish once): the helpers themselves.


def _keras_load(path):
    import keras

    return keras.saving.load_model(path)


def test_load_newest_walks_back_past_one_that_does_not_load_and_sets_it_aside(tmp_path, capsys):
    paths = write_checkpoints(tmp_path, [1, 2, 3])

    def load(path):
        if path == paths[2]:
            raise OSError("unreadable layer config\nsecond line")
        return _keras_load(path)

    model, epoch = runs.load_newest([tmp_path], load)
    assert epoch == 2 and model is not None
    out = capsys.readouterr().out
    assert "Skipping the checkpoint epoch_0003.keras: Keras could not load it (OSError: unreadable layer config)" in out
    assert "Resuming the interrupted run after epoch 2" in out
    assert (tmp_path / "epoch_0003.keras.corrupt").is_file() and paths[1].is_file()


def test_load_newest_without_move_skips_and_keeps_the_files(tmp_path):
    paths = write_checkpoints(tmp_path, [1, 2])
    truncate(paths[1])
    _, epoch = runs.load_newest([tmp_path], _keras_load, move=False)  # a worker reading the chief's run
    assert epoch == 1 and paths[1].is_file() and not list(tmp_path.glob("*.corrupt"))


def test_load_newest_with_nothing_loadable_starts_again_and_says_so(tmp_path, capsys):
    (path,) = write_checkpoints(tmp_path, [1])
    empty(path)
    assert runs.load_newest([tmp_path], _keras_load) == (None, 0)
    assert "training again from epoch 1" in capsys.readouterr().out
    assert runs.load_newest([tmp_path / "none"], _keras_load) == (None, 0)


def test_another_models_checkpoint_is_refused_and_moves_nothing(tmp_path):
    paths = write_checkpoints(tmp_path, [1, 2])

    def load(path):
        raise runs.OtherModelError(f"another model's run. Received: {path}")

    with pytest.raises(runs.OtherModelError, match="another model's run"):
        runs.load_newest([tmp_path], load)
    assert all(path.is_file() for path in paths) and not list(tmp_path.glob("*.corrupt"))


def test_the_newest_checkpoint_is_looked_for_in_the_folder_written_last_first(tmp_path):
    runs.claim(tmp_path)
    (tmp_path / "config.json").write_text("{}")
    write_checkpoints(tmp_path / "checkpoints" / "stage1", [1, 2, 3])
    (stage2,) = write_checkpoints(tmp_path / "checkpoints" / "stage2", [1])
    folders = ["checkpoints/stage2", "checkpoints/stage1"]
    state = runs.prepare_run_dir(tmp_path, checkpoints=folders)
    assert state.kind == "resumable" and state.checkpoint == stage2 and state.epoch == 1
    _, epoch = runs.load_newest([tmp_path / folder for folder in folders], _keras_load)
    assert epoch == 1


def test_prepare_refuses_a_finished_run_unless_overwritten(tmp_path):
    runs.claim(tmp_path)
    (tmp_path / "config.json").write_text("{}")
    runs.mark_finished(tmp_path)
    with pytest.raises(FileExistsError, match="holds a finished run; pass --overwrite"):
        runs.prepare_run_dir(tmp_path)
    assert runs.prepare_run_dir(tmp_path, overwrite=True).kind == "new"
    assert [p.name for p in tmp_path.iterdir()] == [runs.MARKER]


def test_publish_exports_once_even_when_killed_before_finishing(tmp_path, capsys):
    runs.claim(tmp_path)
    model_dir = tmp_path / "saved_models" / "mnist"
    exported = []

    def export(version):
        exported.append(version)
        path = model_dir / str(version)
        path.mkdir(parents=True)
        (path / "saved_model.pb").write_bytes(b"pb")
        return path

    (model_dir / "1").mkdir(parents=True)  # an earlier version: the next one is 2
    (model_dir / "1" / "saved_model.pb").write_bytes(b"pb")
    runs.intend_to_publish(tmp_path, model_dir / "2")
    export(2)  # killed after the export appeared, before finished.json
    assert runs.publish(tmp_path, model_dir, export) == model_dir / "2"
    assert exported == [2] and "not exporting again" in capsys.readouterr().out
    assert runs.inspect_run(tmp_path).kind == "finished"
    assert json.loads((tmp_path / runs.FINISHED).read_text())["export_path"] == str(model_dir / "2")


def test_publish_without_an_export_only_finishes(tmp_path):
    runs.claim(tmp_path)
    assert runs.publish(tmp_path, None, lambda version: pytest.fail("no export was asked for")) is None
    assert runs.inspect_run(tmp_path).kind == "finished"


def test_load_newest_does_not_verify_again_what_inspect_run_verified(tmp_path, monkeypatch):
    from kgan.callbacks import Checkpoint

    runs.claim(tmp_path)
    (tmp_path / "config.json").write_text("{}")
    paths = write_checkpoints(tmp_path / "checkpoints", [1, 2, 3])
    truncate(paths[2])
    state = runs.inspect_run(tmp_path)
    verified = []
    verify = Checkpoint.verify
    monkeypatch.setattr(Checkpoint, "verify", staticmethod(lambda path: verified.append(path) or verify(path)))
    _, epoch = runs.load_newest([tmp_path / "checkpoints"], _keras_load, state=state)
    assert epoch == 2 and verified == [] and (tmp_path / "checkpoints" / "epoch_0003.keras.corrupt").is_file()
