"""InfoGAN's categorical code: the latent contract holds, the code is learnt, the export takes a latent only."""

import keras
import numpy as np
import pytest

from conftest import TINY_SHAPE, tiny_discriminator, tiny_generator
from kgan.core.layers import CategoricalCode
from kgan.variants import InfoGAN, build_acgan_discriminator
from kgan.variants.infogan import with_code


def tiny_infogan(**kwargs):
    discriminator = build_acgan_discriminator(TINY_SHAPE, 3, filters=(4, 8), strides=(2, 2), seed=2)
    return InfoGAN(tiny_generator(categorical_code=3), discriminator, seed=0, **kwargs)


def test_categorical_code_is_the_argmax_of_the_first_entries_one_hot_in_front():
    z = np.array([[0.1, 2.0, -1.0, 0.5], [3.0, 0.0, 1.0, -2.0]], "float32")
    out = keras.ops.convert_to_numpy(CategoricalCode(3)(z))
    np.testing.assert_array_equal(out[:, :3], [[0, 1, 0], [1, 0, 0]])
    np.testing.assert_array_equal(out[:, 3:], z)
    with pytest.raises(ValueError, match="Received: categories=1"):
        CategoricalCode(1)
    with pytest.raises(ValueError, match="at most the latent size 4. Received: categories=5"):
        CategoricalCode(5)(z)


def test_with_code_chooses_the_code_and_keeps_the_latent_gaussian():
    rng = np.random.default_rng(0)
    z = rng.normal(size=(20000, 12)).astype("float32")
    codes = rng.integers(0, 10, len(z))
    moved = keras.ops.convert_to_numpy(with_code(z, codes, 10))
    np.testing.assert_array_equal(moved[:, :10].argmax(axis=1), codes)
    np.testing.assert_array_equal(np.sort(moved, axis=1), np.sort(z, axis=1))  # a permutation of each row
    np.testing.assert_array_equal(moved[:, 10:], z[:, 10:])
    # Still N(0, I): every coordinate has mean ~0 and variance ~1.
    assert np.abs(moved.mean(axis=0)).max() < 0.05 and np.abs(moved.std(axis=0) - 1).max() < 0.05
    # With uniform codes the argmax of the first entries is uniform, as for a fresh Gaussian draw.
    assert np.bincount(moved[:, :10].argmax(axis=1), minlength=10).min() > 1800


def test_generate_with_codes_makes_what_the_generator_makes_of_the_rearranged_latent():
    model = tiny_infogan()
    z = model.sample_latent(6)
    codes = np.array([0, 1, 2, 0, 1, 2])
    expected = model.generator(with_code(z, codes, 3), training=True)
    np.testing.assert_allclose(model.generate(z, codes, training=True), expected, atol=1e-6)
    assert model.generate(z).shape == (6, *TINY_SHAPE)  # unconditional sampling: latent only


def test_q_learns_the_code_and_g_makes_it_readable(tiny_dataset):
    model = tiny_infogan(info_weight=1.0)
    model.compile(jit_compile=False, d_optimizer=keras.optimizers.Adam(2e-3), g_optimizer=keras.optimizers.Adam(2e-3))
    history = model.fit(tiny_dataset.repeat().take(60), verbose=0).history
    # Chance is 1/3: Q reads G's code from the images once both have trained on the information term.
    assert history["info_acc"][-1] > 0.6


def test_infogan_refuses_a_generator_without_a_code_or_a_q_head_of_another_size():
    discriminator = build_acgan_discriminator(TINY_SHAPE, 3, filters=(4, 8), strides=(2, 2), seed=2)
    with pytest.raises(ValueError, match="CategoricalCode"):
        InfoGAN(tiny_generator(), discriminator)
    with pytest.raises(ValueError, match="categories=4 outputs. Received: 3"):
        InfoGAN(tiny_generator(categorical_code=4), discriminator)
    with pytest.raises(ValueError, match="images only"):
        InfoGAN(tiny_generator(categorical_code=3), tiny_discriminator())
    with pytest.raises(ValueError, match="info_weight=-1"):
        tiny_infogan(info_weight=-1)


def test_the_export_takes_a_latent_vector_only(tmp_path):
    from kgan.serving import export_generator, load_generator

    model = tiny_infogan()
    path = export_generator(model.sampler, tmp_path, "info", version=1)
    served = load_generator(path)
    z = np.asarray(model.sample_latent(4))
    np.testing.assert_allclose(served(z), model.generate(z), atol=1e-5)
