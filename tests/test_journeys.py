"""What a user fresh to kgan met on the documented paths: each fix of the user-journey review, as a specification."""

import pathlib
import re

import numpy as np
import pytest
from PIL import Image

from conftest import run_entry, tiny_generator
from kgan.cli import main
from kgan.serving import export_generator

ROOT = pathlib.Path(__file__).resolve().parents[1]


def run(capsys, *argv):
    """`kgan ARGV` in this process: its exit status (argparse's usage errors included), stdout and stderr."""
    return run_entry(capsys, main, *argv)


def write_pngs(folder, sizes):
    """One grey PNG per size `(height, width)` in `folder`, named 0.png, 1.png, ..."""
    folder.mkdir(parents=True, exist_ok=True)
    for i, (height, width) in enumerate(sizes):
        Image.fromarray(np.full((height, width), 40 * i, "uint8")).save(folder / f"{i}.png")
    return folder


# Bad data is refused before the run directory is made: a user's typos leave no run folders behind.


def test_a_folder_mixing_images_and_subfolders_leaves_no_run_directory(tmp_path):
    import kgan

    data = write_pngs(tmp_path / "data", [(8, 8)] * 2)
    write_pngs(data / "sub", [(8, 8)] * 2)
    with pytest.raises(ValueError, match="mixes images at its top level"):
        kgan.train(dataset="folder", data_path=str(data), output_dir=str(tmp_path / "run"), epochs=1)
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize("cache", ["memory", "none"])
def test_a_batch_larger_than_the_data_names_the_flag_and_leaves_no_run_directory(tmp_path, cache):
    import kgan

    data = write_pngs(tmp_path / "data", [(8, 8)] * 3)
    with pytest.raises(ValueError, match=r"3 images, too few for one batch of 8; lower --batch-size to at most 3"):
        kgan.train(dataset="folder", data_path=str(data), output_dir=str(tmp_path / "run"), batch_size=8, cache=cache)
    assert not (tmp_path / "run").exists()


def test_a_setting_the_model_refuses_leaves_no_run_directory(tmp_path):
    import kgan

    data = write_pngs(tmp_path / "data", [(30, 30)] * 4)  # 30 x 30: the preset's two upsamplings need a multiple of 4
    with pytest.raises(ValueError, match="30"):
        kgan.train(dataset="folder", data_path=str(data), output_dir=str(tmp_path / "run"), batch_size=2, epochs=1)
    assert not (tmp_path / "run").exists()


def test_a_folder_of_grey_and_rgb_files_is_described_as_rgb(tmp_path):
    from kgan.data import ImageFolder

    data = write_pngs(tmp_path / "data", [(8, 8)] * 3)
    Image.fromarray(np.zeros((8, 8, 3), "uint8")).save(data / "rgb.png")
    assert ImageFolder(str(data)).info.describe() == "folder: 4 images of 8 x 8 x 3 (RGB), no labels"


def test_images_of_different_sizes_name_the_image_size_flag(tmp_path):
    from kgan.data import ImageFolder, load_arrays

    data = write_pngs(tmp_path / "data", [(8, 8), (12, 8)])
    with pytest.raises(ValueError, match="--image-size HxW"):
        load_arrays("folder", str(data))
    with pytest.raises(ValueError, match="--image-size HxW"):
        ImageFolder(str(data))


def test_a_file_cut_short_after_its_header_is_named_with_the_decoders_reason(tmp_path):
    import tensorflow as tf

    from kgan.data import ImageFolder

    data = write_pngs(tmp_path / "data", [(8, 8)] * 4)
    (data / "2.png").write_bytes((data / "2.png").read_bytes()[:41])  # the header (33 bytes) sound, the pixels cut
    folder = ImageFolder(str(data), cache="none")
    with pytest.raises(tf.errors.InvalidArgumentError) as excinfo:
        for _ in folder.dataset(batch_size=2, seed=0, epochs=1):
            pass
    error = str(folder.explain(excinfo.value))
    assert error == f"Could not decode image (Invalid PNG data, size 41). Received: file={str(data / '2.png')!r}"


# `kgan export` says which of its arguments is wrong.


def test_export_with_a_checkpoint_that_is_not_a_file_names_the_flag(capsys, tmp_path):
    (tmp_path / "checkpoints").mkdir()
    status, _, err = run(capsys, "export", tmp_path, "--checkpoint", "2")
    assert status == 2 and len(err.strip().splitlines()) == 1
    assert "No checkpoint file at 2; --checkpoint takes the path of a .keras file" in err
    assert "Received: --checkpoint=2" in err


def test_export_of_a_folder_that_is_not_a_run_says_so(capsys, tmp_path):
    status, _, err = run(capsys, "export", tmp_path)
    assert status == 2 and len(err.strip().splitlines()) == 1
    assert "RUN_DIR must be a run directory written by kgan train. Received: RUN_DIR=" in err
    assert "Received: None" not in err


def test_per_class_of_an_unconditional_export_names_the_flag(capsys, tmp_path):
    export = export_generator(tiny_generator(), tmp_path / "exports", "tiny")
    status, _, err = run(capsys, "sample", export, "--per-class", "-n", 2, "-o", tmp_path / "c.png")
    assert status == 2 and len(err.strip().splitlines()) == 1
    assert "--per-class is for a conditional generator" in err and "class_grid" not in err
    assert not (tmp_path / "c.png").exists()


# The docs say what the code does.


