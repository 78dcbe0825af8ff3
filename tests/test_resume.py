"""Training survives: a run killed with SIGKILL resumes with the same command and ends as an uninterrupted one."""

import signal
import subprocess
import sys
import time

import keras
import numpy as np
import pytest

import kgan  # noqa: F401 (registers GAN for load_model)
from conftest import BENCHMARKS, load_script, write_digits_npz

FAULTS = load_script("faults", BENCHMARKS)


@pytest.fixture(scope="module")
def small_mnist(tmp_path_factory):
    return write_digits_npz(tmp_path_factory.mktemp("data") / "small.npz", 256)


def command(data, run_dir, *extra):
    """The main job on `data`, 5 epochs, deterministic: the command `benchmarks/faults.py` kills and resumes."""
    return [*FAULTS.command(data, run_dir, 5), *extra]


def final_weights(run_dir):
    gan = keras.saving.load_model(run_dir / "checkpoints" / "epoch_0005.keras")
    # Every variable of the GAN: G, D, the EMA generator and the augmentation probability, if any.
    return [v.numpy() for v in gan.weights] + [gan.seed_generator.state.numpy()]


SMALL_DATA = (
    "--ema",
    "0.9",
    "--augment",
    "color,translation,cutout",
    "--augment-probability",
    "0.3",
    "--ada-target",
    "0.6",
    "--r1",
    "0.5",
    "--spectral-norm",
)


@pytest.mark.parametrize(
    "options", [(), SMALL_DATA, ("--mixed-precision", "bfloat16")], ids=["plain", "ema-ada-r1-sn", "bfloat16"]
)
def test_killed_run_resumes_with_the_same_command_and_matches_an_uninterrupted_run(small_mnist, tmp_path, options):
    straight = subprocess.run(
        command(small_mnist, tmp_path / "straight", *options), capture_output=True, text=True, timeout=600
    )
    assert straight.returncode == 0, straight.stderr[-2000:]

    run_dir = tmp_path / "killed"
    process = subprocess.Popen(
        command(small_mnist, run_dir, *options), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.time() + 300
    while not (run_dir / "checkpoints" / "epoch_0002.keras").exists():
        assert process.poll() is None and time.time() < deadline, "the run ended before it could be killed"
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)  # no chance to clean up, like a power cut
    process.wait()
    assert not (run_dir / "finished.json").exists()

    resumed = subprocess.run(command(small_mnist, run_dir, *options), capture_output=True, text=True, timeout=600)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert "Resuming the interrupted run" in resumed.stdout and "after epoch" in resumed.stdout
    for a, b in zip(final_weights(tmp_path / "straight"), final_weights(run_dir)):
        np.testing.assert_array_equal(a, b)
    rows = (run_dir / "history.csv").read_text().splitlines()[1:]
    assert [r.split(",")[0] for r in rows] == [str(e) for e in range(1, 6)]
    assert (run_dir / "saved_models" / "npz_infogan" / "1" / "saved_model.pb").exists()

    # Finished: the same command now refuses to overwrite it, unless told.
    again = subprocess.run(command(small_mnist, run_dir, *options), capture_output=True, text=True, timeout=600)
    assert again.returncode == 2 and "finished run; pass --overwrite" in again.stderr
    assert "Traceback" not in again.stderr


def test_resuming_with_a_different_batch_size_is_refused(small_mnist, tmp_path):
    from kgan.training import runs

    run_dir = tmp_path / "run"
    runs.claim(run_dir)
    (run_dir / "checkpoints").mkdir(parents=True)
    (run_dir / "checkpoints" / "epoch_0001.keras").write_bytes(b"x")
    (run_dir / "config.json").write_text('{"batch_size": 32, "dataset": "npz"}')
    result = subprocess.run(command(small_mnist, run_dir), capture_output=True, text=True, timeout=600)
    assert result.returncode == 2 and "--batch-size 64" in result.stderr and "Traceback" not in result.stderr


# Checkpoints you can trust (issue 19): the same command resumes past damage and finishes a half-published run.


