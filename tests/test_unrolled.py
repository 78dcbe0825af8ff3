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
