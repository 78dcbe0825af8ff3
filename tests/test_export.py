"""Tests for `kgan.serving`: generators as TF Serving SavedModels."""

import datetime
import hashlib
import json
import os
import pathlib
import shutil
import stat
import subprocess
import sys
import textwrap

import keras
import numpy as np
import pytest
import tensorflow as tf
from keras import layers

from kgan import serving

LATENT_DIM = 4
NUM_CLASSES = 3


def _upsample_to_image(x):
    # latent-sized features -> 8x8x1 tanh image, with BatchNorm so that
    # inference mode (moving statistics) is observable.
    x = layers.Dense(2 * 2 * 8, name="project")(x)
    x = layers.Reshape((2, 2, 8), name="reshape")(x)
    x = layers.BatchNormalization(name="bn")(x)
    x = layers.Conv2DTranspose(4, 3, strides=2, padding="same", activation="relu", name="up1")(x)
    return layers.Conv2DTranspose(1, 3, strides=2, padding="same", activation="tanh", name="up2")(x)


def _randomise_batchnorm(model, seed):
    # Fresh moving statistics (0 and 1) would make training and inference
    # mode agree; move them so that only inference mode matches `predict`.
    rng = np.random.default_rng(seed)
    bn = model.get_layer("bn")
    bn.moving_mean.assign(rng.normal(size=bn.moving_mean.shape))
    bn.moving_variance.assign(rng.uniform(0.5, 2.0, size=bn.moving_variance.shape))
    return model


def build_generator(seed=0):
    keras.utils.set_random_seed(seed)
    latent = keras.Input((LATENT_DIM,), name="latent")
    model = keras.Model(latent, _upsample_to_image(latent), name="tiny_generator")
    return _randomise_batchnorm(model, seed)


def build_conditional_generator(label_shape=(), seed=0):
    """A cGAN generator: latent * Embedding(labels), or concat with one-hot."""
    keras.utils.set_random_seed(seed)
    latent = keras.Input((LATENT_DIM,), name="latent")
    if label_shape == (NUM_CLASSES,):
        labels = keras.Input(label_shape, name="labels")
        x = layers.Concatenate(name="concat")([latent, labels])
    else:
        labels = keras.Input(label_shape, dtype="int32", name="labels")
        embedded = layers.Embedding(NUM_CLASSES, LATENT_DIM, name="embed")(labels)
        embedded = layers.Reshape((LATENT_DIM,), name="flat")(embedded)
        x = layers.Multiply(name="condition")([latent, embedded])
    model = keras.Model([latent, labels], _upsample_to_image(x), name="tiny_cgan_generator")
    return _randomise_batchnorm(model, seed)


def _predict(generator, latent, labels=None, label_shape=()):
    if labels is None:
        return generator.predict(latent, verbose=0)
    if label_shape == (1,):
        labels = labels[:, None]
    elif label_shape == (NUM_CLASSES,):
        labels = np.eye(NUM_CLASSES, dtype="float32")[labels]
    return generator.predict([latent, labels], verbose=0)


def _digest(folder):
    folder = pathlib.Path(folder)
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _latent(batch, seed=1):
    return np.random.default_rng(seed).normal(size=(batch, LATENT_DIM)).astype("float32")


@pytest.fixture(scope="module")
def generator():
    return build_generator()


@pytest.fixture(scope="module")
def exported(generator, tmp_path_factory):
    """One unconditional export shared by the tests that only read it."""
    base = tmp_path_factory.mktemp("shared") / "saved_models"
    return serving.export_generator(generator, base, "tiny")


@pytest.fixture(scope="module")
def conditional_generator():
    return build_conditional_generator()


@pytest.fixture(scope="module")
def conditional_exported(conditional_generator, tmp_path_factory):
    base = tmp_path_factory.mktemp("shared") / "saved_models"
    return serving.export_generator(conditional_generator, base, "cgan")


def _saved_model_cli():
    path = shutil.which("saved_model_cli")
    if path:
        return [path]
    try:
        from tensorflow.python.tools import saved_model_cli  # noqa: F401
    except ImportError:
        pytest.skip("saved_model_cli is not installed")
    return [sys.executable, "-m", "tensorflow.python.tools.saved_model_cli"]


