"""The corpus of bad inputs: each one fails with a clear one-line error that names the bad value.

Library calls raise ValueError or FileNotFoundError (FileExistsError for what
would be overwritten); commands exit with status 2 and print one line, no
traceback. Nothing the user had is changed by a failed call.
"""

import contextlib
import io
from pathlib import Path

import numpy as np
import pytest

import kgan
from conftest import tiny_generator
from kgan.cli import main
from kgan.data import load_arrays, make_dataset

SHIPPED = Path(__file__).resolve().parents[1] / "saved_models" / "mnist_infogan"


def images(n=4, dtype="uint8"):
    return np.zeros((n, 4, 4, 1), dtype)


def nan_images():
    x = images(dtype="float32")
    x[0, 0, 0, 0] = np.nan
    return x


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("bad")
    (d / "garbage.npz").write_bytes(b"this is not a zip archive")
    np.savez(d / "wrong_keys.npz", pixels=np.zeros((2, 4, 4)))
    (d / "empty_folder").mkdir()
    (d / "not_a_savedmodel").mkdir()
    (d / "not_a_savedmodel" / "notes.txt").write_text("hello")
    (d / "run" / "checkpoints").mkdir(parents=True)
    (d / "run" / "checkpoints" / "epoch_0001.keras").write_bytes(b"truncated")
    (d / "foreign").mkdir()
    (d / "foreign" / "thesis.tex").write_text("precious")
    return d


LIBRARY_CASES = [
    (
        "images of rank 2",
        lambda f: make_dataset(np.zeros((4, 4), "uint8")),
        ValueError,
        r"must have shape \(N, H, W, C\).*Received: images.shape=\(4, 4\)",
    ),
    (
        "images of rank 5",
        lambda f: make_dataset(np.zeros((2, 4, 4, 1, 1), "uint8")),
        ValueError,
        r"Received: images.shape=\(2, 4, 4, 1, 1\)",
    ),
    ("images of dtype bool", lambda f: make_dataset(images(dtype=bool)), ValueError, "Received: images.dtype=bool"),
    ("NaN pixels", lambda f: make_dataset(nan_images()), ValueError, "NaN"),
    ("pixels above 255", lambda f: make_dataset(images(dtype="float32") + 300), ValueError, "300"),
    ("an empty dataset", lambda f: make_dataset(images(0)), ValueError, r"empty.*shape=\(0, 4, 4, 1\)"),
    ("a batch larger than the data", lambda f: make_dataset(images(4), batch_size=8), ValueError, "batch_size=8"),
    ("batch size 0", lambda f: make_dataset(images(), batch_size=0), ValueError, "batch_size=0"),
    (
        "negative labels",
        lambda f: make_dataset(images(), np.array([0, 1, -1, 2]), batch_size=2),
        ValueError,
        "minimum -1",
    ),
    (
        "float labels",
        lambda f: make_dataset(images(), np.array([0.5, 1, 1, 2]), batch_size=2),
        ValueError,
        "labels.dtype=float64",
    ),
    (
        "more images than labels",
        lambda f: make_dataset(images(), np.array([0, 1, 1]), batch_size=2),
        ValueError,
        "len\\(labels\\)=3",
    ),
    ("an unknown dataset", lambda f: load_arrays("cifar"), ValueError, "name='cifar'"),
    ("a missing dataset file", lambda f: load_arrays("npz", f / "missing.npz"), FileNotFoundError, "missing.npz"),
    ("a corrupt dataset file", lambda f: load_arrays("npz", f / "garbage.npz"), ValueError, "garbage.npz"),
    ("an npz without images", lambda f: load_arrays("npz", f / "wrong_keys.npz"), ValueError, "pixels"),
    ("an empty image folder", lambda f: load_arrays("folder", f / "empty_folder"), ValueError, "Found no images"),
    (
        "an export that is not a SavedModel",
        lambda f: kgan.load_generator(f / "not_a_savedmodel"),
        ValueError,
        "not a SavedModel",
    ),
    ("a missing export", lambda f: kgan.load_generator(f / "nowhere"), FileNotFoundError, "nowhere"),
    (
        "a serving call with the wrong latent size",
        lambda f: kgan.load_generator(SHIPPED)(np.zeros((2, 7))),
        ValueError,
        r"latent must have shape \(batch, 64\); Received: shape=\(2, 7\)",
    ),
    (
        "an export version that exists",
        lambda f: kgan.export_generator(tiny_generator(), SHIPPED.parent, "mnist_infogan", version=1),
        FileExistsError,
        "Received: version=1",
    ),
    ("an unknown architecture", lambda f: kgan.build_models("resnet"), ValueError, "arch='resnet'"),
    ("an unknown loss", lambda f: kgan.core.losses.get("hinge2"), ValueError, "loss='hinge2'"),
    ("a non-positive epoch count", lambda f: kgan.train(epochs=0, output_dir=f / "e0"), ValueError, "epochs=0"),
]


