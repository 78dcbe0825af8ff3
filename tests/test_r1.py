"""R1 (Mescheder et al. 2018, eq. 9): (gamma / 2) E||grad D(x_real)||^2, against Ds whose gradient is known."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from test_distribute import train_two_steps
from test_penalties import SHAPE, linear_d

import kgan  # noqa: F401  (registers kgan's serialisable classes for load_model)
from conftest import TINY_SHAPE, tiny_discriminator, tiny_generator
from kgan.core import GAN, penalties

NUM_CLASSES = 3


def real_batch(n=4, seed=0):
    return np.random.default_rng(seed).uniform(-1, 1, (n, *TINY_SHAPE)).astype("float32")


def linear_keras_d(w, b=0.5, head=None):
    """D(x) = sum(w * x) + b as a Keras model (with `head`, the activation on top of that logit)."""
    images = keras.Input(TINY_SHAPE, name="images")
    x = keras.layers.Flatten(name="flatten")(images)
    score = keras.layers.Dense(1, activation=head, name="score")(x)
    model = keras.Model(images, score, name="discriminator")
    model.get_layer("score").set_weights([np.reshape(w, (-1, 1)), np.array([b], "float32")])
    return model


def label_linear_d(w_per_class):
    """A conditional D(x, y) = sum(w_y * x): its gradient is w_y, the row of the image's own label."""
    images = keras.Input(TINY_SHAPE, name="images")
    labels = keras.Input((1,), dtype="int32", name="labels")
    x = keras.layers.Flatten(name="flatten")(images)
    w = keras.layers.Embedding(NUM_CLASSES, x.shape[-1], name="label_weights")(labels)
    w = keras.layers.Flatten(name="label_weights_flat")(w)
    products = keras.layers.Multiply(name="products")([x, w])
    score = keras.layers.Dense(1, use_bias=False, kernel_initializer="ones", trainable=False, name="score")(products)
    model = keras.Model([images, labels], score, name="discriminator")
    model.get_layer("label_weights").set_weights([np.reshape(w_per_class, (NUM_CLASSES, -1))])
    return model


def test_r1_of_a_linear_discriminator_is_the_squared_norm_of_its_weights():
    w = np.full(SHAPE[1:], 0.5, "float32")  # ||w||^2 = 0.25 * 18 = 4.5, over every non-batch axis
    real = np.random.default_rng(0).normal(size=SHAPE)
    assert float(penalties.r1_penalty(linear_d(w), real)) == pytest.approx(4.5, rel=1e-6)


def test_r1_is_taken_at_the_real_data():
    # D(x) = sum(x^2) / 2 has gradient x: the penalty is the mean squared norm of the real samples.
    def quadratic_d(x):
        return 0.5 * tf.reduce_sum(tf.reshape(x, (tf.shape(x)[0], -1)) ** 2, axis=1)

    real = np.random.default_rng(1).normal(size=SHAPE).astype("float32")
    expected = np.mean(np.sum(real.reshape(len(real), -1) ** 2, axis=1))
    assert float(penalties.r1_penalty(quadratic_d, real)) == pytest.approx(expected, rel=1e-5)


def test_r1_of_a_constant_discriminator_is_zero():
    real = np.ones(SHAPE, "float32")
    assert float(penalties.r1_penalty(linear_d(np.zeros(SHAPE[1:], "float32")), real)) == 0.0
    # A D that ignores its input has no gradient at all: still 0, not an error.
    assert float(penalties.r1_penalty(lambda x: tf.zeros((tf.shape(x)[0],)), real)) == 0.0


@pytest.mark.parametrize("head", [None, "sigmoid"], ids=["logit", "sigmoid"])
def test_r1_penalty_is_gamma_over_two_times_the_squared_norm_of_d_logit_gradient(head):
    w = np.random.default_rng(2).normal(size=TINY_SHAPE).astype("float32")
    gan = GAN(tiny_generator(), linear_keras_d(w, head=head), seed=0)
    value = penalties.R1Penalty(gamma=4.0)(gan, real_batch(), real_batch(seed=9))
    # A sigmoid head is differentiated at its logit, as the paper's D(x).
    assert float(value) == pytest.approx(4.0 / 2 * np.sum(w**2), rel=1e-5)