def _quiet_env():
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    env.pop("PYTHONPATH", None)
    return env


# Layout and versions ------------------------------------------------------


def test_export_writes_version_1_in_tf_serving_layout(generator, tmp_path):
    path = serving.export_generator(generator, tmp_path / "models", "tiny")

    assert path == tmp_path / "models" / "tiny" / "1"
    assert (path / "saved_model.pb").is_file()
    assert (path / "variables" / "variables.index").is_file()
    assert os.listdir(path.parent) == ["1"]
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o777 & ~umask  # readable by a server running as another user


def test_second_export_is_version_2_and_leaves_version_1_byte_identical(generator, tmp_path):
    first = serving.export_generator(generator, tmp_path, "tiny")
    before = _digest(first)

    second = serving.export_generator(build_generator(seed=5), tmp_path, "tiny")

    assert second == tmp_path / "tiny" / "2"
    assert _digest(first) == before
    assert serving.latest_version(tmp_path / "tiny") == 2


def test_existing_version_raises_file_exists_and_is_untouched(generator, tmp_path):
    path = serving.export_generator(generator, tmp_path, "tiny", version=3)
    before = _digest(path)

    with pytest.raises(FileExistsError, match=str(path)):
        serving.export_generator(build_generator(seed=5), tmp_path, "tiny", version=3)

    assert _digest(path) == before
    assert os.listdir(tmp_path / "tiny") == ["3"]


def test_overwrite_replaces_existing_version(generator, tmp_path):
    serving.export_generator(generator, tmp_path, "tiny", version=1)
    replacement = build_generator(seed=5)

    path = serving.export_generator(replacement, tmp_path, "tiny", version=1, overwrite=True)

    latent = _latent(3)
    np.testing.assert_allclose(serving.load_generator(path)(latent), _predict(replacement, latent), atol=1e-5)
    assert os.listdir(tmp_path / "tiny") == ["1"]


@pytest.mark.parametrize("overwrite", [False, True])
def test_failed_export_leaves_no_temp_folder_and_no_half_version(generator, tmp_path, monkeypatch, overwrite):
    existing = serving.export_generator(generator, tmp_path, "tiny")
    before = _digest(existing)
    real_write = serving.export.write_saved_model

    def write_then_fail(*args):
        real_write(*args)  # files really land in the temp folder first
        raise RuntimeError("disk full")

    monkeypatch.setattr(serving.export, "write_saved_model", write_then_fail)
    with pytest.raises(RuntimeError, match="disk full"):
        serving.export_generator(
            generator,
            tmp_path,
            "tiny",
            version=1 if overwrite else None,
            overwrite=overwrite,
        )

    assert os.listdir(tmp_path / "tiny") == ["1"]
    assert _digest(existing) == before


def test_failed_first_export_removes_the_folders_it_created(generator, tmp_path, monkeypatch):
    def fail(*args):
        raise RuntimeError("boom")

    monkeypatch.setattr(serving.export, "write_saved_model", fail)
    with pytest.raises(RuntimeError):
        serving.export_generator(generator, tmp_path / "new" / "models", "tiny")

    assert os.listdir(tmp_path) == []


def test_latest_version_counts_only_integer_folders(tmp_path):
    for name in ("1", "10", "2", ".tmp-11-abc", "notes"):
        (tmp_path / name).mkdir()
    (tmp_path / "12").write_text("a file, not a version")

    assert serving.latest_version(tmp_path) == 10
    assert serving.latest_version(tmp_path / "missing") is None
    assert serving.latest_version(tmp_path / "notes") is None


# The exported signature -----------------------------------------------------


