"""CycleGAN's run folder: kgan's marker, a killed run resumed bit for bit, refusals, --overwrite, the flags."""

import contextlib
import functools
import io
import json
import shutil

import keras
import numpy as np
import pytest
from PIL import Image

from conftest import load_script
from kgan.cli import main as kgan_main
from kgan.cli.errors import run_main
from kgan.training import runs
from kgan.training.cyclegan import train_cyclegan


class Killed(Exception):
    """Stands for a SIGKILL between two epochs: the run stops with its checkpoints as they are."""


class KillAtEpoch(keras.callbacks.Callback):
    def __init__(self, epoch):
        super().__init__()
        self.epoch = epoch

    def on_epoch_begin(self, epoch, logs=None):
        if epoch == self.epoch:
            raise Killed()


def write_folder(path, count, low, high, seed):
    rng = np.random.default_rng(seed)
    path.mkdir(parents=True)
    for i in range(count):
        Image.fromarray(rng.integers(low, high, size=(8, 8), dtype=np.uint8)).save(path / f"{i:03d}.png")
    return str(path)


@pytest.fixture(scope="module")
def settings(tmp_path_factory):
    root = tmp_path_factory.mktemp("domains")
    return dict(
        domain_a=write_folder(root / "a", 10, 0, 100, 0),
        domain_b=write_folder(root / "b", 6, 150, 256, 1),
        image_size=8,
        size="small",
        batch_size=4,
        epochs=2,
        pool_size=3,  # full after the first step: the later steps swap past fakes at random
        export_name=None,  # the export's own tests are in test_cyclegan.py
        verbose=0,
    )


@pytest.fixture(scope="module")
def straight(settings, tmp_path_factory):
    """An uninterrupted run of two epochs (two steps each)."""
    output = tmp_path_factory.mktemp("straight") / "run"
    return output, *train_cyclegan(output, **settings)


@pytest.fixture(scope="module")
def killed(settings, tmp_path_factory):
    """The same run, killed before its second epoch: the marker, config.json and epoch 1's checkpoint."""
    output = tmp_path_factory.mktemp("killed") / "run"
    with pytest.raises(Killed):
        train_cyclegan(output, callbacks=[KillAtEpoch(1)], **settings)
    return output


def everything(model):
    """Every number a resumed run must get back: weights, pools, both optimizers (the schedule's step) and RNGs."""
    optimizers = model.d_optimizer.variables + model.g_optimizer.variables
    rngs = [model.pool_a.seed_generator.state, model.pool_b.seed_generator.state]
    return [np.asarray(v) for v in model.weights + optimizers + rngs]


def test_a_killed_run_resumes_with_the_same_call_and_ends_as_an_uninterrupted_one(straight, settings, killed, tmp_path):
    assert runs.inspect_run(killed).kind == "resumable" and runs.inspect_run(killed).epoch == 1
    output = tmp_path / "run"
    shutil.copytree(killed, output)
    model, history, export = train_cyclegan(output, **settings)
    assert history.epoch == [1]
    reference = everything(straight[1])
    resumed = everything(model)
    assert len(resumed) == len(reference)
    for mine, theirs in zip(resumed, reference):
        np.testing.assert_array_equal(mine, theirs)
    assert int(model.g_optimizer.iterations.numpy()) == 4  # the learning-rate schedule's step went on
    # The weights above are the bit-exact claim. The logged epoch loss differed in its last bits once (a CI run on an
    # Intel Xeon: 2e-6 of 30.85) while every weight was equal, so it is compared to float32 rounding.
    np.testing.assert_allclose(straight[2].history["g_loss"][1:], history.history["g_loss"], rtol=1e-6)
    assert (output / "history.csv").read_text().count("\n") == 3  # the header and two epochs
    assert export is None and (output / runs.FINISHED).is_file()


def test_the_run_folder_is_kgans_with_its_settings_and_a_finished_run_is_not_trained_again(straight, settings):
    output = straight[0]
    marker = json.loads((output / runs.MARKER).read_text())
    assert set(marker["writes"]) >= {"config.json", "checkpoints", "samples", "saved_models", "history.csv"}
    config = json.loads((output / runs.CONFIG).read_text())
    assert config["variant"] == "cyclegan" and config["steps_per_epoch"] == 2 and config["image_size"] == [8, 8]
    with pytest.raises(FileExistsError, match="finished run; pass --overwrite"):
        train_cyclegan(output, **settings)


@pytest.mark.parametrize(
    "change,message",
    [
        (dict(batch_size=2), "batch_size=4; resuming it with --batch-size 2"),
        (dict(epochs=3), "epochs=2; resuming it with --epochs 3"),
        (dict(domain_b="uci_digits"), "with --data-path-b 'uci_digits'"),
        (dict(pool_size=5), "with --pool-size 5"),
    ],
)
def test_resuming_with_other_settings_of_the_run_is_refused_before_anything_changes(killed, settings, change, message):
    before = sorted(p.name for p in (killed / "checkpoints").iterdir())
    with pytest.raises(ValueError, match=message) as caught:
        train_cyclegan(killed, **{**settings, **change})
    assert "\n" not in str(caught.value)
    assert sorted(p.name for p in (killed / "checkpoints").iterdir()) == before