def test_r1_penalty_pushes_d_weights_towards_a_flat_d_on_the_data():
    # d/dw [(gamma / 2) ||w||^2] = gamma * w: a double backward pass through D's input gradient.
    w = np.random.default_rng(3).normal(size=TINY_SHAPE).astype("float32")
    d = linear_keras_d(w)
    gan = GAN(tiny_generator(), d, seed=0)
    kernel = d.get_layer("score").kernel
    with tf.GradientTape() as tape:
        value = penalties.R1Penalty(gamma=10.0)(gan, real_batch(), None)
    np.testing.assert_allclose(tape.gradient(value, kernel.value), 10.0 * np.reshape(w, (-1, 1)), rtol=1e-5)


def test_r1_penalty_of_a_conditional_gan_differentiates_d_for_each_image_label():
    w = np.random.default_rng(4).normal(size=(NUM_CLASSES, *TINY_SHAPE)).astype("float32")
    gan = GAN(tiny_generator(num_classes=NUM_CLASSES), label_linear_d(w), num_classes=NUM_CLASSES, seed=0)
    labels = np.array([0, 2, 2, 1], "int32")
    value = penalties.R1Penalty(gamma=2.0)(gan, real_batch(), None, labels)
    expected = np.mean([np.sum(w[y] ** 2) for y in labels])
    assert float(value) == pytest.approx(expected, rel=1e-5)


def test_r1_penalty_round_trips_through_keras_serialisation_and_refuses_a_negative_gamma():
    penalty = penalties.R1Penalty(gamma=5.0)
    assert penalty.name == "r1_penalty"
    assert penalty.get_config() == {"gamma": 5.0}
    assert penalties.R1Penalty.from_config(penalty.get_config()).get_config() == penalty.get_config()
    restored = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(penalty))
    assert type(restored) is penalties.R1Penalty and restored.get_config() == penalty.get_config()
    assert repr(penalty) == "R1Penalty(gamma=5.0)"
    with pytest.raises(ValueError, match="Received: gamma=-1"):
        penalties.R1Penalty(gamma=-1)


def test_gan_with_r1_logs_it_and_keeps_it_through_save_and_load(tiny_dataset, tmp_path):
    gan = GAN(tiny_generator(), tiny_discriminator(), penalties=[penalties.R1Penalty(gamma=3.0)], seed=0)
    gan.compile(jit_compile=True)
    history = gan.fit(tiny_dataset.take(2), epochs=1, verbose=0).history
    assert np.isfinite(history["r1_penalty"][-1]) and history["r1_penalty"][-1] > 0
    gan.save(tmp_path / "gan.keras")
    restored = keras.saving.load_model(tmp_path / "gan.keras")
    assert [type(p) for p in restored.penalties] == [penalties.R1Penalty]
    assert restored.penalties[0].get_config() == {"gamma": 3.0}
    real = real_batch()
    assert float(restored.penalties[0](restored, real, None)) == pytest.approx(
        float(gan.penalties[0](gan, real, None)), rel=1e-5
    )


def test_two_replicas_train_with_r1_like_one_device(tiny_dataset, mirrored):
    def make():
        return GAN(tiny_generator(), tiny_discriminator(), penalties=[penalties.R1Penalty(gamma=10.0)], seed=0)

    _, start, single_weights, single_history = train_two_steps(make, tf.distribute.get_strategy(), tiny_dataset.take(2))
    model, _, weights, history = train_two_steps(make, mirrored, tiny_dataset.take(2), initial_weights=start)
    assert model.distribute_strategy.num_replicas_in_sync == 2
    assert "r1_penalty" in history
    for a, b, w in zip(weights, single_weights, model.generator.weights + model.discriminator.weights):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5, err_msg=w.path)
    for key in single_history:
        np.testing.assert_allclose(history[key], single_history[key], rtol=1e-4, atol=1e-5, err_msg=key)