def test_export_runs_with_only_tensorflow_importable(generator, exported, tmp_path):
    # Hide keras and kgan, as on a machine with only TensorFlow installed.
    # (`import tensorflow` alone imports keras when it is installed.)
    script = textwrap.dedent(
        """
        import json, sys
        from importlib.machinery import PathFinder

        class HideKerasAndKgan:
            @staticmethod
            def find_spec(name, path=None, target=None):
                if name.partition(".")[0] in ("keras", "kgan", "tf_keras"):
                    return None
                return PathFinder.find_spec(name, path, target)

        sys.meta_path = [
            HideKerasAndKgan if f is PathFinder else f for f in sys.meta_path
        ]
        import numpy as np
        import tensorflow as tf

        m = tf.saved_model.load(sys.argv[1])
        out = m.signatures["serving_default"](latent=tf.constant(np.load(sys.argv[2])))
        np.save(sys.argv[3], out["images"].numpy())
        print(json.dumps({
            "outputs": sorted(out),
            "imported": sorted(
                m for m in sys.modules if m.partition(".")[0] in ("keras", "kgan")
            ),
        }))
        """
    )
    latent = _latent(3)
    np.save(tmp_path / "latent.npy", latent)

    result = subprocess.run(
        [sys.executable, "-c", script, str(exported), str(tmp_path / "latent.npy"), str(tmp_path / "images.npy")],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=_quiet_env(),
        timeout=120,
    )

    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report == {"outputs": ["images"], "imported": []}
    images = np.load(tmp_path / "images.npy")
    assert images.shape == (3, 8, 8, 1) and images.dtype == np.float32
    assert images.min() >= -1.0 and images.max() <= 1.0
    np.testing.assert_allclose(images, _predict(generator, latent), atol=1e-5)


def test_export_runs_generator_in_inference_mode(generator, exported):
    latent = _latent(5)

    images = serving.load_generator(exported)(latent)

    np.testing.assert_allclose(images, _predict(generator, latent), atol=1e-5)
    training_mode = keras.ops.convert_to_numpy(generator(latent, training=True))
    assert not np.allclose(images, training_mode, atol=1e-3)


def test_uint8_and_png_signatures_give_the_same_pictures_as_serving_default(exported):
    model = tf.saved_model.load(str(exported))
    assert {"serving_default", "images_uint8", "png"} <= set(model.signatures)
    latent = tf.constant(_latent(3))
    images = model.signatures["serving_default"](latent=latent)["images"].numpy()
    pixels = model.signatures["images_uint8"](latent=latent)["images"].numpy()
    png = model.signatures["png"](latent=latent)["png_bytes"].numpy()
    assert pixels.dtype == np.uint8 and pixels.shape == images.shape
    np.testing.assert_array_equal(pixels, np.clip(np.rint((images + 1) * 127.5), 0, 255).astype("uint8"))
    assert png.shape == (3,) and all(p.startswith(b"\x89PNG") for p in png)
    np.testing.assert_array_equal(tf.io.decode_png(png[1]).numpy(), pixels[1])


@pytest.mark.parametrize("label_shape", [(), (1,), (NUM_CLASSES,)], ids=["ids", "ids-(1,)", "one-hot"])
def test_conditional_export_takes_latent_and_int_labels(tmp_path, label_shape):
    generator = build_conditional_generator(label_shape)
    path = serving.export_generator(generator, tmp_path, "cgan")

    signature = tf.saved_model.load(str(path)).signatures["serving_default"]
    inputs = signature.structured_input_signature[1]
    assert sorted(inputs) == ["labels", "latent"]
    assert inputs["latent"].dtype == tf.float32
    assert inputs["latent"].shape.as_list() == [None, LATENT_DIM]
    assert inputs["labels"].dtype == tf.int32
    assert inputs["labels"].shape.as_list() == [None]

    latent = np.repeat(_latent(1), NUM_CLASSES, axis=0)  # same z, every class
    labels = np.arange(NUM_CLASSES, dtype="int32")
    images = signature(latent=tf.constant(latent), labels=tf.constant(labels))
    images = images["images"].numpy()
    np.testing.assert_allclose(images, _predict(generator, latent, labels, label_shape), atol=1e-5)
    assert not np.allclose(images[0], images[1])  # the label matters
    assert serving.read_metadata(path)["num_classes"] == NUM_CLASSES


