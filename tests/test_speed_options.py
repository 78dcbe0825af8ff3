"""The speed options of the main job: mixed precision (with loss scaling) and steps_per_execution."""

import json

import keras
import numpy as np
import pytest
import tensorflow as tf

from conftest import tiny_discriminator, tiny_generator, write_digits_npz
from kgan.core import GAN


@pytest.fixture
def mixed_float16():
    policy = keras.config.dtype_policy()
    keras.config.set_dtype_policy("mixed_float16")
    yield
    keras.config.set_dtype_policy(policy)


def test_a_float16_gan_gets_loss_scaled_optimizers_trains_and_round_trips(mixed_float16, tiny_images, tmp_path):
    gan = GAN(tiny_generator(), tiny_discriminator(batchnorm=True), seed=0)
    gan.compile(jit_compile=False)
    assert isinstance(gan.d_optimizer, keras.optimizers.LossScaleOptimizer)
    assert isinstance(gan.g_optimizer, keras.optimizers.LossScaleOptimizer)
    assert gan.generator.get_layer("project").compute_dtype == "float16"
    assert gan.generator.output.dtype == "float32" and gan.discriminator.output.dtype == "float32"
    history = gan.fit(tf.data.Dataset.from_tensor_slices(tiny_images).batch(8).take(2), verbose=0).history
    assert all(np.isfinite(v[-1]) for v in history.values())
    gan.save(tmp_path / "gan.keras")
    loaded = keras.saving.load_model(tmp_path / "gan.keras")
    assert isinstance(loaded.g_optimizer, keras.optimizers.LossScaleOptimizer)
    assert loaded.generator.get_layer("project").compute_dtype == "float16"


def test_a_float32_gan_keeps_plain_optimizers():
    gan = GAN(tiny_generator(), tiny_discriminator(), seed=0)
    gan.compile(jit_compile=False)
    assert not isinstance(gan.d_optimizer, keras.optimizers.LossScaleOptimizer)


def train_on_digits(tmp_path, **settings):
    """`kgan.train` for one epoch of four batches of 16 digits (64 from the embedded set), into `tmp_path / "run"`."""
    from kgan.training import train

    data_path = tmp_path / "digits.npz"
    if not data_path.exists():
        write_digits_npz(data_path, 64)
    defaults = dict(dataset="npz", data_path=data_path, epochs=1, batch_size=16, verbose=0, output_dir=tmp_path / "run")
    return train(**{**defaults, **settings})


def test_train_with_mixed_precision_and_steps_per_execution(tmp_path):
    result = train_on_digits(tmp_path, mixed_precision=True, steps_per_execution=2)
    assert result.gan.generator.get_layer("project").compute_dtype == "float16"
    assert result.gan.steps_per_execution == 2
    assert keras.config.dtype_policy().name == "float32"  # the caller's policy is back
    config = json.loads((result.run_dir / "config.json").read_text())
    assert config["mixed_precision"] is True and config["steps_per_execution"] == 2
    assert np.isfinite(result.history["g_loss"][-1])
    assert (result.export_path / "saved_model.pb").is_file()


def test_the_main_job_trains_resumes_and_exports_in_bfloat16(tmp_path):
    # The main job's recipe (InfoGAN, EMA generator, ADA) under `--mixed-precision bfloat16`: bfloat16 compute,
    # float32 weights, no loss scaling; config.json says so; the export passes the op check and gives float32
    # images; an interrupted run resumes in bfloat16, and a float32 resume of it is refused (it would mix two runs).
    from kgan.serving import load_generator
    from kgan.training import MAIN_JOB

    settings = dict(MAIN_JOB, mixed_precision="bfloat16", epochs=1)
    result = train_on_digits(tmp_path, **settings)
    assert result.gan.generator.get_layer("project").compute_dtype == "bfloat16"
    assert result.gan.generator.get_layer("project").variable_dtype == "float32"
    assert not isinstance(result.gan.d_optimizer, keras.optimizers.LossScaleOptimizer)
    assert keras.config.dtype_policy().name == "float32"  # the caller's policy is back
    config = json.loads((result.run_dir / "config.json").read_text())
    assert config["mixed_precision"] == "bfloat16" and config["devices"]["mixed_precision"] == "bfloat16"
    assert np.isfinite(result.history["g_loss"][-1])
    from kgan.serving.explore import sample

    images, _ = sample(load_generator(result.export_path), 4)  # load_generator checks the export's ops first
    assert images.dtype == np.float32 and images.shape == (4, 28, 28, 1) and np.isfinite(images).all()
    (result.run_dir / "finished.json").unlink()  # as if killed after its first epoch
    with pytest.raises(ValueError, match="would mix two runs"):  # a float32 resume of the bfloat16 run
        train_on_digits(tmp_path, **{**settings, "epochs": 2, "mixed_precision": False})
    resumed = train_on_digits(tmp_path, **{**settings, "epochs": 2, "export_name": "resumed"})
    assert resumed.gan.generator.get_layer("project").compute_dtype == "bfloat16"
    assert int(resumed.gan.g_optimizer.iterations) == 8  # two epochs of four steps: the first from the checkpoint


@pytest.mark.parametrize(
    "settings", [dict(variant="wgan_gp", d_steps=1), dict(trainer="classic")], ids=["gp", "classic"]
)
def test_a_gradient_penalty_and_the_classic_trainer_train_in_bfloat16(tmp_path, settings, capsys):
    # The two paths the main job's test above does not take: gradients of D's scores with respect to its input
    # (WGAN-GP's penalty), and the lecture's compiled D and DG models trained with train_on_batch.
    result = train_on_digits(tmp_path, verbose=2, mixed_precision="bfloat16", **settings)  # verbose: a line per epoch
    assert "Mixed precision: mixed_bfloat16.\n" in capsys.readouterr().out
    assert result.gan.generator.compute_dtype == "bfloat16"
    assert all(np.isfinite(values[-1]) for name, values in result.history.items() if "loss" in name)
