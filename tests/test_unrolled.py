"""The unrolled GAN (Metz et al. 2017): G's loss on a copy of D advanced k steps with D's own optimizer rule,
differentiated through those steps; D itself and its optimizer take their ordinary step only."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from conftest import tiny_discriminator, tiny_generator
from kgan.core import GAN
from kgan.core._keras_compat import stateless_optimizer_step
from kgan.variants import UnrolledGAN, build_variant


def batch(seed=0, n=16):
    return np.random.RandomState(seed).uniform(-1, 1, (n, 8, 8, 1)).astype("float32")


def compiled(cls, **kwargs):
    gan = cls(tiny_generator(), tiny_discriminator(), seed=0, **kwargs)
    gan.compile(
        d_optimizer=keras.optimizers.Adam(1e-2, beta_1=0.5), g_optimizer=keras.optimizers.Adam(1e-2), jit_compile=False
    )
    return gan


@pytest.mark.parametrize(
    "make", [lambda: keras.optimizers.Adam(0.1, beta_1=0.5), lambda: keras.optimizers.SGD(0.1, momentum=0.9)]
)
def test_the_stateless_step_is_the_optimizers_own_step_and_writes_nothing(make):
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    optimizer = make()
    optimizer.build(model.trainable_variables)
    x = tf.constant(np.random.RandomState(0).normal(size=(5, 3)), "float32")

    def grads_of(values):
        with tf.GradientTape() as tape:
            tape.watch(values)
            with keras.StatelessScope(state_mapping=list(zip(model.trainable_variables, values))):
                loss = tf.reduce_sum(model(x) ** 2)
        return tape.gradient(loss, values)

    optimizer.apply(grads_of([v.value for v in model.trainable_variables]))  # some moments to carry
    weights = [v.numpy() for v in model.trainable_variables]
    state = [v.numpy() for v in optimizer.variables]
    values = [tf.constant(w) for w in weights]
    new_values, new_state = stateless_optimizer_step(
        optimizer, model.trainable_variables, values, [tf.constant(s) for s in state], grads_of(values)
    )
    # Nothing was written ...
    for v, w in zip(model.trainable_variables + optimizer.variables, weights + state):
        np.testing.assert_array_equal(v.numpy(), w)
    # ... and the real step gives the same numbers.
    optimizer.apply(grads_of([v.value for v in model.trainable_variables]))
    for v, new in zip(model.trainable_variables, new_values):
        np.testing.assert_allclose(v.numpy(), new.numpy(), rtol=1e-6, atol=1e-7)
    for v, new in zip(optimizer.variables, new_state):
        np.testing.assert_allclose(v.numpy(), np.asarray(new), rtol=1e-6, atol=1e-7)


def test_d_takes_the_plain_gans_step_and_g_a_different_one():
    unrolled, plain = compiled(UnrolledGAN, unroll_steps=3), compiled(GAN)
    plain.set_weights(unrolled.get_weights())
    for gan in (unrolled, plain):
        gan.train_on_batch(batch())
    # D's step does not look ahead: the same update as the plain GAN's (the copy leaves D and its optimizer alone).
    for a, b in zip(unrolled.discriminator.get_weights(), plain.discriminator.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert int(unrolled.d_optimizer.iterations) == 1
    # G's gradient comes through D's unrolled steps: another update, finite.
    g_unrolled, g_plain = unrolled.generator.get_weights(), plain.generator.get_weights()
    assert all(np.isfinite(w).all() for w in g_unrolled)
    assert any(not np.allclose(a, b, atol=1e-6) for a, b in zip(g_unrolled, g_plain))


def test_the_gradient_flows_through_the_unrolled_steps():
    """With the fakes stopped inside the unroll, G's gradient is that of D's future weights only; without, it also
    has the second-order term of the paper: the two differ."""
    gan = compiled(UnrolledGAN, unroll_steps=2)
    gan.train_on_batch(batch())  # builds the optimizers
    real = tf.constant(batch(1))
    latent = tf.constant(np.random.RandomState(2).normal(size=(16, 4)), "float32")

    def g_grads(stop):
        original = gan._unrolled_discriminator_step

        def step(state, d_variables, others, real_images, fake_images, labels):
            fakes = tf.stop_gradient(fake_images) if stop else fake_images
            return original(state, d_variables, others, real_images, fakes, labels)

        gan._unrolled_discriminator_step = step
        try:
            with tf.GradientTape() as tape:
                fakes = gan.generate(latent, training=True)
                loss, _ = gan.generator_loss(fakes, real_images=real)
            return tape.gradient(loss, gan.generator.trainable_variables)
        finally:
            del gan._unrolled_discriminator_step

    full, first_order = g_grads(stop=False), g_grads(stop=True)
    assert all(np.isfinite(g.numpy()).all() for g in full)
    assert any(not np.allclose(a.numpy(), b.numpy(), atol=1e-7) for a, b in zip(full, first_order))


def linear_gan(loss):
    """G(z) = z @ theta (3 -> 2) and a linear D(x) = x @ w + b: small enough to unroll by hand."""
    latent = keras.Input((3,))
    generator = keras.Model(latent, keras.layers.Dense(2, use_bias=False)(latent), name="generator")
    samples = keras.Input((2,))
    discriminator = keras.Model(samples, keras.layers.Dense(1)(samples), name="discriminator")
    gan = UnrolledGAN(generator, discriminator, loss=loss, seed=0, unroll_steps=1)
    gan.compile(
        d_optimizer=keras.optimizers.Adam(0.05, beta_1=0.5), g_optimizer=keras.optimizers.Adam(0.05), jit_compile=False
    )
    return gan


def hand_unrolled_generator_gradient(theta, w, b, moments, iteration, z, real, k, loss, lr=0.05, b1=0.5, b2=0.999):
    """d(G's loss on D after k hand-written Adam steps)/d(theta), D's gradient written out for a linear D."""
    eps = keras.config.epsilon()
    theta = tf.constant(theta)
    with tf.GradientTape() as tape:
        tape.watch(theta)
        fake = z @ theta
        params = [tf.constant(w), tf.constant(b)]
        m, v = [tf.constant(x) for x in moments[0]], [tf.constant(x) for x in moments[1]]
        n = float(z.shape[0])
        for i in range(k):
            # D's loss, 0.5 * (mean softplus(-D(real)) + mean softplus(D(fake))), differentiated by hand.
            d_real = -0.5 * (1.0 - tf.sigmoid(real @ params[0] + params[1])) / n
            d_fake = 0.5 * tf.sigmoid(fake @ params[0] + params[1]) / n
            grads = [tf.transpose(real) @ d_real + tf.transpose(fake) @ d_fake, tf.reduce_sum(d_real + d_fake, 0)]
            step = float(iteration + i + 1)
            alpha = lr * np.sqrt(1 - b2**step) / (1 - b1**step)
            m = [mj + (g - mj) * (1 - b1) for mj, g in zip(m, grads)]
            v = [vj + (g * g - vj) * (1 - b2) for vj, g in zip(v, grads)]
            params = [p - alpha * mj / (tf.sqrt(vj) + eps) for p, mj, vj in zip(params, m, v)]
        logits = fake @ params[0] + params[1]
        g_loss = (
            -tf.reduce_mean(tf.nn.softplus(logits)) if loss == "minimax" else tf.reduce_mean(tf.nn.softplus(-logits))
        )
    return tape.gradient(g_loss, theta).numpy()


@pytest.mark.parametrize("loss", ["non_saturating", "minimax"])
@pytest.mark.parametrize("k", [1, 3])
def test_the_generator_gradient_equals_a_hand_unrolled_reference(k, loss):
    """Issue 16: on a linear G and D, G's gradient is that of its loss on D advanced k Adam steps (Adam's moments
    and step count carried from D's optimizer), differentiated through those steps."""
    gan = linear_gan(loss)
    gan.unroll_steps = k
    rng = np.random.RandomState(0)
    gan.train_on_batch(rng.normal(size=(8, 2)).astype("float32"))  # D's optimizer now has moments and a step
    z = tf.constant(rng.normal(size=(8, 3)), "float32")
    real = tf.constant(rng.normal(1.0, 0.5, size=(8, 2)), "float32")
    with tf.GradientTape() as tape:
        loss_value, _ = gan.generator_loss(gan.generate(z, training=True), real_images=real)
    (grad,) = tape.gradient(loss_value, gan.generator.trainable_variables)
    optimizer = gan.d_optimizer
    moments = [[v.numpy() for v in optimizer.variables if v.name.endswith(kind)] for kind in ("momentum", "velocity")]
    w, b = (v.numpy() for v in gan.discriminator.trainable_variables)
    expected = hand_unrolled_generator_gradient(
        gan.generator.get_weights()[0], w, b, moments, int(optimizer.iterations), z, real, k, loss
    )
    np.testing.assert_allclose(grad.numpy(), expected, rtol=1e-4, atol=1e-6)
    # The unroll is a copy: D and its optimizer still hold what they held.
    np.testing.assert_array_equal(gan.discriminator.trainable_variables[0].numpy(), w)
    assert int(optimizer.iterations) == 1


def test_trains_under_xla_saves_and_resumes(tmp_path):
    gan = UnrolledGAN(tiny_generator(), tiny_discriminator(), seed=0, unroll_steps=2)
    gan.compile(jit_compile=True)
    data = tf.data.Dataset.from_tensor_slices(batch(n=64)).batch(16)
    history = gan.fit(data, epochs=1, verbose=0).history
    assert np.isfinite(history["g_loss"][-1])
    gan.save(tmp_path / "gan.keras")
    restored = keras.saving.load_model(tmp_path / "gan.keras")
    assert isinstance(restored, UnrolledGAN) and restored.unroll_steps == 2
    restored.fit(data, epochs=1, verbose=0)


def test_bad_unroll_steps_are_refused_and_the_variant_is_reachable_by_name():
    with pytest.raises(ValueError, match="`unroll_steps` must be a positive integer. Received: unroll_steps=0"):
        UnrolledGAN(tiny_generator(), tiny_discriminator(), unroll_steps=0)
    assert build_variant("unrolled", "dcgan", seed=0, unroll_steps=3).unroll_steps == 3