def test_saved_model_cli_shows_and_runs_every_signature(conditional_generator, conditional_exported, tmp_path):
    # The commands docs/serving.md gives. `run` takes literals or .npy files
    # only (TF 2.21 rejects `np.zeros(...)` in --input_exprs).
    latent = _latent(2)
    np.save(tmp_path / "latent.npy", latent)
    cli = _saved_model_cli()
    commands = {
        "show": cli + ["show", "--dir", str(conditional_exported), "--all"],
        "run": cli
        + [
            "run",
            "--dir",
            str(conditional_exported),
            "--tag_set",
            "serve",
            "--signature_def",
            "serving_default",
            "--inputs",
            f"latent={tmp_path / 'latent.npy'}",
            "--input_exprs",
            "labels=[2, 0]",
            "--outdir",
            str(tmp_path / "out"),
        ],
        **{
            f"run_{signature}": cli
            + [
                "run",
                "--dir",
                str(conditional_exported),
                "--tag_set",
                "serve",
                "--signature_def",
                signature,
                "--inputs",
                f"latent={tmp_path / 'latent.npy'}",
                "--input_exprs",
                "labels=[2, 0]",
                "--outdir",
                str(tmp_path / signature),
            ]
            for signature in ("images_uint8", "png")
        },
    }
    # Each command spends ~10 s importing TensorFlow; run them side by side.
    processes = {
        name: subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=_quiet_env(),
        )
        for name, command in commands.items()
    }
    results = {name: p.communicate(timeout=120) for name, p in processes.items()}

    for name, process in processes.items():
        assert process.returncode == 0, results[name][1][-3000:]
    shown = results["show"][0]
    assert "signature_def['serving_default']" in shown
    assert "inputs['latent']" in shown and "inputs['labels']" in shown
    assert "outputs['images']" in shown
    assert "shape: (-1, 8, 8, 1)" in shown
    assert "Method name is: tensorflow/serving/predict" in shown
    np.testing.assert_allclose(
        np.load(tmp_path / "out" / "images.npy"),
        _predict(conditional_generator, latent, np.array([2, 0])),
        atol=1e-5,
    )
    for signature in ("images_uint8", "png"):
        assert f"signature_def['{signature}']" in shown
    pixels = np.load(tmp_path / "images_uint8" / "images.npy")
    floats = np.load(tmp_path / "out" / "images.npy")
    assert pixels.dtype == np.uint8
    np.testing.assert_array_equal(pixels, np.clip(np.rint((floats + 1) * 127.5), 0, 255).astype("uint8"))
    png = np.load(tmp_path / "png" / "png_bytes.npy", allow_pickle=True)
    assert len(png) == 2
    np.testing.assert_array_equal(tf.io.decode_png(png[0]).numpy(), pixels[0])


# load_generator --------------------------------------------------------------


def test_load_generator_accepts_model_folder_and_picks_highest_version(generator, tmp_path):
    serving.export_generator(generator, tmp_path, "tiny")
    newer = build_generator(seed=5)
    serving.export_generator(newer, tmp_path, "tiny")

    generate = serving.load_generator(tmp_path / "tiny")

    assert generate.path == tmp_path / "tiny" / "2"
    assert (generate.latent_dim, generate.image_shape) == (LATENT_DIM, (8, 8, 1))
    latent = _latent(2)
    np.testing.assert_allclose(generate(latent), _predict(newer, latent), atol=1e-5)


def test_load_generator_missing_dir_raises_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError, match="nowhere"):
        serving.load_generator(tmp_path / "nowhere")


def test_load_generator_non_savedmodel_dir_raises_value_error(tmp_path):
    (tmp_path / "junk").mkdir()
    (tmp_path / "junk" / "notes.txt").write_text("not a model")

    with pytest.raises(ValueError, match="junk.*not a SavedModel"):
        serving.load_generator(tmp_path / "junk")


def test_load_generator_wrong_latent_size_names_the_shape(exported):
    generate = serving.load_generator(exported)

    with pytest.raises(ValueError) as error:
        generate(np.zeros((2, 7)))

    assert str(error.value) == (f"latent must have shape (batch, {LATENT_DIM}); Received: shape=(2, 7)")


