"""The `kgan` command: sample, export, info; bad usage exits 2 with one line."""

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from conftest import run_entry, tiny_discriminator, tiny_generator
from kgan.cli import main
from kgan.core import GAN
from kgan.serving import export_generator, load_generator, read_metadata


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    return export_generator(
        tiny_generator(), tmp_path_factory.mktemp("exports"), "tiny", metadata={"latent_distribution": "normal"}
    )


@pytest.fixture(scope="module")
def conditional_export(tmp_path_factory):
    return export_generator(tiny_generator(num_classes=3), tmp_path_factory.mktemp("exports"), "ctiny")


def run(capsys, *argv):
    """`kgan ARGV` in this process: its exit status (argparse's usage errors included), stdout and stderr."""
    return run_entry(capsys, main, *argv)


def test_info_lists_variants_architectures_losses_and_datasets(capsys):
    status, out, _ = run(capsys, "info")
    assert status == 0
    for word in ("architectures: ", "dcgan", "lecture004", "non_saturating", "mnist_embedded"):
        assert word in out


def test_sample_writes_a_png_grid_reproducible_from_the_seed(capsys, exported, tmp_path):
    status, out, _ = run(capsys, "sample", exported, "-n", 9, "--seed", 3, "-o", tmp_path / "a.npz")
    assert status == 0 and "Wrote 9 images" in out
    run(capsys, "sample", exported, "-n", 9, "--seed", 3, "-o", tmp_path / "b.npz")
    a, b = np.load(tmp_path / "a.npz"), np.load(tmp_path / "b.npz")
    assert a["images"].shape == (9, 8, 8, 1) and a["latent"].shape == (9, 4)
    np.testing.assert_array_equal(a["images"], b["images"])
    assert run(capsys, "sample", exported, "-n", 9, "-o", tmp_path / "grid.png")[0] == 0
    with Image.open(tmp_path / "grid.png") as image:
        assert image.format == "PNG"


def test_sample_interpolation_and_latent_grid_as_gif_and_png(capsys, exported, tmp_path):
    assert run(capsys, "sample", exported, "--interpolate", 1, 2, "--steps", 5, "-o", tmp_path / "walk.gif")[0] == 0
    with Image.open(tmp_path / "walk.gif") as gif:
        assert gif.n_frames == 8  # forward and back
    assert run(capsys, "sample", exported, "--latent-grid", "--steps", 3, "-o", tmp_path / "grid.png")[0] == 0


def test_sample_per_class_and_labels_for_conditional_generators(capsys, conditional_export, tmp_path):
    status, out, _ = run(capsys, "sample", conditional_export, "--per-class", "-n", 2, "-o", tmp_path / "c.npz")
    assert status == 0
    assert np.load(tmp_path / "c.npz")["labels"].tolist() == [0, 0, 1, 1, 2, 2]
    assert run(capsys, "sample", conditional_export, "-n", 4, "--labels", 2, "-o", tmp_path / "two.npz")[0] == 0
    assert np.load(tmp_path / "two.npz")["labels"].tolist() == [2, 2, 2, 2]
    status, _, err = run(capsys, "sample", conditional_export, "-n", 2, "--labels", 7, "-o", tmp_path / "bad.png")
    assert status == 2 and "must lie in [0, 3)" in err and "Traceback" not in err


@pytest.mark.parametrize(
    "argv,message",
    [
        (["sample", "{export}", "-o", "{tmp}/x.jpg"], "--output must end in .png, .gif or .npz"),
        (["sample", "{tmp}/missing", "-o", "{tmp}/x.png"], "No export at"),
        (["sample", "{export}", "-n", "0", "-o", "{tmp}/x.png"], "expected a positive integer, received '0'"),
        (["sample", "{export}", "--seed", "-3", "-o", "{tmp}/x.png"], "expected a non-negative integer"),
        (["export", "{tmp}/no-run"], "No run directory at"),
        (["sample", "{export}"], "the following arguments are required: --output"),
    ],
)
def test_bad_usage_exits_2_with_one_line(capsys, exported, tmp_path, argv, message):
    argv = [a.format(export=exported, tmp=tmp_path) for a in argv]
    status, _, err = run(capsys, *argv)
    assert status == 2 and message in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1, err  # argparse's usage synopsis is not printed (ArgumentParser)