def test_the_docs_quote_the_resume_message_the_code_prints(tmp_path, capsys):
    import keras

    from kgan.callbacks import Checkpoint
    from kgan.training import runs

    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    callback = Checkpoint(tmp_path, keep=10)
    callback.set_model(model)
    callback.on_epoch_end(1, {})  # epoch 2
    runs.load_newest([tmp_path], keras.saving.load_model)
    printed = capsys.readouterr().out.strip()
    for page in ("docs/main_job.md", "docs/reliability.md"):
        text = " ".join((ROOT / page).read_text(encoding="utf-8").split())
        quotes = re.findall(r"`(Resuming the interrupted run[^`]*)`", text)
        assert quotes, page
        for quote in quotes:
            pattern = re.escape(quote).replace(re.escape(".../"), ".*/").replace("NNNN", r"\d{4}")
            pattern = pattern.replace(re.escape(" N "), r" \d+ ")
            assert re.fullmatch(pattern, printed), (page, quote, printed)


def test_the_variants_table_gives_wgan_the_optimizer_kgan_train_uses():
    from kgan.training import TrainConfig

    assert TrainConfig(variant="wgan").optimizer_settings()["optimizer"] == "rmsprop"
    row = next(line for line in (ROOT / "docs" / "variants.md").read_text().splitlines() if line.startswith("| WGAN |"))
    assert "RMSprop" in row.split("|")[-2] and "Adam there" not in row


# Every flag of the scripts a teacher runs says what it is, not only its default.

LECTURE_SCRIPTS = sorted(p.stem for p in (ROOT / "scripts").glob("lecture*.py")) + ["ring_of_gaussians"]
HELP_WITHOUT_WORDS = re.compile(r"^  (?:-\w, )?(--[\w-]+)(?: [A-Z_]+)?(?:\n +| {2,})\(default", re.M)


@pytest.mark.parametrize("name", LECTURE_SCRIPTS)
def test_every_flag_of_a_lecture_script_has_help_beyond_its_default(name, capsys):
    from conftest import load_script

    with pytest.raises(SystemExit) as exit:
        load_script(name).main(["--help"])
    assert exit.value.code == 0
    assert HELP_WITHOUT_WORDS.findall(capsys.readouterr().out) == []


@pytest.mark.parametrize(
    ("mode", "steps", "need"), [("--interpolate", 1, "at least 2"), ("--latent-grid", 101, "at most")]
)
def test_sample_steps_out_of_range_name_the_flag(capsys, tmp_path, mode, steps, need):
    export = export_generator(tiny_generator(), tmp_path / "exports", "tiny")
    seeds = [1, 2] if mode == "--interpolate" else []
    status, _, err = run(capsys, "sample", export, mode, *seeds, "--steps", steps, "-o", tmp_path / "s.png")
    assert status == 2 and len(err.strip().splitlines()) == 1
    assert f"--steps must be {need}" in err and f"Received: --steps={steps}" in err and "`steps`" not in err


def test_sample_labels_help_says_how_to_give_one_per_image(capsys):
    status, out, _ = run(capsys, "sample", "--help")
    assert status == 0 and "comma-separated" in " ".join(out.split())


def test_sample_labels_name_the_flag_for_conditional_and_unconditional_exports(capsys, tmp_path):
    plain = export_generator(tiny_generator(), tmp_path / "exports", "tiny")
    conditional = export_generator(tiny_generator(num_classes=3), tmp_path / "exports", "ctiny")
    for export, labels, expected in [
        (
            plain,
            ["--labels", "3"],
            "--labels is for a conditional generator (cgan, acgan); this export takes a "
            "latent vector only. Received: --labels=3",
        ),
        (
            conditional,
            [],
            "This generator is conditional: pass --labels, class ids that must lie in [0, 3) (e.g. --labels 2, or "
            "0,1 one per image), or --per-class. Received: --labels=None",
        ),
        (conditional, ["--labels", "0,5"], "must lie in [0, 3)"),
    ]:
        status, _, err = run(capsys, "sample", export, "-n", 2, *labels, "-o", tmp_path / "s.png")
        assert status == 2 and len(err.strip().splitlines()) == 1 and expected in err, err
    status, _, _ = run(capsys, "sample", conditional, "-n", 2, "--labels", "0,2", "-o", tmp_path / "s.png")
    assert status == 0


def _gan():
    import tensorflow as tf

    from conftest import tiny_discriminator
    from kgan import GAN

    data = tf.data.Dataset.from_tensor_slices(np.zeros((8, 8, 8, 1), "float32")).batch(4)
    return GAN(tiny_generator(), tiny_discriminator(), seed=0), data


def _cyclegan():
    from kgan.data.domains import unpaired_dataset
    from kgan.models.cyclegan import build_cyclegan_networks
    from kgan.variants import CycleGAN

    images = np.zeros((8, 8, 8, 1), "float32")
    return CycleGAN(*build_cyclegan_networks((8, 8, 1), size="small")), unpaired_dataset(images, images, 4)


@pytest.mark.parametrize("make", [_gan, _cyclegan], ids=["GAN", "CycleGAN"])
def test_fit_on_a_dataset_does_not_warn_that_keras_ignores_shuffle(make):
    import warnings

    from kgan.core._keras_compat import DatasetsShuffleThemselves
    from kgan.variants import StackGAN

    model, data = make()
    model.compile(jit_compile=False)
    for shuffle, expected in ((None, 0), (True, 1)):  # the README's `gan.fit(data, ...)`; an explicit True still warns
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            given = {} if shuffle is None else {"shuffle": shuffle}
            model.fit(data, epochs=1, steps_per_epoch=2, verbose=0, **given)
        assert sum("shuffle=True" in str(w.message) for w in caught) == expected
    assert issubclass(StackGAN, DatasetsShuffleThemselves)  # its fit too (docs/variants.md's snippets)
