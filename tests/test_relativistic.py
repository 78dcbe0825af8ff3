"""RaGAN: the relativistic average loss by hand, G's step reading the real batch, and the variant end to end."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from conftest import tiny_discriminator, tiny_generator
from kgan.core import losses
from kgan.variants import RaGAN, build_variant


def softplus(x):
    return np.log1p(np.exp(x))


def test_relativistic_average_losses_match_the_papers_formulas():
    real, fake = np.array([2.0, 0.5, -1.0], "float32"), np.array([-0.5, 1.5], "float32")
    real_vs_fake, fake_vs_real = real - fake.mean(), fake - real.mean()
    # -log sigmoid(a) = softplus(-a); -log(1 - sigmoid(a)) = softplus(a)
    expected_d = 0.5 * (softplus(-real_vs_fake).mean() + softplus(fake_vs_real).mean())
    expected_g = 0.5 * (softplus(-fake_vs_real).mean() + softplus(real_vs_fake).mean())
    np.testing.assert_allclose(losses.relativistic_average_discriminator_loss(real, fake), expected_d, rtol=1e-6)
    np.testing.assert_allclose(losses.relativistic_average_generator_loss(fake, real), expected_g, rtol=1e-6)
    assert losses.get("relativistic_average").generator_needs_real


def test_gs_loss_changes_with_the_real_batch_and_refuses_to_run_without_it(tiny_images):
    model = RaGAN(tiny_generator(), tiny_discriminator(), seed=0)
    fake = model.generate(model.sample_latent(8), training=True)
    one = model.generator_loss(fake, real_images=tiny_images[:8])[0]
    other = model.generator_loss(fake, real_images=-tiny_images[8:16])[0]
    assert float(one) != pytest.approx(float(other))
    with pytest.raises(ValueError, match="Received: real_images=None"):
        model.generator_loss(fake)


@pytest.mark.parametrize("d_steps", [1, 2])
def test_ragan_trains_saves_and_reloads_with_either_g_step(d_steps, tiny_dataset, tmp_path):
    model = build_variant("ragan", "dcgan", (8, 8, 1), 4, seed=0, d_steps=d_steps)
    assert model.gan_loss.name == "relativistic_average"
    model.compile(jit_compile=False)
    history = model.fit(tiny_dataset.take(4), verbose=0).history
    assert all(np.isfinite(v[-1]) for v in history.values())
    model.save(tmp_path / "ragan.keras")
    loaded = keras.saving.load_model(tmp_path / "ragan.keras")
    assert type(loaded) is RaGAN and loaded.gan_loss.name == "relativistic_average"


def test_ragan_under_mirrored_strategy_takes_the_global_batch_means(tiny_dataset, mirrored):
    with mirrored.scope():
        model = RaGAN(tiny_generator(), tiny_discriminator(), seed=0)
        model.compile(jit_compile=False)
    history = model.fit(tiny_dataset.take(2), verbose=0).history
    assert all(np.isfinite(v[-1]) for v in history.values())
    assert isinstance(mirrored, tf.distribute.MirroredStrategy)