@pytest.mark.parametrize(
    "script, entry", [("train_mnist_gan", "main"), ("train_cyclegan", "main"), ("lecture000_line", "parse_args")]
)
def test_a_scripts_usage_error_is_one_line_that_points_at_help(capsys, script, entry):
    from conftest import load_script

    with pytest.raises(SystemExit) as exit:
        getattr(load_script(script), entry)(["--no-such-flag"])
    err = capsys.readouterr().err.strip()
    assert exit.value.code == 2 and len(err.splitlines()) == 1, err
    assert "error: unrecognized arguments: --no-such-flag (" in err and err.endswith(" --help lists the flags)")


def test_sample_never_overwrites_an_existing_file(capsys, exported, tmp_path):
    target = tmp_path / "keep.png"
    target.write_bytes(b"precious")
    status, _, err = run(capsys, "sample", exported, "-o", target)
    assert status == 2 and "--overwrite" in err and target.read_bytes() == b"precious"
    assert run(capsys, "sample", exported, "-o", target, "--overwrite")[0] == 0


def test_export_turns_a_run_checkpoint_into_a_new_version(capsys, tmp_path):
    run_dir = tmp_path / "run"
    gan = GAN(tiny_generator(), tiny_discriminator(), seed=0)
    gan.compile(jit_compile=False)
    (run_dir / "checkpoints").mkdir(parents=True)
    gan.save(run_dir / "checkpoints" / "epoch_0002.keras")
    (run_dir / "config.json").write_text(json.dumps({"dataset": "mnist_embedded", "arch": "dcgan", "epochs": 2}))
    for version in (1, 2):
        status, out, err = run(capsys, "export", run_dir)
        assert status == 0, err
        path = run_dir / "saved_models" / "mnist_dcgan" / str(version)
        assert f"to {path}" in out
    assert read_metadata(path)["epochs"] == 2


def test_export_of_a_corrupt_checkpoint_exits_2_naming_it(capsys, tmp_path):
    (tmp_path / "run" / "checkpoints").mkdir(parents=True)
    bad = tmp_path / "run" / "checkpoints" / "epoch_0001.keras"
    bad.write_bytes(b"not a zip file")
    status, _, err = run(capsys, "export", tmp_path / "run")
    assert status == 2 and str(bad) in err and "Traceback" not in err


def test_the_shipped_generator_samples_right_after_install(capsys, tmp_path):
    shipped = Path(__file__).resolve().parents[1] / "saved_models" / "mnist_infogan"
    status, _, err = run(capsys, "sample", shipped, "-n", 16, "-o", tmp_path / "digits.npz")
    assert status == 0, err
    images = np.load(tmp_path / "digits.npz")["images"]
    assert images.shape == (16, 28, 28, 1) and images.std() > 0.1
    assert read_metadata(shipped)["arch"] == "dcgan_fc" and read_metadata(shipped)["variant"] == "infogan"


def kgan_train(tmp_path, *flags):
    """`kgan train FLAGS` for one epoch on 64 digits in `tmp_path/run`, in a fresh process; returns its result."""
    import subprocess
    import sys

    from conftest import write_digits_npz

    write_digits_npz(tmp_path / "digits.npz", 64)
    small = ["--dataset", "npz", "--data-path", tmp_path / "digits.npz", "--epochs", 1, "--batch-size", 32]
    argv = [sys.executable, "-m", "kgan.cli", "train", *flags, *small, "--output-dir", tmp_path / "run"]
    return subprocess.run(list(map(str, argv)), capture_output=True, text=True, timeout=600)


def test_kgan_train_takes_a_variant(tmp_path):
    result = kgan_train(tmp_path, "--variant", "lsgan")
    assert result.returncode == 0, result.stderr[-2000:]
    assert json.loads((tmp_path / "run" / "config.json").read_text())["variant"] == "lsgan"


def test_kgan_train_takes_infogans_number_of_categories(tmp_path):
    result = kgan_train(tmp_path, "--variant", "infogan", "--categories", "12")
    assert result.returncode == 0, result.stderr[-2000:]
    config = json.loads((tmp_path / "run" / "config.json").read_text())
    assert config["variant"] == "infogan" and config["variant_options"]["categories"] == 12
    (tmp_path / "bad").mkdir()
    bad = kgan_train(tmp_path / "bad", "--categories", "0")  # 0 leaves PGGAN's code out; InfoGAN needs one
    assert bad.returncode == 2 and "`categories` must be an integer >= 2. Received: categories=0" in bad.stderr
    assert not (tmp_path / "bad" / "run").exists()  # refused with the settings, before the run folder is made
    bad = kgan_train(tmp_path / "bad", "--categories", "-1")
    assert bad.returncode == 2 and "--categories: expected a non-negative integer, received '-1'" in bad.stderr