@pytest.fixture(scope="module")
def two_epoch_run(small_mnist, tmp_path_factory):
    """A finished two-epoch run (checkpoints of epochs 1 and 2, export version 1): the material of the cases."""
    run_dir = tmp_path_factory.mktemp("base") / "run"
    result = subprocess.run(
        command(small_mnist, run_dir)[:-2] + ["--epochs", "2", "--output-dir", str(run_dir)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return run_dir


def interrupted_copy(two_epoch_run, tmp_path):
    """The two-epoch run as if killed after its last checkpoint, with a file of the user's in it."""
    import shutil

    run_dir = tmp_path / "run"
    shutil.copytree(two_epoch_run, run_dir)
    (run_dir / "finished.json").unlink()
    shutil.rmtree(run_dir / "saved_models")
    (run_dir / "notes.txt").write_text("mine")
    return run_dir


def dead_pid():
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def rerun(small_mnist, run_dir, epochs="3"):
    result = subprocess.run(
        command(small_mnist, run_dir)[:-2] + ["--epochs", epochs, "--output-dir", str(run_dir)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Traceback" not in result.stderr and (run_dir / "finished.json").is_file()
    assert (run_dir / "notes.txt").read_text() == "mine"
    return result


def damage_config(path):
    """A checkpoint that verifies (zip, CRCs, weights, a fresh checksum) but that Keras cannot load."""
    import hashlib
    import zipfile

    with zipfile.ZipFile(path) as source:
        members = {name: source.read(name) for name in source.namelist()}
    members["config.json"] = b'{"class_name": "NoSuchModel", "config": {}}'
    with zipfile.ZipFile(path, "w") as target:
        for name, data in members.items():
            target.writestr(name, data)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    path.with_name(path.name + ".sha256").write_text(f"{digest}  {path.name}\n")


def truncate(path):
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 3])


def empty(path):
    path.write_bytes(b"")


def damage_inside(path):
    data = bytearray(path.read_bytes())
    data[len(data) // 2 : len(data) // 2 + 4096] = bytes(4096)
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("damage", [truncate, empty, damage_inside, damage_config])
def test_a_damaged_newest_checkpoint_is_skipped_kept_and_named(two_epoch_run, small_mnist, tmp_path, damage):
    run_dir = interrupted_copy(two_epoch_run, tmp_path)
    newest = run_dir / "checkpoints" / "epoch_0002.keras"
    damage(newest)
    damaged = newest.read_bytes()
    result = rerun(small_mnist, run_dir)
    assert (
        "Skipping the checkpoint epoch_0002.keras" in result.stdout
        and "kept as epoch_0002.keras.corrupt" in result.stdout
    )
    assert "after epoch 1 " in result.stdout  # resumed from the previous checkpoint
    assert (run_dir / "checkpoints" / "epoch_0002.keras.corrupt").read_bytes() == damaged
    assert [p.name for p in (run_dir / "checkpoints").glob("epoch_*.keras")][-1:] == ["epoch_0003.keras"]


def test_a_killed_runs_temporaries_are_removed_and_the_users_kept(two_epoch_run, small_mnist, tmp_path):
    run_dir = interrupted_copy(two_epoch_run, tmp_path)
    pid = dead_pid()
    stale = [
        run_dir / f".tmp-history-pid{pid}-a1b2c3d4.csv",
        run_dir / "checkpoints" / f".tmp-epoch_0003-pid{pid}-k9_x7y2z.keras",
        run_dir / "samples" / f".tmp-epoch_0003-pid{pid}-abcdefgh.png",
    ]
    for path in stale:
        path.write_bytes(b"half written")
    export_tmp = run_dir / "saved_models" / "npz_infogan" / f".tmp-1-pid{pid}-zz00yy11"
    (export_tmp / "variables").mkdir(parents=True)
    users = run_dir / "samples" / ".tmp-mine.png"
    users.write_bytes(b"mine")
    result = rerun(small_mnist, run_dir)
    assert not any(path.exists() for path in [*stale, export_tmp])
    assert users.read_bytes() == b"mine"
    assert result.stdout.count("left by a killed run") == 4


@pytest.mark.parametrize("exported", [True, False], ids=["export-published", "killed-mid-export"])
def test_a_run_killed_between_export_and_finished_publishes_one_version(two_epoch_run, small_mnist, tmp_path, exported):
    import shutil

    run_dir = tmp_path / "run"
    shutil.copytree(two_epoch_run, run_dir)
    (run_dir / "finished.json").unlink()
    (run_dir / "notes.txt").write_text("mine")
    version = run_dir / "saved_models" / "npz_infogan" / "1"
    (run_dir / "publishing.json").write_text(f'{{"export_path": "{version}"}}')
    if not exported:
        version.rename(version.with_name(f".tmp-1-pid{dead_pid()}-abcd1234"))
    result = rerun(small_mnist, run_dir, epochs="2")
    assert ("not exporting again" in result.stdout) == exported
    assert sorted(p.name for p in version.parent.iterdir()) == ["1"]
    assert not (run_dir / "publishing.json").exists()
