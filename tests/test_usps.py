"""Lecture 000's USPS exercise: both USPS file formats decoded exactly, bad files refused in one line, the DCGAN
preset and the variants at 16 x 16, the 16 x 16 classifier, and the script end to end on a tiny file."""

import bz2
import json
import pathlib

import h5py
import keras
import numpy as np
import pytest

from conftest import load_script
from kgan.cli.errors import run_main
from kgan.data import load_arrays, make_dataset
from kgan.data.usps import libsvm_test_path, load_usps, write_usps
from kgan.lectures import usps
from kgan.variants import build_variant


def write_h5(path, train=None, test=None):
    """A usps.h5 written by hand: groups of `data` (N x 256 floats) and `target`."""
    with h5py.File(path, "w") as f:
        for name, split in {"train": train, "test": test}.items():
            if split is not None:
                group = f.create_group(name)
                group["data"], group["target"] = split
    return path


def write_text(path, lines):
    text = "".join(line + "\n" for line in lines).encode()
    path.write_bytes(bz2.compress(text) if str(path).endswith(".bz2") else text)
    return path


def digits(count, seed=0):
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (count, 16, 16), dtype=np.uint8), np.arange(count) % 10


# --- decoding -----------------------------------------------------------------------------------------------------


def test_hdf5_file_decodes_to_exact_pixels_and_digits(tmp_path):
    data = np.zeros((3, 256))
    data[0, 0], data[1, 17], data[2, 255] = 1.0, 0.5, 0.2  # pixel (0, 0), (1, 1), (15, 15)
    path = write_h5(tmp_path / "usps.h5", (data, np.array([0, 5, 9])), (np.ones((2, 256)), np.array([3, 4])))

    images, labels, info = load_arrays("usps", path)
    assert images.shape == (3, 16, 16, 1) and images.dtype == np.uint8
    assert labels.tolist() == [0, 5, 9] and labels.dtype == np.int32
    assert images[0, 0, 0, 0] == 255 and images[1, 1, 1, 0] == 128 and images[2, 15, 15, 0] == 51
    assert int(images.astype(int).sum()) == 255 + 128 + 51
    assert (info.name, info.image_shape, info.num_classes) == ("usps", (16, 16, 1), 10)

    test_images, test_labels, _ = load_arrays("usps", path, split="test")
    assert test_labels.tolist() == [3, 4] and (test_images == 255).all()


@pytest.mark.parametrize("name", ["usps", "usps.bz2"])
def test_libsvm_file_decodes_label_as_digit_plus_one_and_a_missing_index_as_zero(tmp_path, name):
    path = write_text(
        tmp_path / name, ["1 1:-1 2:1 256:0.5", "10 17:-0.5", "", "5 " + " ".join(f"{i}:1" for i in range(1, 257))]
    )

    images, labels, info = load_arrays("usps", path)
    assert labels.tolist() == [0, 9, 4]  # LIBSVM's USPS labels 1-10 are the digits 0-9 plus one
    expected = np.full((3, 256), 128, np.uint8)  # a left-out index is 0, the middle of [-1, 1]
    expected[0, [0, 1, 255]] = [0, 255, 191]
    expected[1, 16] = 64
    expected[2] = 255
    np.testing.assert_array_equal(images.reshape(3, 256), expected)
    assert info.image_shape == (16, 16, 1)


@pytest.mark.parametrize("name", ["usps", "usps.bz2"])
def test_libsvm_test_split_is_the_t_file_beside_the_training_file(tmp_path, name):
    write_text(tmp_path / name, ["1 1:1"])
    write_text(pathlib.Path(libsvm_test_path(tmp_path / name)), ["3 1:1", "4 1:1"])
    assert libsvm_test_path("d/usps.bz2") == "d/usps.t.bz2" and libsvm_test_path("d/usps") == "d/usps.t"
    _, labels = load_usps(tmp_path / name, split="test")
    assert labels.tolist() == [2, 3]


@pytest.mark.parametrize("name", ["usps.h5", "usps", "usps.bz2"])
def test_write_usps_round_trips_every_format(tmp_path, name):
    train, test = digits(12), digits(5, seed=1)
    written = write_usps(tmp_path / name, train, test)
    assert len(written) == (1 if name.endswith(".h5") else 2)
    for split, (images, labels) in {"train": train, "test": test}.items():
        got_images, got_labels = load_usps(tmp_path / name, split)
        np.testing.assert_array_equal(got_images, images)
        np.testing.assert_array_equal(got_labels, labels)