def test_a_run_of_kgan_train_is_not_resumed_as_a_cyclegan(killed, settings, tmp_path):
    output = tmp_path / "run"
    shutil.copytree(killed, output)
    config = json.loads((output / runs.CONFIG).read_text())
    (output / runs.CONFIG).write_text(json.dumps({**config, "variant": "infogan"}))
    with pytest.raises(ValueError, match="variant='infogan'; resuming it with variant='cyclegan'"):
        train_cyclegan(output, **settings)


def test_a_folder_that_is_not_a_kgan_run_is_left_alone(settings, tmp_path):
    (tmp_path / "thesis.tex").write_text("precious")
    with pytest.raises(FileExistsError, match="not a kgan run"):
        train_cyclegan(tmp_path, **settings)
    assert [p.name for p in tmp_path.iterdir()] == ["thesis.tex"]


def test_a_run_killed_after_publishing_its_export_only_marks_itself_finished(straight, settings, tmp_path):
    output = tmp_path / "run"
    shutil.copytree(straight[0], output)
    (output / runs.FINISHED).unlink()
    published = output / "saved_models" / "cyclegan" / "1"
    published.mkdir(parents=True)
    (published / "saved_model.pb").write_bytes(b"")  # what `published_export` looks for
    runs.intend_to_publish(output, published)
    _, history, export = train_cyclegan(output, **{**settings, "export_name": "cyclegan"})
    assert history is None  # every epoch was trained already
    assert export == output / "saved_models" / "cyclegan" / "1" and not (export.parent / "2").exists()
    assert (output / runs.FINISHED).is_file() and not (output / runs.PUBLISHING).exists()


# -- the script's flags --------------------------------------------------------------------------------------


def script(argv):
    module = load_script("train_cyclegan")
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try:
            status = run_main(module.main, [str(a) for a in argv])
        except SystemExit as exit:  # argparse's usage errors
            status = exit.code
    return status, err.getvalue()


def test_only_the_flags_given_reach_the_trainer_overwrite_included(monkeypatch, tmp_path):
    import kgan.training.cyclegan

    calls = []

    @functools.wraps(train_cyclegan)  # the parser reads the defaults from its signature
    def record(output_dir, **given):
        calls.append(given)
        return None, None, None

    monkeypatch.setattr(kgan.training.cyclegan, "train_cyclegan", record)
    assert script(["--output-dir", tmp_path, "--overwrite", "--seed", "7", "--image-size", "8x12"])[0] == 0
    assert calls == [dict(overwrite=True, seed=7, image_size=(8, 12))]  # the rest: train_cyclegan's defaults


@pytest.mark.slow  # trains again (a trace of the train step: tens of seconds on a loaded machine)
def test_overwrite_deletes_what_the_finished_run_wrote_and_trains_again(straight, settings, tmp_path):
    output = tmp_path / "run"
    shutil.copytree(straight[0], output)
    (output / "notes.txt").write_text("mine")
    _, history, _ = train_cyclegan(output, overwrite=True, **{**settings, "epochs": 1})
    assert history.epoch == [0] and json.loads((output / runs.CONFIG).read_text())["epochs"] == 1
    assert [p.name for p in (output / "checkpoints").glob("*.keras")] == ["epoch_0001.keras"]
    assert (output / "notes.txt").read_text() == "mine"


@pytest.mark.parametrize(
    "argv,message",
    [
        (["--seed", "-1"], "argument --seed: expected a non-negative integer, received '-1'"),
        (["--epochs", "0"], "argument --epochs: expected a positive integer, received '0'"),
        (["--cycle-weight", "nan"], "argument --cycle-weight: expected a number >= 0, received 'nan'"),
        (["--learning-rate", "0"], "argument --learning-rate: expected a positive number, received '0'"),
        (["--image-size", "8x"], "argument --image-size: expected H or HxW pixels"),
        (["--size", "huge"], "argument --size: invalid choice: 'huge'"),
        (["--export-name", "../up"], "The export name must be a plain folder name"),
    ],
)
def test_bad_flags_exit_2_with_one_line(argv, message, tmp_path):
    status, err = script([*argv, "--output-dir", tmp_path / "run"])
    lines = [line for line in err.splitlines() if line.strip() and not line.startswith(("usage", " "))]
    assert status == 2 and message in lines[-1], err
    assert not (tmp_path / "run").exists()


def test_kgan_train_points_cyclegan_at_its_script():
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        try:
            status = kgan_main(["train", "--variant", "cyclegan"])
        except SystemExit as exit:
            status = exit.code
    assert status == 2
    assert "cyclegan has its own: python scripts/train_cyclegan.py" in err.getvalue().splitlines()[-1]
