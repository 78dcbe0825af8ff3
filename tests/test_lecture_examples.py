"""The lecture examples run, and would fail if an example stopped learning."""

import json
import pathlib
import subprocess
import sys

import numpy as np
import pytest

from conftest import load_script
from kgan.training import train

SCRIPTS = pathlib.Path(__file__).resolve().parent.parent / "scripts"
EXAMPLES = [
    "lecture000_gaussian",
    "lecture000_line",
    "lecture000_freeze_generator",
    "lecture002_mlp_mnist",
    "lecture004_classic_dcgan",
    "ring_of_gaussians",
]


@pytest.mark.parametrize("name", EXAMPLES)
def test_every_example_script_documents_its_flags(name, capsys):
    with pytest.raises(SystemExit) as exit_info:
        load_script(name).parse_args(["--help"])
    assert exit_info.value.code == 0
    text = capsys.readouterr().out
    for flag in ("--output-dir", "--epochs", "--seed"):
        assert flag in text
    assert f"python scripts/{name}.py" in text  # ready-to-run commands


@pytest.mark.slow  # a fresh interpreter imports TensorFlow: ~15 s
def test_an_example_script_runs_standalone():
    result = subprocess.run(
        [sys.executable, str(SCRIPTS / "ring_of_gaussians.py"), "--help"], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0 and "mode-collapse" in result.stdout


def test_gaussian_example_learns_the_target_mean_and_std(tmp_path):
    module = load_script("lecture000_gaussian")
    output_dir, moments = module.run(module.parse_args(["--output-dir", str(tmp_path), "--seed", "0"]))
    # An untrained SELU generator outputs values near 0 with std ~0.5: far from N(4, 0.2^2).
    assert moments.mean_error < 0.1, moments
    assert moments.std_error < 0.1, moments
    assert (output_dir / "histogram.png").exists() and (output_dir / "history.csv").exists()


def test_line_example_puts_the_points_near_the_line(tmp_path):
    module = load_script("lecture000_line")
    output_dir, distance, samples = module.run(
        module.parse_args(["--output-dir", str(tmp_path), "--epochs", "8", "--seed", "0"])
    )
    assert distance < 0.1  # untrained: ~0.35
    assert np.ptp(samples[:, 0]) > 1.0  # spread along the line, not collapsed to a point
    assert (output_dir / "scatter.png").exists()


def test_freeze_generator_example_runs_three_trainings_and_prints_a_table(tmp_path, capsys):
    module = load_script("lecture000_freeze_generator")
    assert (
        module.main(["--output-dir", str(tmp_path), "--epochs", "1", "--batches-per-epoch", "4", "--freeze-steps", "2"])
        == 0
    )
    out = capsys.readouterr().out
    for label in ("k=1, 1 epochs", "k=2, 1 epochs", "k=2, 2 epochs"):
        assert label in out
    assert (tmp_path / "histograms.png").exists()


def test_ring_example_prints_and_plots_mode_coverage(tmp_path, capsys):
    module = load_script("ring_of_gaussians")
    assert (
        module.main(["--output-dir", str(tmp_path), "--epochs", "1", "--batches-per-epoch", "3", "--d-steps", "2"]) == 0
    )
    out = capsys.readouterr().out
    assert "modes covered: " in out and "high-quality samples" in out
    assert (tmp_path / "ring.png").exists()
    assert "modes_covered" in (tmp_path / "history.csv").read_text().splitlines()[0]


def test_refuses_a_non_empty_output_dir(tmp_path):
    (tmp_path / "old.txt").write_text("an earlier run")
    module = load_script("lecture000_line")
    with pytest.raises(FileExistsError, match="Received: "):
        module.run(module.parse_args(["--output-dir", str(tmp_path)]))


@pytest.fixture
def tiny_npz(tmp_path):
    rng = np.random.default_rng(0)
    path = tmp_path / "tiny.npz"
    np.savez(
        path,
        x_train=rng.integers(0, 256, (64, 28, 28), dtype=np.uint8),
        y_train=rng.integers(0, 10, 64).astype(np.uint8),
    )
    return path


def test_main_job_runs_the_classic_loop_with_the_same_pipeline_callbacks_and_export(tmp_path, tiny_npz, capsys):
    run_dir = tmp_path / "run"
    result = train(
        trainer="classic",
        dataset="npz",
        data_path=tiny_npz,
        epochs=2,
        batch_size=32,
        output_dir=run_dir,
        export_name="tiny",
        jit_compile=False,
        verbose=2,
    )
    assert "1: [D loss: " in capsys.readouterr().out
    for name in (
        "samples/epoch_0002.png",
        "history.csv",
        "checkpoints/epoch_0002.keras",
        "saved_models/tiny/1/saved_model.pb",
    ):
        assert (run_dir / name).exists(), name
    assert json.loads((run_dir / "config.json").read_text())["trainer"] == "classic"
    assert set(result.history) >= {"d_loss", "g_loss"}
    assert int(result.gan.d_optimizer.iterations) == 4 and int(result.gan.g_optimizer.iterations) == 4


def test_main_job_classic_trainer_names_unsupported_losses(tmp_path, tiny_npz):
    with pytest.raises(ValueError, match="Received: loss='wasserstein'"):
        train(
            trainer="classic",
            loss="wasserstein",
            dataset="npz",
            data_path=tiny_npz,
            epochs=1,
            batch_size=32,
            output_dir=tmp_path / "run",
            jit_compile=False,
            verbose=0,
        )


def test_mlp_mnist_example_runs_one_epoch(tmp_path):
    module = load_script("lecture002_mlp_mnist")
    assert module.main(["--output-dir", str(tmp_path / "run"), "--epochs", "1", "--no-score"]) == 0
    assert (tmp_path / "run" / "samples" / "epoch_0001.png").exists()
    config = json.loads((tmp_path / "run" / "config.json").read_text())
    assert config["arch"] == "mlp_lecture002" and config["latent_distribution"] == "uniform"


@pytest.mark.slow
def test_lecture004_classic_dcgan_example_runs_one_epoch(tmp_path):
    module = load_script("lecture004_classic_dcgan")
    assert module.main(["--output-dir", str(tmp_path / "run"), "--epochs", "1", "--no-score"]) == 0
    assert (tmp_path / "run" / "saved_models" / "mnist_lecture004_classic" / "1" / "saved_model.pb").exists()
