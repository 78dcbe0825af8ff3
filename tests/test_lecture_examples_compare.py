"""The ring-of-Gaussians comparison of remedies: every remedy trains, on the same data, seed and budget."""

import numpy as np
import pytest

from conftest import load_script
from kgan import lectures
from kgan.lectures import remedies as ring_experiment
from kgan.metrics import toy_checks

TINY = dict(epochs=1, batches_per_epoch=2, num_samples=200)


def test_the_remedies_cover_the_lectures_tricks_and_kgans_variants():
    remedies = lectures.ring_remedies()
    names = [r.name for r in remedies]
    assert len(set(names)) == len(names)
    assert names[:2] == ["minimax", "non-saturating"]  # the plain GANs first
    options = {r.name: r.options for r in remedies}
    assert options["minimax"] == {"loss": "minimax"} and options["non-saturating"] == {}
    assert options["label smoothing 0.1"] == {"label_smoothing": 0.1}
    assert options["5 D steps"] == {"d_steps": 5}
    assert options["WGAN-GP"] == {"variant": "wgan_gp"}
    assert options["unrolled GAN"] == {"variant": "unrolled"}  # lecture 000's fourth remedy
    assert "instance_noise" in options["instance noise 0.1"] and "penalties" in options["D weight penalty"]
    assert all(r.source for r in remedies)


def test_every_remedy_trains_and_is_scored_on_the_same_latent_batch():
    seen = []
    results = lectures.compare_ring_remedies(**TINY, progress=seen.append)
    assert [r.remedy.name for r in results] == [r.name for r in lectures.ring_remedies()] and seen == results
    for r in results:
        assert r.samples.shape == (200, 2) and np.isfinite(r.samples).all(), r.remedy.name
        assert r.coverage.num_modes == 8 and 0.0 <= r.coverage.high_quality_share <= 1.0
        assert r.coverage == toy_checks.mode_coverage(r.samples, lectures.ring_modes(), 0.02, min_samples=2)
        assert r.seconds > 0
    # A remedy that were silently dropped would train the plain GAN again and give its samples.
    plain = next(r.samples for r in results if r.remedy.name == "non-saturating")
    for r in results:
        if r.remedy.name != "non-saturating":
            assert not np.allclose(r.samples, plain, atol=1e-4), f"{r.remedy.name} trained like the plain GAN"


def test_the_same_seed_and_budget_give_the_same_samples():
    remedy = (lectures.Remedy("plain", "test"),)
    first, second = (lectures.compare_ring_remedies(remedy, **TINY)[0] for _ in range(2))
    np.testing.assert_allclose(first.samples, second.samples, atol=1e-5)
    other = lectures.compare_ring_remedies(remedy, **TINY, seed=1)[0]
    assert not np.allclose(first.samples, other.samples, atol=1e-3)


def test_wasserstein_variants_get_a_linear_critic_and_their_own_defaults():
    data = lectures.ring_of_gaussians(64, seed=0)
    gan = lectures.train_toy_gan(data, **lectures.RING_GAN | dict(batch_size=32), variant="wgan_gp", epochs=1)
    assert gan.gan_loss.name == "wasserstein" and gan.d_steps == 5
    assert gan.discriminator.layers[-1].activation.__name__ == "linear"
    plain = lectures.train_toy_gan(data, **lectures.RING_GAN | dict(batch_size=32), epochs=1)
    assert plain.discriminator.layers[-1].activation.__name__ == "sigmoid"
    assert plain.gan_loss.name == "non_saturating" and plain.d_steps == 1
    chosen = lectures.train_toy_gan(
        data, **lectures.RING_GAN | dict(batch_size=32), variant="wgan_gp", d_steps=1, epochs=1
    )
    assert chosen.d_steps == 1  # the caller's choice wins over the variant's default


