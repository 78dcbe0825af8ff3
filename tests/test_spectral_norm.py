"""Spectral normalisation of D (Miyato et al. 2018): every kernel applied with spectral norm 1, logits still read."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from test_distribute import train_two_steps

import kgan  # noqa: F401  (registers kgan's serialisable classes for load_model)
from conftest import TINY_SHAPE, tiny_discriminator, tiny_generator
from kgan.core import GAN, head_kind
from kgan.models import build_mlp_discriminator, build_models

ARCHS = ("dcgan", "lecture004", "upsample", "mlp_lecture002", "mlp_lecture003")


def wrapped(model):
    return [layer for layer in model.layers if isinstance(layer, keras.layers.SpectralNormalization)]


def top_singular_value(kernel):
    # Keras' wrapper normalises the kernel reshaped to (-1, output channels).
    kernel = np.asarray(kernel)
    return np.linalg.svd(kernel.reshape(-1, kernel.shape[-1]), compute_uv=False)[0]


def tiny_mlp_discriminator(**kwargs):
    return build_mlp_discriminator(TINY_SHAPE, hidden_units=(16, 8), head="sigmoid", seed=3, **kwargs)


@pytest.mark.parametrize("make", [tiny_discriminator, tiny_mlp_discriminator], ids=["dcgan", "mlp"])
def test_every_conv_and_dense_of_d_is_wrapped_and_named_after_its_layer(make):
    d = make(spectral_norm=True)
    plain = make()
    kernels = [layer for layer in plain.layers if isinstance(layer, (keras.layers.Conv2D, keras.layers.Dense))]
    assert [layer.name for layer in wrapped(d)] == [f"{layer.name}_sn" for layer in kernels]
    assert [layer.layer.name for layer in wrapped(d)] == [layer.name for layer in kernels]
    assert not any(isinstance(layer, (keras.layers.Conv2D, keras.layers.Dense)) for layer in d.layers)
    # The same trainable weights; each wrapper adds only its power-iteration vector u.
    assert sum(int(np.prod(w.shape)) for w in d.trainable_weights) == plain.count_params()
    assert [tuple(w.shape) for w in d.non_trainable_weights] == [(1, layer.kernel.shape[-1]) for layer in kernels]


@pytest.mark.parametrize("arch", ARCHS)
def test_default_discriminators_are_unchanged_by_the_option(arch):
    _, plain = build_models(arch, seed=0)
    _, explicit = build_models(arch, spectral_norm=False, seed=0)
    # Same layers, order, names, arguments and initializers (seeds included).
    assert explicit.get_config() == plain.get_config()
    assert [w.path for w in explicit.weights] == [w.path for w in plain.weights]
    assert explicit.count_params() == plain.count_params()
    assert not wrapped(plain)


@pytest.mark.parametrize("arch", ARCHS)
def test_every_preset_takes_spectral_norm_and_keeps_its_head(arch):
    _, plain = build_models(arch, seed=0)
    _, d = build_models(arch, spectral_norm=True, seed=0)
    assert head_kind(d) == head_kind(plain)
    assert d.output_shape == plain.output_shape
    assert [w.shape for w in d.trainable_weights] == [w.shape for w in plain.trainable_weights]
    assert wrapped(d)


def test_power_iterations_in_training_mode_bring_every_kernel_to_spectral_norm_one():
    d = tiny_discriminator(spectral_norm=True)
    images = np.random.default_rng(0).uniform(-1, 1, (8, *TINY_SHAPE)).astype("float32")
    for layer in wrapped(d):  # whatever the kernels' scale
        layer.layer.kernel.assign(3.0 * layer.layer.kernel)
    assert min(top_singular_value(layer.layer.kernel) for layer in wrapped(d)) > 2.0
    for _ in range(30):  # one power iteration per training-mode call
        d(images, training=True)
    for layer in wrapped(d):
        assert top_singular_value(layer.layer.kernel) == pytest.approx(1.0, abs=0.02), layer.name


def test_inference_mode_leaves_the_kernels_as_they_are():
    d = tiny_discriminator(spectral_norm=True)
    before = [w.numpy() for w in d.weights]
    d(np.zeros((2, *TINY_SHAPE), "float32"), training=False)
    for a, w in zip(before, d.weights):
        np.testing.assert_array_equal(a, w.numpy())


def test_discriminate_reads_the_logit_before_the_sigmoid_of_a_spectrally_normalised_head():
    d = tiny_mlp_discriminator(spectral_norm=True)
    assert d.layers[-1].name == "score_activation" and head_kind(d) == "sigmoid"
    gan = GAN(tiny_generator(), d, seed=0)
    images = np.random.default_rng(1).uniform(-1, 1, (4, *TINY_SHAPE)).astype("float32")
    logits = keras.Model(d.input, d.get_layer("score_sn").output)(images)
    np.testing.assert_allclose(gan.discriminate(images), np.reshape(logits, (-1,)), rtol=1e-6)
    np.testing.assert_allclose(keras.ops.sigmoid(gan.discriminate(images)), np.reshape(d(images), (-1,)), rtol=1e-5)


def test_discriminate_reads_the_logit_of_a_spectrally_normalised_two_way_softmax():
    d = tiny_discriminator(spectral_norm=True, head="softmax2")
    gan = GAN(tiny_generator(), d, seed=0)
    images = np.random.default_rng(1).uniform(-1, 1, (4, *TINY_SHAPE)).astype("float32")
    scores = np.asarray(keras.Model(d.input, d.get_layer("score_sn").output)(images))
    np.testing.assert_allclose(gan.discriminate(images), scores[:, 1] - scores[:, 0], rtol=1e-5, atol=1e-6)


def test_gan_with_a_spectrally_normalised_d_trains_under_xla_and_round_trips_save_and_load(tiny_dataset, tmp_path):
    gan = GAN(tiny_generator(), tiny_discriminator(spectral_norm=True), seed=0)
    gan.compile(jit_compile=True)
    # Keras compiles without XLA once an earlier test of this process turned op determinism on
    # (train(deterministic=True)); run alone, or first, this step is XLA's.
    from tensorflow.python.framework.config import is_op_determinism_enabled

    assert gan.jit_compile is True or is_op_determinism_enabled()
    history = gan.fit(tiny_dataset.take(2), epochs=1, verbose=0).history
    assert np.isfinite(history["d_loss"][-1]) and np.isfinite(history["g_loss"][-1])
    # After the steps, the kernels as applied (normalised again at each training call) have norm near 1.
    for layer in wrapped(gan.discriminator):
        assert top_singular_value(layer.layer.kernel) == pytest.approx(1.0, abs=0.1), layer.name
    gan.save(tmp_path / "gan.keras")
    restored = keras.saving.load_model(tmp_path / "gan.keras")
    names = [layer.name for layer in wrapped(gan.discriminator)]
    assert [layer.name for layer in wrapped(restored.discriminator)] == names
    # Weights come back in order (a reloaded wrapper's inner layer drops the `<name>_sn/` prefix from its
    # variables' paths: Keras builds it outside the wrapper's name scope on loading).
    assert len(restored.discriminator.weights) == len(gan.discriminator.weights)
    for a, b in zip(restored.discriminator.weights, gan.discriminator.weights):
        assert a.path.split("/")[-1] == b.path.split("/")[-1]
        np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=b.path)
    vectors = [layer.vector_u.numpy() for layer in wrapped(gan.discriminator)]
    assert all(np.abs(v).sum() > 0 for v in vectors)  # the power iteration's state is saved with the model
    for layer, v in zip(wrapped(restored.discriminator), vectors):
        np.testing.assert_array_equal(layer.vector_u.numpy(), v)
    images = np.random.default_rng(2).uniform(-1, 1, (4, *TINY_SHAPE)).astype("float32")
    np.testing.assert_allclose(restored.discriminate(images), gan.discriminate(images), rtol=1e-6)


def test_two_replicas_train_a_spectrally_normalised_d_like_one_device(tiny_dataset, mirrored):
    def make():
        return GAN(tiny_generator(), tiny_discriminator(spectral_norm=True), seed=0)

    _, start, single_weights, single_history = train_two_steps(make, tf.distribute.get_strategy(), tiny_dataset.take(2))
    model, _, weights, history = train_two_steps(make, mirrored, tiny_dataset.take(2), initial_weights=start)
    assert model.distribute_strategy.num_replicas_in_sync == 2
    for a, b, w in zip(weights, single_weights, model.generator.weights + model.discriminator.weights):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5, err_msg=w.path)
    for key in single_history:
        np.testing.assert_allclose(history[key], single_history[key], rtol=1e-4, atol=1e-5, err_msg=key)


def test_unknown_arch_or_a_non_bool_flag_is_refused():
    with pytest.raises(ValueError, match="Received: arch='nope'"):
        build_models("nope", spectral_norm=True)
    with pytest.raises(ValueError, match="Received: spectral_norm='yes'"):
        build_models("dcgan", spectral_norm="yes")
    with pytest.raises(ValueError, match="Received: spectral_norm=1"):
        tiny_mlp_discriminator(spectral_norm=1)


def test_acgan_discriminator_normalises_its_trunk_and_both_heads():
    from kgan.variants.conditional import build_acgan_discriminator

    d = build_acgan_discriminator(TINY_SHAPE, 3, filters=(4, 8), strides=(2, 2), spectral_norm=True, seed=2)
    assert [layer.name for layer in wrapped(d)] == ["block1_conv_sn", "block2_conv_sn", "validity_sn", "classes_sn"]
    assert [tuple(o.shape) for o in d.outputs] == [(None, 1), (None, 3)]
