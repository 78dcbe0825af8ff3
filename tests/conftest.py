"""Shared fixtures: tiny models and data so every test runs in seconds."""

import atexit
import importlib.util
import os
import pathlib
import shutil
import tempfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np
import pytest
import tensorflow as tf

from kgan.core.distribute import split_cpu

# The XLA choice of `jit_compile="auto"` is cached here, not in the user's cache (kgan.training.xla_choice);
# the folder is shared by the session, so runs of one kind measure once.
os.environ["KGAN_CACHE_DIR"] = tempfile.mkdtemp(prefix="kgan-test-cache-")
atexit.register(shutil.rmtree, os.environ["KGAN_CACHE_DIR"], True)

# Two logical CPUs, so MirroredStrategy can be tested without GPUs (tests/test_distribute.py).
# Ops still run on /cpu:0 unless a strategy asks for both.
split_cpu(2)

from kgan.models import build_dcgan_discriminator, build_dcgan_generator  # noqa: E402 (after split_cpu, on purpose)

SCRIPTS = pathlib.Path(__file__).resolve().parent.parent / "scripts"
BENCHMARKS = SCRIPTS.parent / "benchmarks"
TINY_SHAPE = (8, 8, 1)
TINY_LATENT = 4


def tiny_generator(num_classes=None, **kwargs):
    return build_dcgan_generator(
        TINY_LATENT,
        TINY_SHAPE,
        stem_filters=8,
        filters=(4,),
        strides=(2,),
        output_stride=2,
        num_classes=num_classes,
        seed=1,
        **kwargs,
    )


def tiny_discriminator(num_classes=None, **kwargs):
    return build_dcgan_discriminator(
        TINY_SHAPE, filters=(4, 8), strides=(2, 2), num_classes=num_classes, seed=2, **kwargs
    )


def write_digits_npz(path, count):
    """The first `count` embedded MNIST digits as a Keras-style .npz (`x`, `y`) at `path`, for runs on a small file."""
    from kgan.data import load_arrays

    images, labels, _ = load_arrays()
    np.savez(path, x=images[:count, ..., 0], y=labels[:count])
    return path


@pytest.fixture
def tiny_images():
    rng = np.random.default_rng(0)
    return rng.uniform(-1, 1, size=(32, *TINY_SHAPE)).astype("float32")


@pytest.fixture
def tiny_dataset(tiny_images):
    labels = np.arange(len(tiny_images)) % 3
    return tf.data.Dataset.from_tensor_slices((tiny_images, labels.astype("int32"))).batch(8, drop_remainder=True)


@pytest.fixture(scope="session")
def mirrored():
    """MirroredStrategy over the two logical CPUs.

    One for the whole session: strategies created one after another in a process can
    hand out the same collective instance keys to different graphs.
    """
    from kgan.core import distribute

    return distribute.get_strategy("mirrored", devices=["/cpu:0", "/cpu:1"])


def load_script(name, folder=SCRIPTS):
    """`scripts/NAME.py` (or `NAME.py` of `folder`, e.g. `BENCHMARKS`) as a module, to call it in this process."""
    spec = importlib.util.spec_from_file_location(name, pathlib.Path(folder) / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_entry(capsys, entry, *argv):
    """`entry(argv)`'s exit status (argparse's usage errors included), stdout and stderr."""
    try:
        status = entry([str(a) for a in argv])
    except SystemExit as exit:
        status = exit.code
    out, err = capsys.readouterr()
    return status, out, err