def test_load_generator_checks_labels(conditional_exported, exported):
    generate = serving.load_generator(conditional_exported)

    with pytest.raises(ValueError, match="Received: labels=None"):
        generate(_latent(2))
    with pytest.raises(ValueError, match=r"\[0, 3\). Received: labels=\[0, 3\]"):
        generate(_latent(2), [0, 3])
    with pytest.raises(ValueError, match="unconditional"):
        serving.load_generator(exported)(_latent(2), labels=[0, 1])
    assert generate(_latent(2), labels=1).shape == (2, 8, 8, 1)


# Metadata ----------------------------------------------------------------------


def test_metadata_round_trip(generator, tmp_path):
    metadata = {
        "architecture": "dcgan",
        "latent_distribution": "normal",
        "dataset": "mnist_5k",
        "epochs": np.int64(20),  # NumPy scalars are common in training code
        "losses": {"generator": "non_saturating"},
    }
    path = serving.export_generator(generator, tmp_path, "tiny", metadata=metadata)

    stored = serving.read_metadata(path)

    assert stored == json.loads((path / "assets.extra" / "kgan.json").read_text())
    assert {k: stored[k] for k in metadata} == {**metadata, "epochs": 20}
    assert stored["latent_dim"] == LATENT_DIM
    assert stored["image_shape"] == [8, 8, 1]
    assert stored["num_classes"] is None
    assert stored["kgan_version"] == __import__("kgan").__version__
    datetime.datetime.fromisoformat(stored["created"])
    assert serving.read_metadata(tmp_path / "tiny") == stored


def test_metadata_that_contradicts_the_generator_raises_before_writing(generator, tmp_path):
    with pytest.raises(ValueError, match="Received: latent_dim=100"):
        serving.export_generator(generator, tmp_path, "tiny", metadata={"latent_dim": 100})
    with pytest.raises(ValueError, match="JSON-serialisable"):
        serving.export_generator(generator, tmp_path, "tiny", metadata={"when": datetime.date.today()})
    assert os.listdir(tmp_path) == []


# Argument validation --------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs, received",
    [
        ({"name": ""}, "name=''"),
        ({"name": "a/b"}, "name='a/b'"),
        ({"name": ".."}, "name='..'"),
        ({"version": 0}, "version=0"),
        ({"version": -2}, "version=-2"),
        ({"version": 1.5}, "version=1.5"),
        ({"version": "3"}, "version='3'"),
        ({"version": True}, "version=True"),
    ],
)
def test_invalid_name_or_version_raises_value_error(generator, tmp_path, kwargs, received):
    with pytest.raises(ValueError, match=f"Received: {received}"):
        serving.export_generator(generator, tmp_path, **kwargs)
    assert os.listdir(tmp_path) == []


def test_generator_with_three_inputs_raises_value_error(tmp_path):
    inputs = [keras.Input((LATENT_DIM,)) for _ in range(3)]
    model = keras.Model(inputs, layers.Add()(inputs))

    with pytest.raises(ValueError, match="1 input .* or 2 inputs"):
        serving.export_generator(model, tmp_path)
    with pytest.raises(ValueError, match="Received: generator=str"):
        serving.export_generator("generator.keras", tmp_path)


def test_exports_kgan_conditional_dcgan_generator(tmp_path):
    from conftest import tiny_generator

    generator = tiny_generator(num_classes=NUM_CLASSES)
    path = serving.export_generator(generator, tmp_path, "dcgan")

    generate = serving.load_generator(path)
    latent, labels = _latent(NUM_CLASSES), np.arange(NUM_CLASSES)
    expected = generator.predict([latent, labels[:, None]], verbose=0)
    np.testing.assert_allclose(generate(latent, labels), expected, atol=1e-5)
    assert generate.num_classes == NUM_CLASSES


def test_export_stores_each_weight_once(tmp_path):
    from kgan.models import build_models

    generator, _ = build_models("dcgan")
    path = serving.export_generator(generator, tmp_path, "once")
    reader = tf.train.load_checkpoint(str(path / "variables" / "variables"))
    stored = sum(int(np.prod(shape)) for shape in reader.get_variable_to_shape_map().values())
    assert generator.count_params() <= stored < 1.01 * generator.count_params()  # (+ a step counter)
