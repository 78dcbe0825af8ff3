"""The variant scripts: --help documents their flags, and a one-epoch cGAN run exports a conditional generator."""

import numpy as np
import pytest

from conftest import load_script
from kgan.serving import load_generator


@pytest.mark.parametrize(
    "name,flags",
    [
        ("train_wgan_gp", ["--gp-weight", "--d-steps"]),
        ("train_cgan", ["--fake-labels", "--dataset"]),
        ("train_acgan", ["--validity-weight", "--classification-weight"]),
    ],
)
def test_help_lists_the_main_job_and_variant_flags(name, flags, capsys):
    with pytest.raises(SystemExit) as exit:
        load_script(name).main(["--help"])
    assert exit.value.code == 0
    out = capsys.readouterr().out
    for flag in ["--epochs", "--output-dir", "--export-name", *flags]:
        assert flag in out


def test_one_epoch_cgan_run_exports_a_generator_that_takes_labels(tmp_path, capsys):
    status = load_script("train_cgan").main(
        ["--epochs", "1", "--batch-size", "256", "--output-dir", str(tmp_path / "run"), "--export-name", "cgan"]
    )
    assert status == 0, capsys.readouterr().err[-2000:]
    generate = load_generator(tmp_path / "run" / "saved_models" / "cgan")
    assert generate.num_classes == 10
    images = generate(np.zeros((3, generate.latent_dim), "float32"), np.array([1, 5, 9]))
    assert images.shape == (3, 28, 28, 1)
    assert (tmp_path / "run" / "samples" / "epoch_0001.png").exists()
