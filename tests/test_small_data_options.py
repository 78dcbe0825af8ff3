"""The small-data options as a user reaches them: `kgan.train` arguments and the main job's flags."""

import json

import numpy as np
import pytest
from test_main_job import run_script

from conftest import write_digits_npz
from kgan.serving import load_generator
from kgan.training import train


@pytest.fixture(scope="module")
def digits(tmp_path_factory):
    return write_digits_npz(tmp_path_factory.mktemp("data") / "digits.npz", 64)


def test_train_records_the_options_and_exports_the_ema_generator(digits, tmp_path):
    result = train(
        dataset="npz",
        data_path=digits,
        epochs=1,
        batch_size=32,
        verbose=0,
        output_dir=tmp_path / "run",
        ema=0.9,
        augment="translation,cutout",
        ada_target=0.6,
        augment_probability=0.2,
        spectral_norm=True,
        r1=1.0,
    )
    config = json.loads((result.run_dir / "config.json").read_text())
    assert {k: config[k] for k in ("ema", "augment", "augment_probability", "ada_target", "spectral_norm", "r1")} == {
        "ema": 0.9,
        "augment": "translation,cutout",
        "augment_probability": 0.2,
        "ada_target": 0.6,
        "spectral_norm": True,
        "r1": 1.0,
    }
    assert {"augment_p", "r1_penalty"} <= set(result.history)
    latent = np.random.default_rng(0).normal(size=(3, result.gan.latent_dim)).astype("float32")
    exported = load_generator(result.export_path)(latent)
    np.testing.assert_allclose(exported, result.gan.ema_generator(latent, training=False), atol=1e-5)
    assert not np.allclose(exported, result.gan.generator(latent, training=False), atol=1e-4)
    # `kgan export` of the run's checkpoint exports the EMA generator too, as a new version.
    from kgan.cli import main

    assert main(["export", str(result.run_dir)]) == 0
    again = load_generator(result.export_path.parent / "2")(latent)
    np.testing.assert_allclose(again, exported, atol=1e-6)


def test_the_classic_trainer_refuses_the_options_before_writing_anything(tmp_path):
    with pytest.raises(ValueError, match="--ema cannot be used here: lecture 004's .* Received: ema=0.999"):
        train(trainer="classic", ema=0.999, output_dir=tmp_path / "run")
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize(
    "args, message",
    [
        (["--ema", "1.5"], "--ema: expected a decay in (0, 1) such as 0.999, or 0 for none, received '1.5'"),
        (
            ["--augment", "rotate"],
            "--augment: expected operations from color, translation, cutout (comma-separated) "
            "or off, received 'rotate'",
        ),
        (["--ada-target", "2"], "--ada-target: expected a probability in [0, 1], received '2'"),
        (["--r1", "-1"], "--r1: expected a number >= 0, received '-1'"),
    ],
)
def test_bad_small_data_flags_exit_2_with_one_line(args, message):
    result = run_script(*args)
    assert result.returncode == 2 and message in result.stderr and "Traceback" not in result.stderr


def test_the_main_jobs_classic_trainer_drops_the_recipe_it_cannot_run(digits, tmp_path):
    result = run_script(
        "--trainer",
        "classic",
        "--dataset",
        "npz",
        "--data-path",
        digits,
        "--epochs",
        1,
        "--batch-size",
        32,
        "--output-dir",
        tmp_path / "run",
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Left out of this command's recipe" in result.stdout and "ema=0.999" in result.stdout
    config = json.loads((tmp_path / "run" / "config.json").read_text())
    assert config["trainer"] == "classic" and config["ema"] is None and config["augment"] is None