# --- bad files: one line naming the file and what was expected -----------------------------------------------------


def bad_h5(tmp_path, kind):
    good = (np.zeros((2, 256)), np.array([1, 2]))
    cases = {
        "no test group": dict(train=good),
        "row length": dict(train=(np.zeros((2, 255)), np.array([1, 2]))),
        "label": dict(train=(np.zeros((2, 256)), np.array([1, 10]))),
        "values": dict(train=(np.full((2, 256), 1.5), np.array([1, 2]))),
        "empty": dict(train=(np.zeros((0, 256)), np.zeros(0, int))),
        "target length": dict(train=(np.zeros((2, 256)), np.array([1]))),
    }
    return write_h5(tmp_path / "usps.h5", **cases[kind])


@pytest.mark.parametrize(
    "kind,split,match",
    [
        ("no test group", "test", "'test' is missing"),
        ("row length", "train", r"shape \(N, 256\)"),
        ("label", "train", "integers 0-9"),
        ("values", "train", r"lie in \[0, 1\]"),
        ("empty", "train", "holds no digits"),
        ("target length", "train", "one digit per row"),
    ],
)
def test_bad_hdf5_files_are_refused_in_one_line(tmp_path, kind, split, match):
    path = bad_h5(tmp_path, kind)
    with pytest.raises(ValueError, match=match) as error:
        load_arrays("usps", path, split=split)
    assert str(path) in str(error.value) and "\n" not in str(error.value)


@pytest.mark.parametrize(
    "lines,match",
    [
        (["0 1:1"], r"integers 1-10 \(the digit \+ 1\)"),
        (["11 1:1"], "integers 1-10"),
        (["2.5 1:1"], "integers 1-10"),
        (["1 1:1.5"], r"line 1: values must lie in \[-1, 1\]"),
        (["1 1:nan"], r"values must lie in \[-1, 1\]"),
        (["1 1:1", "2 257:1"], "line 2: indices must be ascending within 1-256"),
        (["1 0:1"], "indices must be ascending within 1-256"),
        (["1 3:1 2:1"], "indices must be ascending"),
        (["hello world"], "expected a label, then index:value pairs"),
        (["1 1-0.5"], "expected a label, then index:value pairs"),
        ([], "holds no digits"),
    ],
)
def test_bad_libsvm_files_are_refused_in_one_line(tmp_path, lines, match):
    path = write_text(tmp_path / "usps", lines)
    with pytest.raises(ValueError, match=match) as error:
        load_arrays("usps", path)
    assert str(path) in str(error.value) and "\n" not in str(error.value)


def test_binary_file_missing_file_and_bad_split_are_refused(tmp_path):
    junk = tmp_path / "usps.bin"
    junk.write_bytes(b"\x00\xff\xfe" * 100)
    with pytest.raises(ValueError, match="not text; expected an HDF5 file or LIBSVM text"):
        load_arrays("usps", junk)
    truncated = tmp_path / "usps.bz2"
    truncated.write_bytes(bz2.compress(b"1 1:1\n" * 100)[:40])
    with pytest.raises(ValueError, match="Could not read"):
        load_arrays("usps", truncated)
    with pytest.raises(FileNotFoundError, match="usps.t"):
        load_arrays("usps", write_text(tmp_path / "usps", ["1 1:1"]), split="test")
    with pytest.raises(FileNotFoundError, match="No such USPS file"):
        load_arrays("usps", tmp_path / "missing.h5")
    with pytest.raises(ValueError, match="split='validation'"):
        load_arrays("usps", tmp_path / "usps", split="validation")
    with pytest.raises(ValueError, match="needs `path`.*usps.h5"):
        load_arrays("usps")
    with pytest.raises(ValueError, match="digits 0-9"):
        write_usps(tmp_path / "x.h5", (digits(2)[0], np.array([0, 10])))


# --- networks at 16 x 16 -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [12, 16, 20, 24])
def test_dcgan_preset_builds_at_every_multiple_of_4(size):
    gan = build_variant("gan", "dcgan", (size, size, 1), seed=0)
    assert gan.generator.output_shape == (None, size, size, 1)
    assert gan.discriminator(np.zeros((2, size, size, 1), "float32")).shape == (2, 1)


