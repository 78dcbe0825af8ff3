"""The speed options of the main job: mixed precision (with loss scaling) and steps_per_execution."""

import json
import pathlib

import keras
import numpy as np
import pytest
import tensorflow as tf

from conftest import tiny_discriminator, tiny_generator
from kgan.core import GAN

ROOT = pathlib.Path(__file__).resolve().parents[1]


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


def test_train_with_mixed_precision_and_steps_per_execution(tmp_path):
    from kgan.training import train

    data = np.load(ROOT / "kgan" / "data" / "mnist_5k.npz")
    np.savez(tmp_path / "digits.npz", x_train=data["x"][:64], y_train=data["y"][:64])
    result = train(
        dataset="npz",
        data_path=tmp_path / "digits.npz",
        epochs=1,
        batch_size=16,
        verbose=0,
        output_dir=tmp_path / "run",
        mixed_precision=True,
        steps_per_execution=2,
    )
    assert result.gan.generator.get_layer("project").compute_dtype == "float16"
    assert result.gan.steps_per_execution == 2
    assert keras.config.dtype_policy().name == "float32"  # the caller's policy is back
    config = json.loads((result.run_dir / "config.json").read_text())
    assert config["mixed_precision"] is True and config["steps_per_execution"] == 2
    assert np.isfinite(result.history["g_loss"][-1])
    assert (result.export_path / "saved_model.pb").is_file()
