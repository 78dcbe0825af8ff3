"""The main job as a user runs it: --help, bad flags, a tiny end-to-end run with an export."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from kgan.training import MAIN_JOB

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "train_mnist_gan.py"


def run_script(*args, timeout=600):
    return subprocess.run(
        [sys.executable, str(SCRIPT), *map(str, args)], capture_output=True, text=True, timeout=timeout, cwd=ROOT
    )


def test_help_documents_every_flag():
    result = run_script("--help")
    assert result.returncode == 0
    for flag in (
        "--epochs",
        "--batch-size",
        "--latent-dim",
        "--lr-d",
        "--lr-g",
        "--arch",
        "--dataset",
        "--data-path",
        "--output-dir",
        "--export-name",
        "--seed",
    ):
        assert flag in result.stdout


@pytest.mark.parametrize(
    "args,message",
    [
        (["--epochs", "-1"], "--epochs: expected a positive integer, received '-1'"),
        (["--epochs", "banana"], "--epochs: expected a positive integer, received 'banana'"),
        (["--batch-size", "0"], "--batch-size: expected a positive integer, received '0'"),
        (["--arch", "resnet"], "--arch: invalid choice: 'resnet'"),
        (["--lr-d", "-0.1"], "--lr-d: expected a positive number, received '-0.1'"),
    ],
)
def test_bad_flags_exit_2_with_one_line_and_no_traceback(args, message):
    result = run_script(*args)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_missing_dataset_file_exits_2_naming_it(tmp_path):
    missing = tmp_path / "nowhere.npz"
    result = run_script("--dataset", "npz", "--data-path", missing, "--output-dir", tmp_path / "run", "--epochs", 1)
    assert result.returncode == 2, result.stderr
    assert str(missing) in result.stderr and "Traceback" not in result.stderr


def test_existing_run_directory_is_never_overwritten(tmp_path):
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    (run_dir / "precious.txt").write_text("keep me")
    result = run_script("--output-dir", run_dir, "--epochs", 1)
    assert result.returncode == 2 and "not a kgan run" in result.stderr
    assert (run_dir / "precious.txt").read_text() == "keep me"


def test_tiny_end_to_end_run_writes_samples_plots_checkpoints_and_an_export(tmp_path):
    run_dir = tmp_path / "run"
    result = run_script("--epochs", 2, "--batch-size", 256, "--output-dir", run_dir, "--export-name", "tiny")
    assert result.returncode == 0, result.stderr[-3000:]
    assert f"Run directory: {run_dir}" in result.stdout
    # What was read, before training: the source, count, shape and classes, and the batches per epoch.
    assert "Data: mnist_embedded: 5,000 images of 28 x 28 x 1 (grey), 10 classes; 19 batches of 256" in result.stdout
    for name in (
        "samples/epoch_0001.png",
        "samples/epoch_0002.png",
        "samples/montage.png",
        "history.png",
        "history.csv",
        "config.json",
        "checkpoints/epoch_0002.keras",
        "saved_models/tiny/1/saved_model.pb",
    ):
        assert (run_dir / name).exists(), name
    config = json.loads((run_dir / "config.json").read_text())
    # The main job runs the recipe of benchmarks/RESULTS.md, not train()'s plain defaults.
    settings = {k: v for k, v in MAIN_JOB.items() if k not in ("epochs", "variant_options")}
    assert {k: config[k] for k in settings} == settings
    # The variant's own options (InfoGAN's number of code categories) reach the model through the flags.
    assert MAIN_JOB["variant_options"].items() <= config["variant_options"].items()
    # The export loads in a fresh process that imports only TensorFlow.
    check = subprocess.run(
        [
            sys.executable,
            "-c",
            (
                "import sys, tensorflow as tf\n"
                f"m = tf.saved_model.load({str(run_dir / 'saved_models/tiny/1')!r})\n"
                "out = m.signatures['serving_default'](latent=tf.random.normal((3, 64)))['images']\n"
                "assert out.shape == (3, 28, 28, 1), out.shape\n"
                "assert float(tf.reduce_max(tf.abs(out))) <= 1.0\n"
                "assert 'kgan' not in sys.modules\n"
                "print('ok')\n"
            ),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert check.stdout.strip().endswith("ok"), check.stderr[-2000:]


def test_a_bad_export_name_is_refused_before_any_training_or_folder(tmp_path):
    from kgan.training import train

    with pytest.raises(ValueError, match=r"plain folder name.*Received: name='a/b'"):
        train(export_name="a/b", output_dir=tmp_path / "run", epochs=1)
    assert not (tmp_path / "run").exists()
