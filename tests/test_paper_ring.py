"""The unrolled GAN paper's ring setting (Metz et al. 2017, appendix A): its networks, its comparison, the script."""

import numpy as np
import pytest

from conftest import load_script
from kgan import GAN, lectures
from kgan.variants import UnrolledGAN

TINY = dict(steps=2, steps_per_check=1, num_samples=200)


def test_the_networks_are_the_papers():
    generator = lectures.build_metz_ring_generator(seed=0)
    # 256 -> 128 ReLU -> 128 ReLU -> 2 linear.
    assert generator.count_params() == (256 * 128 + 128) + (128 * 128 + 128) + (128 * 2 + 2)
    assert [layer.activation.__name__ for layer in generator.layers[1:]] == ["relu", "relu", "linear"]
    kernel = generator.get_layer("dense_2").kernel.numpy()
    np.testing.assert_allclose(kernel.T @ kernel, 0.8**2 * np.eye(128), atol=1e-4)  # orthogonal, gain 0.8
    discriminator = lectures.build_metz_ring_discriminator(seed=0)
    # Inputs scaled by 1/4, one hidden layer of 128 ReLU units, a logit.
    assert discriminator.count_params() == (2 * 128 + 128) + (128 + 1)
    assert discriminator.get_layer("scale").scale == 0.25
    assert discriminator.get_layer("logit").activation.__name__ == "linear"
    assert lectures.METZ_RING_GAN["loss"] == "minimax" and lectures.METZ_RING_GAN["learning_rate"] == 1e-4


def test_zero_unrolling_steps_is_the_plain_gan_and_k_the_unrolled_one():
    data = lectures.ring_of_gaussians(1024, seed=0)
    plain = lectures.train_metz_ring_gan(data, unroll_steps=0, epochs=1)
    unrolled = lectures.train_metz_ring_gan(data, unroll_steps=2, epochs=1)
    assert type(plain) is GAN and isinstance(unrolled, UnrolledGAN) and unrolled.unroll_steps == 2
    for gan in (plain, unrolled):
        assert gan.gan_loss.name == "minimax" and gan.latent_dim == 256
        assert float(gan.d_optimizer.learning_rate) == pytest.approx(1e-4) and gan.d_optimizer.beta_1 == 0.5
        assert int(gan.d_optimizer.iterations) == 2  # batches of 512
    with pytest.raises(ValueError, match="Received: unroll_steps=-1"):
        lectures.train_metz_ring_gan(data, unroll_steps=-1, epochs=1)


def test_every_seed_trains_every_unrolling_from_the_same_start():
    seen = []
    results = lectures.compare_unrolling((0, 1), (0, 1), **TINY, progress=seen.append)
    assert [(r.seed, r.unroll_steps) for r in results] == [(0, 0), (0, 1), (1, 0), (1, 1)] and seen == results
    for r in results:
        assert r.samples.shape == (200, 2) and np.isfinite(r.samples).all()
        assert len(r.modes_over_time) == 2 and r.coverage.num_modes == 8 and r.seconds > 0
    # Unrolling changes G's steps (the same start and data otherwise); another seed another start.
    assert not np.allclose(results[0].samples, results[1].samples, atol=1e-6)
    assert not np.allclose(results[0].samples, results[2].samples, atol=1e-3)
    again = lectures.compare_unrolling((0,), (0,), **TINY)[0]
    np.testing.assert_allclose(again.samples, results[0].samples, atol=1e-5)


def test_bad_comparisons_are_refused():
    with pytest.raises(ValueError, match="Received: steps=5, steps_per_check=2"):
        lectures.compare_unrolling(steps=5, steps_per_check=2)
    with pytest.raises(ValueError, match="Received: unroll_steps=\\(\\), seeds=\\(0,\\)"):
        lectures.compare_unrolling((), (0,))
    with pytest.raises(ValueError, match="Received: results=\\[\\]"):
        lectures.plot_unrolling_comparison([], "unused.png")


def test_the_script_runs_the_papers_comparison(tmp_path, capsys):
    module = load_script("ring_of_gaussians")
    argv = ["--paper-setting", "--steps", "4", "--steps-per-check", "2", "--seeds", "3", "--unroll-steps", "0", "1"]
    assert module.main([*argv, "--output-dir", str(tmp_path)]) == 0
    table = capsys.readouterr().out.split("modes covered at each check\n")[1].splitlines()
    assert [line.split()[:2] for line in table[:2]] == [["0", "3"], ["1", "3"]]
    assert [line.split()[:2] for line in table[2:4]] == [["0", "mean"], ["1", "mean"]]
    assert (tmp_path / "paper_setting.png").stat().st_size > 5000


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--paper-setting", "--compare"], "--paper-setting"),
        (["--paper-setting", "--loss", "minimax"], "--paper-setting"),
        (["--paper-setting", "--steps", "5", "--steps-per-check", "2"], "multiple of --steps-per-check"),
        (["--paper-setting", "--unroll-steps", "-1"], "--unroll-steps"),
        (["--paper-setting", "--seeds", "-1"], "--seeds"),
    ],
)
def test_the_script_refuses_bad_paper_settings(argv, message, capsys):
    module = load_script("ring_of_gaussians")
    with pytest.raises(SystemExit) as exit_info:
        module.parse_args(argv)
    assert exit_info.value.code == 2 and message in capsys.readouterr().err
