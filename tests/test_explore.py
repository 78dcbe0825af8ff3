"""Exploring generators: seeded samples, interpolation, latent grids, class grids, GIFs."""

import numpy as np
import pytest
from PIL import Image

from conftest import TINY_LATENT, tiny_discriminator, tiny_generator
from kgan.core import GAN
from kgan.serving import explore, export_generator, load_generator


@pytest.fixture(scope="module")
def generator():
    return tiny_generator()


def test_samples_are_reproducible_from_their_seed(generator):
    a, za = explore.sample(generator, 4, seed=7)
    b, zb = explore.sample(generator, 4, seed=7)
    c, _ = explore.sample(generator, 4, seed=8)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(za, zb)
    assert not np.allclose(a, c)
    assert a.shape == (4, 8, 8, 1) and np.abs(a).max() <= 1


def test_export_model_and_gan_give_the_same_seeded_samples(generator, tmp_path):
    gan = GAN(generator, tiny_discriminator())
    exported = load_generator(export_generator(generator, tmp_path, "g"))
    from_model, _ = explore.sample(generator, 3, seed=1)
    np.testing.assert_allclose(explore.sample(gan, 3, seed=1)[0], from_model, atol=1e-6)
    np.testing.assert_allclose(explore.sample(exported, 3, seed=1)[0], from_model, atol=1e-5)


def test_interpolation_starts_and_ends_at_the_two_seeds(generator):
    path = explore.interpolate(generator, 3, 9, steps=5)
    start, _ = explore.sample(generator, 1, seed=3)
    end, _ = explore.sample(generator, 1, seed=9)
    assert path.shape == (5, 8, 8, 1)
    np.testing.assert_allclose(path[0], start[0], atol=1e-5)
    np.testing.assert_allclose(path[-1], end[0], atol=1e-5)


def test_slerp_keeps_the_norm_of_equal_norm_endpoints():
    a = np.array([1.0, 0.0, 0.0])
    b = np.array([0.0, 1.0, 0.0])
    points = explore.slerp(a, b, np.linspace(0, 1, 7))
    np.testing.assert_allclose(np.linalg.norm(points, axis=1), 1.0, atol=1e-6)


def test_latent_grid_has_steps_squared_images_centred_on_the_seed(generator):
    grid = explore.latent_grid(generator, seed=2, steps=3, span=1.0)
    centre, _ = explore.sample(generator, 1, seed=2)
    assert grid.shape == (9, 8, 8, 1)
    np.testing.assert_allclose(grid[4], centre[0], atol=1e-5)


def test_class_grid_has_one_row_per_class_and_checks_labels():
    conditional = tiny_generator(num_classes=3)
    grid = explore.class_grid(conditional, per_class=2, seed=0)
    assert grid.shape == (6, 8, 8, 1)
    with pytest.raises(ValueError, match=r"must lie in \[0, 3\). Received: labels=\[5, 5\]"):
        explore.sample(conditional, 2, labels=5)
    with pytest.raises(ValueError, match="conditional"):
        explore.sample(conditional, 2)
    with pytest.raises(ValueError, match="needs a conditional generator"):
        explore.class_grid(tiny_generator())


def test_save_gif_writes_an_animation(generator, tmp_path):
    frames = explore.interpolate(generator, 0, 1, steps=4)
    path = explore.save_gif(frames, tmp_path / "walk.gif", scale=2)
    with Image.open(path) as gif:
        assert gif.format == "GIF" and gif.n_frames == 6 and gif.size == (16, 16)


def test_bad_seeds_and_models_are_named():
    with pytest.raises(ValueError, match="seed=-1"):
        explore.latent_from_seed(-1, TINY_LATENT)
    with pytest.raises(ValueError, match="Received: model=str"):
        explore.as_sampler("generator.keras")