@pytest.mark.parametrize("variant", ["gan", "cgan", "acgan", "infogan"])
def test_variants_train_on_16x16_digits(variant):
    images, labels = digits(64)
    gan = build_variant(variant, "dcgan", (16, 16, 1), num_classes=10, seed=0)
    gan.compile()
    history = gan.fit(make_dataset(images, labels, batch_size=32, seed=0), epochs=1, verbose=0)
    assert all(np.isfinite(values[-1]) for values in history.history.values())
    latent = keras.random.normal((3, gan.latent_dim), seed=0)
    fakes = gan.generate(latent, gan.sample_fake_labels(np.array([1, 2, 3]), 3))
    assert fakes.shape == (3, 16, 16, 1)


# --- the exercise: classifier, training, scores ---------------------------------------------------------------------


@pytest.fixture
def tiny_usps(tmp_path):
    """60 training and 40 test digits in a usps.h5."""
    return write_usps(tmp_path / "usps.h5", digits(60), digits(40, seed=1))[0]


def test_help_lists_the_training_and_exercise_flags(capsys):
    with pytest.raises(SystemExit) as exit:
        load_script("lecture000_usps").main(["--help"])
    assert exit.value.code == 0
    out = capsys.readouterr().out
    for flag in ["--data-path", "--epochs", "--variant", "--output-dir", "--classifier-dir", "--write-standin"]:
        assert flag in out


def test_one_epoch_run_trains_the_classifier_the_gan_and_scores_the_export(tmp_path, tiny_usps, capsys):
    run_dir, classifier_dir = tmp_path / "run", tmp_path / "classifier"
    argv = ["--data-path", tiny_usps, "--epochs", "1", "--batch-size", "20", "--classifier-epochs", "1", "--no-jit"]
    argv += ["--classifier-dir", str(classifier_dir), "--output-dir", str(run_dir)]
    assert load_script("lecture000_usps").main(argv) == 0
    out = capsys.readouterr().out
    assert "on 40 test digits" in out and "classes covered" in out
    card = json.loads((classifier_dir / "usps_classifier.json").read_text())
    assert card["architecture"]["image_shape"] == [16, 16, 1] and card["dataset"] == "usps"
    evaluation = json.loads((run_dir / usps.EVALUATION_FILE).read_text())
    assert evaluation["held_out_accuracy"] == card["held_out_accuracy"]
    assert set(evaluation["scores"]) >= {"classifier_score", "classes_covered", "frechet_distance"}
    assert json.loads((run_dir / "config.json").read_text())["dataset"] == "usps"

    # The same file reuses the classifier (its weights untouched); another file's folder is refused.
    weights = classifier_dir / "usps_classifier.weights.h5"
    mtime = weights.stat().st_mtime_ns
    assert usps.prepare_usps_classifier(tiny_usps, classifier_dir)[0] == weights
    assert weights.stat().st_mtime_ns == mtime
    other = write_usps(tmp_path / "other.h5", digits(20), digits(20))[0]
    with pytest.raises(ValueError, match="holds a classifier of usps at .*usps.h5, not of this file"):
        usps.prepare_usps_classifier(other, classifier_dir)


@pytest.mark.parametrize(
    "argv,match",
    [
        ([], "needs the USPS file: --data-path"),
        (["--dataset", "mnist_embedded"], "dataset 'usps'. Received: dataset='mnist_embedded'"),
        (["--data-path", "nowhere.h5"], "nowhere.h5"),
    ],
)
def test_script_refuses_bad_settings_in_one_line(tmp_path, argv, match, capsys):
    argv = [*argv, "--classifier-dir", str(tmp_path / "c"), "--output-dir", str(tmp_path / "r")]
    assert run_main(load_script("lecture000_usps").main, argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and match in err, err
    assert not (tmp_path / "r").exists()


def test_standin_is_the_embedded_digits_at_16x16(tmp_path):
    assert load_script("lecture000_usps").main(["--write-standin", str(tmp_path / "standin.h5")]) == 0
    train, train_labels, info = load_arrays("usps", tmp_path / "standin.h5")
    test, _, _ = load_arrays("usps", tmp_path / "standin.h5", split="test")
    assert (len(train), len(test), info.image_shape) == (4000, 1000, (16, 16, 1))
    assert np.bincount(train_labels).tolist() == [400] * 10
    assert train.mean() > 20  # the digits' centres, not the empty border
