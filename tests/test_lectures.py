"""Toy data and checks: samplers repeat with a seed, checks score known samples correctly."""

import keras
import numpy as np
import pytest

from kgan import lectures
from kgan.metrics import toy_checks


def test_normal_vectors_follow_the_requested_normal_and_repeat_with_a_seed():
    x = lectures.normal_vectors(5000, vector_length=10, mean=4.0, std=0.2, seed=0)
    assert x.shape == (5000, 10) and x.dtype == np.float32
    m = toy_checks.moment_errors(x, 4.0, 0.2)
    assert m.mean_error < 0.01 and m.std_error < 0.01
    np.testing.assert_array_equal(x, lectures.normal_vectors(5000, mean=4.0, std=0.2, seed=0))


def test_moment_errors_are_absolute_differences():
    m = toy_checks.moment_errors(np.array([1.0, 3.0]), mean=1.5, std=2.0)
    assert (m.mean, m.std, m.mean_error, m.std_error) == (2.0, 1.0, 0.5, 1.0)


def test_line_points_lie_on_the_line_and_distances_are_euclidean():
    points = lectures.line_points(100, slope=2.0, intercept=1.0, seed=0)
    assert points.shape == (100, 2)
    assert toy_checks.mean_distance_to_line(points, 2.0, 1.0) < 1e-6
    assert points[:, 0].min() >= -1.0 and points[:, 0].max() <= 1.0
    # (0, 0) is 1/sqrt(5) from y = 2x + 1; (0, 1) lies on it.
    np.testing.assert_allclose(toy_checks.distance_to_line([[0.0, 0.0], [0.0, 1.0]], 2.0, 1.0), [1 / np.sqrt(5), 0.0])


def test_ring_modes_are_evenly_spaced_on_the_circle():
    modes = lectures.ring_modes(4, radius=2.0)
    np.testing.assert_allclose(modes, [[2, 0], [0, 2], [-2, 0], [0, -2]], atol=1e-6)


def test_real_ring_samples_cover_every_mode_with_high_quality():
    coverage = toy_checks.mode_coverage(lectures.ring_of_gaussians(4000, seed=0), lectures.ring_modes(), std=0.02)
    assert coverage.modes_covered == 8 and coverage.num_modes == 8
    assert coverage.high_quality_share > 0.98  # 3 std in 2-D holds 98.9%
    assert sum(coverage.counts) == pytest.approx(4000 * coverage.high_quality_share)


def test_a_collapsed_generator_covers_one_mode_and_noise_is_not_high_quality():
    modes = lectures.ring_modes()
    collapsed = np.repeat(modes[:1], 100, axis=0)
    noise = np.zeros((100, 2))  # the centre of the ring: 2 away from every mode
    coverage = toy_checks.mode_coverage(np.concatenate([collapsed, noise]), modes, std=0.02)
    assert coverage.modes_covered == 1
    assert coverage.high_quality_share == 0.5
    assert coverage.counts == (100, 0, 0, 0, 0, 0, 0, 0)
    assert toy_checks.mode_coverage(collapsed[:3], modes, std=0.02, min_samples=5).modes_covered == 0


def test_checks_name_bad_inputs():
    with pytest.raises(ValueError, match="Received: std=0"):
        lectures.normal_vectors(3, std=0)
    with pytest.raises(ValueError, match=r"Received: shape=\(3, 3\)"):
        toy_checks.distance_to_line(np.zeros((3, 3)))
    with pytest.raises(ValueError, match="Received: samples.shape"):
        toy_checks.mode_coverage(np.zeros((3, 3)), lectures.ring_modes(), std=0.02)


def test_pictures_are_written(tmp_path):
    lectures.plot_histogram(lectures.normal_vectors(100, seed=0), 4.0, 0.2, tmp_path / "h.png")
    lectures.plot_histograms([np.zeros(10) + 4, np.ones(10)], 4.0, 0.2, tmp_path / "hs.png", titles=["a", "b"])
    lectures.plot_line(lectures.line_points(50, seed=0), 2.0, 1.0, tmp_path / "l.png")
    lectures.plot_ring(lectures.ring_of_gaussians(100, seed=0), lectures.ring_modes(), 0.02, tmp_path / "r.png")
    assert all((tmp_path / name).stat().st_size > 1000 for name in ("h.png", "hs.png", "l.png", "r.png"))


def test_sample_check_adds_scores_to_the_logs():
    gan = lectures.train_toy_gan(
        lectures.normal_vectors(60, seed=0), latent_dim=3, generator_hidden=4, discriminator_hidden=4, epochs=1
    )
    check = lectures.SampleCheck(lambda s: {"mean": s.mean()}, num_samples=10)
    check.set_model(gan)
    logs = {}
    check.on_epoch_end(0, logs)
    assert set(logs) == {"mean"} and np.isfinite(logs["mean"])
    assert isinstance(check, keras.callbacks.Callback)
