"""The EMA generator and differentiable augmentation: exact averages, identity at p=0, state that survives saving."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import kgan  # noqa: F401 (registers GAN for load_model)
from conftest import TINY_SHAPE, tiny_discriminator, tiny_generator
from kgan.core import GAN
from kgan.core.augment import OPERATIONS, diff_augment, parse_policy


def make_gan(**options):
    return GAN(tiny_generator(), tiny_discriminator(batchnorm=True), seed=0, **options)


def weights(model):
    return [w.numpy() for w in model.weights]


def test_ema_weights_equal_a_hand_computed_average_after_each_step(tiny_dataset):
    decay = 0.9
    gan = make_gan(ema=decay)
    gan.compile(d_optimizer=keras.optimizers.SGD(0.1), g_optimizer=keras.optimizers.SGD(0.1), jit_compile=False)
    expected = weights(gan.generator)
    trainable = [w.trainable for w in gan.generator.weights]
    for step, batch in enumerate(tiny_dataset.take(3), start=1):
        gan.train_step(batch)
        current = weights(gan.generator)
        d = min(decay, (1 + step) / (10 + step))  # the warm-up, then the decay
        expected = [d * e + (1 - d) * c if t else c for e, c, t in zip(expected, current, trainable)]
        for got, want in zip(weights(gan.ema_generator), expected):
            np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7)
    # The average lags the trained weights: it is not a copy of G.
    assert any(not np.allclose(a, b) for a, b in zip(weights(gan.ema_generator), weights(gan.generator)))


def test_sampling_and_export_use_the_ema_generator_and_training_the_raw_one(tiny_dataset):
    gan = make_gan(ema=0.5)
    gan.compile(jit_compile=False)
    gan.fit(tiny_dataset.take(2), epochs=1, verbose=0)
    latent = np.random.default_rng(0).normal(size=(4, 4)).astype("float32")
    assert gan.sampler is gan.ema_generator
    np.testing.assert_allclose(gan.generate(latent), gan.ema_generator(latent, training=False), atol=1e-6)
    assert not np.allclose(gan.generate(latent), gan.generator(latent, training=False), atol=1e-4)
    plain = make_gan()
    assert plain.ema_generator is None and plain.sampler is plain.generator


def test_ema_and_augmentation_state_survive_save_and_load(tiny_dataset, tmp_path):
    gan = make_gan(ema=0.9, augment="color,translation,cutout", augment_probability=0.5, ada_target=0.6)
    gan.compile(jit_compile=True)
    gan.fit(tiny_dataset.take(3), epochs=1, verbose=0)
    gan.save(tmp_path / "gan.keras")
    loaded = keras.saving.load_model(tmp_path / "gan.keras")
    assert (loaded.ema, loaded.augment, loaded.ada_target) == (0.9, "color,translation,cutout", 0.6)
    assert float(loaded.augment_p.numpy()) == float(gan.augment_p.numpy()) != 0.5  # adapted, and kept
    for a, b in zip(weights(gan.ema_generator), weights(loaded.ema_generator)):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("policy", ["color", "translation", "cutout", "color,translation,cutout"])
def test_augmentation_is_the_identity_at_probability_zero(policy):
    images = np.random.default_rng(0).uniform(-1, 1, size=(8, *TINY_SHAPE)).astype("float32")
    np.testing.assert_array_equal(diff_augment(images, policy, probability=0.0, seed=0), images)


@pytest.mark.parametrize("batch", [8, 5])
def test_augmentation_keeps_the_shape_of_real_and_fake_batches_and_changes_every_image(batch):
    gan = make_gan(augment="color,translation,cutout")
    real = np.random.default_rng(1).uniform(-1, 1, size=(batch, *TINY_SHAPE)).astype("float32")
    fake = gan.generate(np.random.default_rng(2).normal(size=(batch, 4)).astype("float32"))
    for images in (real, fake):
        augmented = np.asarray(gan.discriminator_inputs(images))
        assert augmented.shape == images.shape
        assert all(not np.allclose(a, b) for a, b in zip(augmented, np.asarray(images)))


def test_translation_moves_a_pixel_by_whole_steps_within_an_eighth_of_the_size():
    images = np.full((64, 16, 16, 1), 0.0, "float32")
    images[:, 8, 8, 0] = 1.0
    shifted = np.asarray(diff_augment(images, "translation", seed=0))
    positions = [np.argwhere(image[..., 0] == 1.0) for image in shifted]
    assert all(len(p) == 1 for p in positions)  # moved, not blurred
    offsets = np.array([p[0] - (8, 8) for p in positions])
    assert np.abs(offsets).max() == 2 and len({tuple(o) for o in offsets}) > 5  # 16 * 1/8 = 2 pixels, many shifts
    np.testing.assert_array_equal(np.unique(shifted), [0.0, 1.0])


def test_cutout_zeroes_a_square_of_half_the_size():
    images = np.ones((16, 8, 8, 1), "float32")
    cut = np.asarray(diff_augment(images, "cutout", seed=0))
    for image in cut:
        rows, cols = np.nonzero(image[..., 0] == 0.0)
        assert len(rows) <= 16 and rows.max() - rows.min() <= 3 and cols.max() - cols.min() <= 3
    assert (cut == 0).sum(axis=(1, 2, 3)).max() == 16  # a whole 4x4 square when it lies inside


def test_augmentation_is_differentiable():
    images = tf.constant(np.random.default_rng(0).uniform(-1, 1, size=(4, *TINY_SHAPE)).astype("float32"))
    with tf.GradientTape() as tape:
        tape.watch(images)
        total = tf.reduce_sum(diff_augment(images, "color,translation,cutout", seed=0) ** 2)
    gradient = tape.gradient(total, images)
    assert gradient is not None and np.isfinite(gradient.numpy()).all() and np.abs(gradient.numpy()).sum() > 0


def test_ada_raises_the_probability_when_d_is_sure_of_the_real_images_and_lowers_it_otherwise():
    gan = make_gan(augment="translation", augment_probability=0.5, ada_target=0.6, ada_kimg=1)
    gan._adapt_augment_probability({"d_real_acc": 1.0}, 100)  # r_t = 1 > 0.6
    assert float(gan.augment_p.numpy()) == pytest.approx(0.6)
    gan._adapt_augment_probability({"d_real_acc": 0.5}, 100)  # r_t = 0 < 0.6
    gan._adapt_augment_probability({"d_real_acc": 0.5}, 1000)
    assert float(gan.augment_p.numpy()) == 0.0  # clipped at 0


@pytest.mark.parametrize(
    "options, match",
    [
        (dict(ema=1.0), "Received: ema=1.0"),
        (dict(ema=True), "Received: ema=True"),
        (dict(augment="rotate"), "Received: augment='rotate'"),
        (dict(augment="translation", augment_probability=1.5), "Received: augment_probability=1.5"),
        (dict(ada_target=0.6), "set `augment` too"),
        (dict(augment="cutout", augment_probability=0.0), "never applied"),
    ],
)
def test_bad_options_are_refused_with_the_value(options, match):
    with pytest.raises(ValueError, match=match):
        make_gan(**options)


@pytest.mark.parametrize("variant", ["wgan_gp", "began"])
def test_ada_is_refused_for_ds_without_a_real_fake_verdict_but_fixed_augmentation_is_not(variant):
    from kgan.variants import build_variant

    with pytest.raises(ValueError, match="needs a D with a real/fake verdict.*Received: ada_target=0.6"):
        build_variant(variant, "dcgan", (8, 8, 1), 4, seed=0, augment="translation", ada_target=0.6)
    assert build_variant(variant, "dcgan", (8, 8, 1), 4, seed=0, augment="translation").augment == "translation"


def test_policies_parse_to_the_known_operations():
    assert parse_policy("translation, cutout") == ("translation", "cutout")
    assert parse_policy(None) == () and parse_policy("") == ()
    assert set(OPERATIONS) == {"color", "translation", "cutout"}


def train_two_steps(strategy, dataset, start=None):
    with strategy.scope():
        gan = make_gan(ema=0.9, augment="color,translation,cutout", augment_probability=0.5, ada_target=0.6)
        gan.compile(d_optimizer=keras.optimizers.SGD(0.1), g_optimizer=keras.optimizers.SGD(0.1), jit_compile=False)
    models = (gan.generator, gan.discriminator, gan.ema_generator)
    start = start or [weights(m) for m in models]
    for model, values in zip(models, start):
        for w, value in zip(model.weights, values):
            w.assign(value)
    history = gan.fit(dataset, epochs=1, verbose=0).history
    return gan, start, history


def test_two_replicas_train_ema_and_adaptive_augmentation_like_one_device(tiny_dataset, mirrored):
    single, start, single_history = train_two_steps(tf.distribute.get_strategy(), tiny_dataset.take(2))
    model, _, history = train_two_steps(mirrored, tiny_dataset.take(2), start)
    assert model.distribute_strategy.num_replicas_in_sync == 2
    for name in ("generator", "discriminator", "ema_generator"):
        for a, b in zip(weights(getattr(model, name)), weights(getattr(single, name))):
            np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5, err_msg=name)
    np.testing.assert_allclose(model.augment_p.numpy(), single.augment_p.numpy(), atol=1e-7)
    np.testing.assert_allclose(history["augment_p"], single_history["augment_p"], atol=1e-7)