def test_instance_noise_is_annealed_over_half_the_run():
    remedy = lectures.Remedy("noise", "test", {"instance_noise": 0.1})
    seen = {}
    original = ring_experiment.train_toy_gan

    def spy(data, **kwargs):
        seen.update(kwargs)
        return original(data, **kwargs)

    ring_experiment.train_toy_gan = spy
    try:
        lectures.compare_ring_remedies((remedy,), epochs=2, batches_per_epoch=3, num_samples=100)
    finally:
        ring_experiment.train_toy_gan = original
    assert seen["instance_noise"] == 0.1 and seen["instance_noise_steps"] == 3


def test_bad_comparisons_are_refused():
    with pytest.raises(ValueError, match="Received: remedies"):
        lectures.compare_ring_remedies(())
    with pytest.raises(ValueError, match="Received: variant='cgan'"):
        lectures.train_toy_gan(lectures.ring_of_gaussians(32, seed=0), variant="cgan")
    with pytest.raises(ValueError, match="one title per panel"):
        lectures.plot_rings([np.zeros((3, 2))], lectures.ring_modes(), 0.02, "unused.png", titles=[])


def test_the_table_and_the_figure_show_every_remedy(tmp_path):
    remedies = (lectures.Remedy("plain", "test"), lectures.Remedy("smooth", "test", {"label_smoothing": 0.1}))
    results = lectures.compare_ring_remedies(remedies, **TINY)
    table = lectures.format_remedy_table(results).splitlines()
    assert "modes covered" in table[0] and "high quality" in table[0]
    assert [line.split()[0] for line in table[1:]] == ["plain", "smooth"]
    assert all("/8" in line and "%" in line for line in table[1:])
    lectures.plot_remedy_comparison(results, tmp_path / "compare.png")
    assert (tmp_path / "compare.png").stat().st_size > 5000


def test_the_ring_script_compares_the_remedies(tmp_path, capsys, monkeypatch):
    remedies = lectures.ring_remedies()[:2]  # every remedy trains in the test above; two keep this one fast
    monkeypatch.setattr(ring_experiment, "ring_remedies", lambda: remedies)
    module = load_script("ring_of_gaussians")
    assert module.main(["--compare", "--output-dir", str(tmp_path), "--epochs", "1", "--batches-per-epoch", "2"]) == 0
    out = capsys.readouterr().out
    for remedy in remedies:
        assert f"\n{remedy.name} " in out  # one row of the table each
    assert "modes covered" in out and (tmp_path / "compare.png").exists()


def test_the_ring_script_refuses_compare_with_a_single_remedys_flags(capsys):
    module = load_script("ring_of_gaussians")
    with pytest.raises(SystemExit) as exit_info:
        module.parse_args(["--compare", "--d-steps", "5"])
    assert exit_info.value.code == 2 and "--compare" in capsys.readouterr().err


def test_the_mlp_mnist_example_defaults_to_the_settings_that_draw_digits():
    # 100 epochs of 5,000 digits in batches of 32 (15,600 steps) draw digits (benchmarks/RESULTS.md);
    # the notebook's batches of 128 at 30 epochs (1,170 steps) drew blobs.
    args = load_script("lecture002_mlp_mnist").parse_args([])
    assert (args.epochs, args.batch_size) == (100, 32)


def test_the_ring_generator_can_reach_every_mode():
    # SELU never goes below -1.758: with lecture 000's SELU output the modes at x = -2 and y = -2 are out of reach.
    data = lectures.ring_of_gaussians(64, seed=0)
    ring = lectures.train_toy_gan(data, **lectures.RING_GAN | dict(batch_size=32), epochs=1)
    assert ring.generator.layers[-1].activation.__name__ == "linear"
    assert lectures.ring_modes().min() < -1.76
    lecture = lectures.train_toy_gan(lectures.normal_vectors(60, seed=0), epochs=1)
    assert lecture.generator.layers[-1].activation.__name__ == "selu"  # lecture 000's example keeps its SELU