def test_export_refuses_a_checkpoint_whose_checksum_does_not_match(capsys, tmp_path):
    from kgan.callbacks import Checkpoint

    checkpoints = tmp_path / "run" / "checkpoints"
    checkpoints.mkdir(parents=True)
    gan = GAN(tiny_generator(), tiny_discriminator(), seed=0)
    gan.compile(jit_compile=False)
    path = checkpoints / "epoch_0001.keras"
    gan.save(path)
    Checkpoint.checksum_path(path).write_text("0" * 64)  # what a flipped byte after the write looks like
    status, _, err = run(capsys, "export", tmp_path / "run")
    assert status == 2 and "cannot be exported" in err and str(path) in err and "Traceback" not in err
    assert not (tmp_path / "run" / "saved_models").exists()


def test_kgan_train_resizes_and_converts_a_folder_of_colour_images(tmp_path):
    import subprocess
    import sys

    from PIL import Image

    folder = tmp_path / "pictures"
    folder.mkdir()
    rng = np.random.default_rng(0)
    for i in range(32):
        Image.fromarray(rng.integers(0, 256, (32, 24, 3), dtype=np.uint8)).save(folder / f"{i:02d}.png")
    argv = [sys.executable, "-m", "kgan.cli", "train", "--variant", "gan", "--arch", "dcgan", "--dataset", "folder"]
    argv += ["--data-path", folder, "--image-size", "16x12", "--channels", "1", "--epochs", 1, "--batch-size", 16]
    argv += ["--ema", "0", "--augment", "off", "--output-dir", tmp_path / "run", "--export-name", "pictures"]
    result = subprocess.run(list(map(str, argv)), capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    config = json.loads((tmp_path / "run" / "config.json").read_text())
    assert (config["image_size"], config["channels"], config["image_shape"]) == ([16, 12], 1, [16, 12, 1])
    images = load_generator(tmp_path / "run" / "saved_models" / "pictures")(np.zeros((2, 64), "float32"))
    assert images.shape == (2, 16, 12, 1)
    bad = subprocess.run(list(map(str, argv[:4] + ["--image-size", "16x"])), capture_output=True, text=True)
    assert bad.returncode == 2 and "--image-size: expected H or HxW pixels" in bad.stderr


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--variant", "wgan", "--label-smoothing", "0.1"], "--label-smoothing cannot be used here: the wgan variant"),
        (["--trainer", "classic", "--instance-noise", "0.1"], "--instance-noise cannot be used here: lecture 004's"),
        (["--trainer", "classic", "--variant", "infogan"], "--variant cannot be used here: the classic trainer"),
        (["--optimizer", "rmsprop", "--beta-1", "0.5"], "--beta-1 cannot be used here: it is Adam's"),
        (["--variant", "began", "--loss", "non_saturating"], "--loss cannot be used here: the began variant"),
        (["--instance-noise-steps", "5"], "--instance-noise-steps cannot be used here"),
        (["--variant", "gan", "--gp-weight", "5"], "--gp-weight does not apply to the gan variant"),
        (["--optimizer", "sgd"], "argument --optimizer: invalid choice: 'sgd'"),
        (["--grid-size", "0"], "--grid-size: expected a positive integer, received '0'"),
        (["--beta-2", "1"], "--beta-2"),
    ],
)
def test_kgan_train_refuses_a_flag_it_cannot_honour_with_one_line(capsys, tmp_path, argv, message):
    status, _, err = run(capsys, "train", *argv, "--output-dir", tmp_path / "run")
    assert status == 2 and message in err.strip().splitlines()[-1] and "Traceback" not in err, err
    assert not (tmp_path / "run").exists()  # refused before anything was written


def test_info_lists_every_architecture_train_takes(capsys):
    from kgan.training.settings import architectures

    status, out, _ = run(capsys, "info")
    listed = next(line for line in out.splitlines() if line.startswith("architectures: "))
    assert status == 0 and listed.removeprefix("architectures: ").split(", ") == list(architectures())


def test_the_lecture004_script_resumes_because_its_run_folder_is_fixed_by_its_arguments(tmp_path):
    from conftest import load_script

    script = load_script("lecture004_classic_dcgan")
    first, again = script.parse_args([]), script.parse_args(["--epochs", "90"])  # a longer run extends the same one
    assert script.run_dir(first) == script.run_dir(again) == "runs/lecture004_classic_dcgan-non_saturating-d1-b64-seed0"
    assert script.run_dir(script.parse_args(["--loss", "minimax"])) != script.run_dir(first)
    assert script.run_dir(script.parse_args(["--output-dir", str(tmp_path)])) == str(tmp_path)
