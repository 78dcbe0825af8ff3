"""Training survives: a run killed with SIGKILL resumes with the same command and ends as an uninterrupted one."""

import signal
import subprocess
import sys
import time
from pathlib import Path

import keras
import numpy as np
import pytest

import kgan  # noqa: F401 (registers GAN for load_model)
from conftest import write_digits_npz

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "train_mnist_gan.py"


@pytest.fixture(scope="module")
def small_mnist(tmp_path_factory):
    return write_digits_npz(tmp_path_factory.mktemp("data") / "small.npz", 256)


def command(data, run_dir, *extra):
    return [
        sys.executable,
        str(SCRIPT),
        "--dataset",
        "npz",
        "--data-path",
        str(data),
        "--batch-size",
        "64",
        "--epochs",
        "5",
        "--seed",
        "3",
        "--deterministic",
        "--output-dir",
        str(run_dir),
        *extra,
    ]


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


@pytest.mark.parametrize("options", [(), SMALL_DATA], ids=["plain", "ema-ada-r1-sn"])
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