@pytest.mark.parametrize("what,call,error,message", LIBRARY_CASES, ids=[c[0] for c in LIBRARY_CASES])
def test_library_rejects(files, what, call, error, message):
    with pytest.raises(error, match=message) as caught:
        call(files)
    assert "\n" not in str(caught.value)


COMMAND_CASES = [
    ("--epochs -1", ["train", "--epochs", "-1"], "expected a positive integer, received '-1'"),
    ("--epochs banana", ["train", "--epochs", "banana"], "expected a positive integer, received 'banana'"),
    ("--batch-size 0", ["train", "--batch-size", "0"], "expected a positive integer, received '0'"),
    ("an unknown --arch", ["train", "--arch", "resnet"], "invalid choice: 'resnet'"),
    ("an unknown --dataset", ["train", "--dataset", "cifar"], "invalid choice: 'cifar'"),
    ("--lr-g nan", ["train", "--lr-g", "nan"], "expected a positive number, received 'nan'"),
    ("--dataset npz without --data-path", ["train", "--dataset", "npz", "--output-dir", "{f}/npz-run"], "needs `path`"),
    ("an output dir that is not a kgan run", ["train", "--output-dir", "{f}/foreign"], "not a kgan run"),
    ("a corrupt checkpoint", ["export", "{f}/run"], "epoch_0001.keras"),
    ("sampling into an unknown format", ["sample", str(SHIPPED), "-o", "{f}/x.jpg"], "must end in .png, .gif or .npz"),
]


@pytest.mark.parametrize("what,argv,message", COMMAND_CASES, ids=[c[0] for c in COMMAND_CASES])
def test_command_exits_2_with_one_line(files, what, argv, message):
    stderr = io.StringIO()
    with contextlib.redirect_stderr(stderr), contextlib.redirect_stdout(io.StringIO()):
        try:
            status = main([a.format(f=files) for a in argv])
        except SystemExit as exit:
            status = exit.code
    lines = [line for line in stderr.getvalue().splitlines() if line.strip() and not line.startswith("usage")]
    assert status == 2
    assert message in lines[-1] and "Traceback" not in stderr.getvalue()
    assert (files / "foreign" / "thesis.tex").read_text() == "precious"


def test_a_checkpoint_carrying_code_is_not_run_unless_trusted(tmp_path):
    import keras

    from conftest import tiny_discriminator
    from kgan.core import GAN

    latent = keras.Input((4,))
    smuggled = keras.layers.Lambda(lambda x: x * 1.0, name="smuggled")(latent)  # arbitrary Python code
    generator = keras.Model(latent, tiny_generator()(smuggled))
    gan = GAN(generator, tiny_discriminator())
    gan.compile(jit_compile=False)
    (tmp_path / "run" / "checkpoints").mkdir(parents=True)
    gan.save(tmp_path / "run" / "checkpoints" / "epoch_0001.keras")
    stderr = io.StringIO()
    with contextlib.redirect_stderr(stderr), contextlib.redirect_stdout(io.StringIO()):
        status = main(["export", str(tmp_path / "run")])
    assert status == 2 and "safe_mode" in stderr.getvalue()
    assert not (tmp_path / "run" / "saved_models").exists()
    with contextlib.redirect_stdout(io.StringIO()):
        assert main(["export", str(tmp_path / "run"), "--trust-checkpoint"]) == 0
