"""Gradient penalties against discriminators whose gradient is known, weight clipping and the L2 penalty."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from conftest import tiny_discriminator, tiny_generator
from kgan.core import GAN, penalties

SHAPE = (4, 3, 3, 2)  # batch of 4 images, 3x3 with 2 channels: the norm must cover every non-batch axis


def linear_d(w):
    """D(x) = <w, x>: its gradient is w everywhere, with norm ||w||."""
    w = tf.constant(w, "float32")
    return lambda x: tf.reduce_sum(tf.reshape(x, (tf.shape(x)[0], -1)) * tf.reshape(w, (1, -1)), axis=1)


def test_gradient_penalty_of_a_linear_discriminator_is_the_squared_norm_gap():
    w = np.full(SHAPE[1:], 0.5, "float32")  # ||w|| = 0.5 * sqrt(18) = 2.1213
    rng = np.random.default_rng(0)
    real, fake = rng.normal(size=SHAPE), rng.normal(size=SHAPE)
    value = penalties.wasserstein_gradient_penalty(linear_d(w), real, fake, seed=0)
    assert float(value) == pytest.approx((0.5 * np.sqrt(18) - 1.0) ** 2, rel=1e-5)


def test_gradient_penalty_is_zero_for_a_unit_norm_gradient():
    w = np.zeros(SHAPE[1:], "float32")
    w[1, 2, 0] = 1.0
    value = penalties.wasserstein_gradient_penalty(linear_d(w), np.ones(SHAPE), np.zeros(SHAPE), seed=0)
    assert float(value) == pytest.approx(0.0, abs=1e-6)


def test_gradient_penalty_is_taken_at_interpolates_with_one_weight_per_sample():
    # D(x) = sum(x^2) / 2 has gradient x, so the penalty sees where the interpolates lie:
    # with real = 1 and fake = 0 everywhere, x_hat = a_i everywhere and ||grad|| = a_i * sqrt(18).
    seen = []

    def quadratic_d(x):
        seen.append(x)
        return 0.5 * tf.reduce_sum(tf.reshape(x, (tf.shape(x)[0], -1)) ** 2, axis=1)

    penalties.wasserstein_gradient_penalty(quadratic_d, np.ones(SHAPE), np.zeros(SHAPE), seed=3)
    x_hat = seen[0].numpy()
    per_sample = x_hat.reshape(len(x_hat), -1)
    assert np.allclose(per_sample, per_sample[:, :1])  # one weight per sample, shared by all its pixels
    assert len(np.unique(per_sample[:, 0])) == len(x_hat)  # drawn per sample
    assert np.all((per_sample >= 0) & (per_sample <= 1))


def test_gradient_penalty_of_a_constant_discriminator_is_finite_with_finite_gradients():
    scale = tf.Variable(0.0)  # D(x) = 0 * sum(x): zero gradient wrt x

    def flat_d(x):
        return scale * tf.reduce_sum(tf.reshape(x, (tf.shape(x)[0], -1)), axis=1)

    with tf.GradientTape() as tape:
        value = penalties.wasserstein_gradient_penalty(flat_d, np.ones(SHAPE), np.zeros(SHAPE), seed=0)
    gradient = tape.gradient(value, scale)
    assert float(value) == pytest.approx(1.0, abs=1e-4)
    assert np.isfinite(float(gradient))


def test_dragan_penalty_of_a_linear_discriminator_is_the_squared_norm_gap():
    w = np.full(SHAPE[1:], 0.25, "float32")
    value = penalties.dragan_penalty(linear_d(w), np.random.default_rng(0).normal(size=SHAPE), seed=0)
    assert float(value) == pytest.approx((0.25 * np.sqrt(18) - 1.0) ** 2, rel=1e-5)


def test_dragan_penalty_perturbs_the_real_data_only():
    seen = []

    def spy_d(x):
        seen.append(x)
        return tf.reduce_sum(tf.reshape(x, (tf.shape(x)[0], -1)), axis=1)

    real = np.random.default_rng(0).normal(size=SHAPE).astype("float32")
    penalties.dragan_penalty(spy_d, real, seed=0, noise_scale=0.5)
    delta = seen[0].numpy() - real
    assert 0.0 < delta.std() < 1.0  # about 0.5 * std(real)
    assert float(penalties.dragan_penalty(spy_d, real, seed=0, noise_scale=0.0)) == pytest.approx(
        (np.sqrt(18) - 1.0) ** 2, rel=1e-5
    )


def test_weight_clipping_bounds_every_trainable_weight():
    d = tiny_discriminator()
    penalties.WeightClipping(0.01)(d)
    assert all(np.abs(v.numpy()).max() <= 0.01 for v in d.trainable_variables)
    with pytest.raises(ValueError, match="clip_value=0"):
        penalties.WeightClipping(0)


def test_weight_penalty_is_the_l2_norm_of_the_kernels_only():
    d = tiny_discriminator()
    gan = GAN(tiny_generator(), d, seed=0)
    kernels = [v.numpy() for v in d.trainable_variables if v.ndim > 1]
    expected = 1e-3 * sum(float((k**2).sum()) for k in kernels)
    assert float(penalties.WeightPenalty(1e-3)(gan, None, None)) == pytest.approx(expected, rel=1e-5)


def test_penalty_classes_round_trip_through_keras_serialisation():
    for penalty in (penalties.GradientPenalty(5.0), penalties.DraganPenalty(3.0, 0.2), penalties.WeightPenalty(1e-4)):
        restored = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(penalty))
        assert type(restored) is type(penalty) and restored.get_config() == penalty.get_config()
    with pytest.raises(ValueError, match="weight=-1"):
        penalties.GradientPenalty(-1)
