"""The GAN model: fit on tiny data, metrics, pluggable pieces, save and reload."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from conftest import TINY_LATENT, tiny_discriminator, tiny_generator
from kgan.core import GAN, losses, sample_latent

EXPECTED_METRICS = {"d_loss", "g_loss", "d_real_acc", "d_fake_acc"}


def make_gan(**kwargs):
    gan = GAN(tiny_generator(), tiny_discriminator(), seed=0, **kwargs)
    gan.compile(jit_compile=False)
    return gan


def weights(model):
    return [v.numpy().copy() for v in model.trainable_variables]


def changed(before, model):
    return any(not np.array_equal(a, b.numpy()) for a, b in zip(before, model.trainable_variables))


@pytest.mark.parametrize("jit_compile", [False, True])
def test_fit_two_steps_gives_finite_values_for_every_metric(tiny_dataset, jit_compile):
    gan = GAN(tiny_generator(), tiny_discriminator(), seed=0)
    gan.compile(jit_compile=jit_compile)
    history = gan.fit(tiny_dataset.take(2), epochs=1, verbose=0).history
    assert set(history) == EXPECTED_METRICS
    assert all(np.isfinite(v[-1]) for v in history.values())
    assert 0.0 <= history["d_real_acc"][-1] <= 1.0
    assert int(gan.d_optimizer.iterations) == 2 and int(gan.g_optimizer.iterations) == 2


@pytest.mark.skipif(bool(tf.config.list_physical_devices("GPU")), reason="the rule is for CPU-only machines")
def test_xla_is_turned_off_with_a_warning_for_k_discriminator_steps_on_a_cpu(tiny_dataset):
    # benchmarks/d_steps_xla.py: on a CPU a d_steps > 1 step costs more with XLA than without (RESULTS.md).
    gan = GAN(tiny_generator(), tiny_discriminator(), seed=0, d_steps=3)
    with pytest.warns(UserWarning, match="jit_compile=True with d_steps=3 is slower on a CPU"):
        gan.compile(jit_compile=True)
    assert gan.jit_compile is False
    gan.fit(tiny_dataset.take(3), epochs=1, verbose=0)
    assert int(gan.d_optimizer.iterations) == 3 and int(gan.g_optimizer.iterations) == 1
    one_step = GAN(tiny_generator(), tiny_discriminator(), seed=0)
    one_step.compile(jit_compile=True)
    assert one_step.jit_compile is True


def test_train_step_updates_d_in_its_step_and_g_in_its_step(tiny_images):
    gan = make_gan()
    g_before, d_before = weights(gan.generator), weights(gan.discriminator)
    gan.fit(tiny_images, batch_size=8, epochs=1, steps_per_epoch=1, verbose=0)
    assert changed(d_before, gan.discriminator) and changed(g_before, gan.generator)


def test_generator_step_changes_g_and_leaves_d_unchanged():
    gan = make_gan()
    g_before, d_before = weights(gan.generator), weights(gan.discriminator)
    gan._generator_step(8, None, 1)
    assert changed(g_before, gan.generator)
    assert not changed(d_before, gan.discriminator)


def test_discriminator_step_changes_d_and_leaves_g_unchanged(tiny_images):
    gan = make_gan()
    g_before, d_before = weights(gan.generator), weights(gan.discriminator)
    fake = gan.generate(gan.sample_latent(8), training=True)
    gan._discriminator_step(tiny_images[:8], fake, None, 1)
    assert changed(d_before, gan.discriminator)
    assert not changed(g_before, gan.generator)


def test_d_steps_trains_generator_every_kth_step(tiny_dataset):
    gan = make_gan(d_steps=3)
    gan.fit(tiny_dataset.repeat(), epochs=1, steps_per_epoch=6, verbose=0)
    assert int(gan.d_optimizer.iterations) == 6
    assert int(gan.g_optimizer.iterations) == 2


@pytest.mark.parametrize("head", ["logit", "sigmoid", "softmax2"])
def test_every_discriminator_head_is_read_as_the_same_logit(head):
    d = tiny_discriminator(head=head)
    gan = GAN(tiny_generator(), d)
    images = np.random.default_rng(0).uniform(-1, 1, (4, 8, 8, 1)).astype("float32")
    logits = np.asarray(gan.discriminate(images))
    assert logits.shape == (4,)
    probability = np.asarray(d(images))
    real = probability[:, 1] if head == "softmax2" else probability[:, 0]
    if head == "logit":
        real = 1 / (1 + np.exp(-real))
    np.testing.assert_allclose(1 / (1 + np.exp(-logits)), real, rtol=1e-4, atol=1e-6)


def test_noise_is_seeded_so_runs_repeat():
    a, b = make_gan(), make_gan()
    np.testing.assert_array_equal(a.sample_latent(5), b.sample_latent(5))
    assert not np.array_equal(a.sample_latent(5), a.sample_latent(5))


@pytest.mark.parametrize("distribution,low,high", [("normal", -10, 10), ("uniform", -1, 1), ("uniform01", 0, 1)])
def test_latent_distributions_of_the_lectures(distribution, low, high):
    z = np.asarray(sample_latent((2000, 3), distribution, seed=0))
    assert z.min() >= low and z.max() <= high
    if distribution == "normal":
        assert abs(z.mean()) < 0.1 and abs(z.std() - 1) < 0.1
    with pytest.raises(ValueError, match="latent_distribution='gauss'"):
        sample_latent((2, 2), "gauss")


def test_penalties_are_added_to_d_loss_and_logged(tiny_dataset):
    def constant_penalty(gan, real, fake, labels):
        return tf.constant(1.5)

    gan = GAN(tiny_generator(), tiny_discriminator(), penalties=[constant_penalty], seed=0)
    gan.compile(jit_compile=False)
    history = gan.fit(tiny_dataset.take(1), verbose=0).history
    assert history["constant_penalty"] == [1.5]
    assert history["d_loss"][0] > 1.5


def test_custom_loss_pair_plugs_in(tiny_dataset):
    calls = []
    pair = losses.GANLoss(
        "custom",
        losses.minimax_discriminator_loss,
        lambda fake: (calls.append(1), losses.non_saturating_generator_loss(fake))[1],
    )
    gan = make_gan(loss=pair)
    gan.fit(tiny_dataset.take(1), verbose=0)
    assert calls  # traced at least once


def test_save_and_load_keeps_weights_optimizers_and_noise_state(tiny_dataset, tmp_path):
    gan = make_gan(loss="minimax", d_steps=2)
    gan.fit(tiny_dataset.take(2), verbose=0)
    path = tmp_path / "gan.keras"
    gan.save(path)
    loaded = keras.saving.load_model(path)
    assert isinstance(loaded, GAN) and loaded.gan_loss.name == "minimax" and loaded.d_steps == 2
    z = np.random.default_rng(1).normal(size=(3, TINY_LATENT)).astype("float32")
    np.testing.assert_array_equal(loaded.generator(z), gan.generator(z))
    assert int(loaded.d_optimizer.iterations) == 2
    for a, b in zip(gan.d_optimizer.variables, loaded.d_optimizer.variables):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    np.testing.assert_array_equal(loaded.sample_latent(4), gan.sample_latent(4))
    history = loaded.fit(tiny_dataset.take(1), verbose=0).history  # training continues
    assert np.isfinite(history["d_loss"][0]) and int(loaded.d_optimizer.iterations) == 3


def test_conditional_gan_requires_labels_and_trains_with_them(tiny_dataset, tiny_images):
    gan = GAN(tiny_generator(num_classes=3), tiny_discriminator(num_classes=3), seed=0)
    gan.compile(jit_compile=False)
    history = gan.fit(tiny_dataset.take(2), verbose=0).history
    assert np.isfinite(history["g_loss"][0])
    images = gan.generate(gan.sample_latent(3), np.array([0, 1, 2]))
    assert images.shape == (3, 8, 8, 1)
    with pytest.raises(ValueError, match="must yield \\(images, labels\\)"):
        gan.fit(tiny_images, batch_size=8, epochs=1, verbose=0)


def test_constructor_names_bad_values():
    with pytest.raises(ValueError, match="d_steps=0"):
        GAN(tiny_generator(), tiny_discriminator(), d_steps=0)
    with pytest.raises(ValueError, match="label_smoothing=1.5"):
        GAN(tiny_generator(), tiny_discriminator(), label_smoothing=1.5)
    with pytest.raises(ValueError, match="keras.Model"):
        GAN("generator", tiny_discriminator())


@pytest.mark.parametrize("head", ["sigmoid", "softmax2"])
def test_a_confident_probability_head_still_gives_generator_gradients(head):
    # D's pre-activation output is read directly: a logit of -40 (p = 4e-18) is not clipped to -16.
    images = keras.Input((2,))
    units, activation = (1, "sigmoid") if head == "sigmoid" else (2, "softmax")
    discriminator = keras.Model(images, keras.layers.Dense(units, activation=activation, name="score")(images))
    score = discriminator.get_layer("score")
    kernel = np.array([[20.0], [20.0]]) if head == "sigmoid" else np.array([[-10.0, 10.0], [-10.0, 10.0]])
    score.kernel.assign(kernel)
    latent = keras.Input((2,))
    generator = keras.Model(latent, keras.layers.Dense(2, name="g")(latent))
    gan = GAN(generator, discriminator)
    fakes = tf.constant([[-1.0, -1.0]])
    np.testing.assert_allclose(gan.discriminate(fakes).numpy(), [-40.0], rtol=1e-6)
    with tf.GradientTape() as tape:
        tape.watch(fakes)
        loss, _ = gan.generator_loss(fakes)
    gradient = tape.gradient(loss, fakes).numpy()
    assert np.all(np.isfinite(gradient)) and np.abs(gradient).min() > 1.0
