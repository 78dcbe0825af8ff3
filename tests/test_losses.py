"""Each loss against values computed by hand."""

import math

import numpy as np
import pytest

from kgan.core import losses

REAL = np.array([2.0, -1.0], "float32")
FAKE = np.array([0.5, -3.0], "float32")


def sigmoid(x):
    return 1.0 / (1.0 + math.exp(-x))


def test_minimax_discriminator_loss_is_the_mean_of_real_and_fake_cross_entropies():
    real = -np.mean([math.log(sigmoid(x)) for x in REAL])
    fake = -np.mean([math.log(1 - sigmoid(x)) for x in FAKE])
    assert float(losses.minimax_discriminator_loss(REAL, FAKE)) == pytest.approx(0.5 * (real + fake), rel=1e-5)


def test_one_sided_label_smoothing_only_changes_the_real_target():
    t = 0.9
    real = -np.mean([t * math.log(sigmoid(x)) + (1 - t) * math.log(1 - sigmoid(x)) for x in REAL])
    fake = -np.mean([math.log(1 - sigmoid(x)) for x in FAKE])
    value = losses.minimax_discriminator_loss(REAL, FAKE, label_smoothing=0.1)
    assert float(value) == pytest.approx(0.5 * (real + fake), rel=1e-5)


def test_generator_losses_match_their_formulas():
    assert float(losses.non_saturating_generator_loss(FAKE)) == pytest.approx(
        -np.mean([math.log(sigmoid(x)) for x in FAKE]), rel=1e-5
    )
    assert float(losses.minimax_generator_loss(FAKE)) == pytest.approx(
        np.mean([math.log(1 - sigmoid(x)) for x in FAKE]), rel=1e-5
    )
    assert float(losses.maximum_likelihood_generator_loss(FAKE)) == pytest.approx(
        -0.5 * np.mean([sigmoid(x) / (1 - sigmoid(x)) for x in FAKE]), rel=1e-5
    )


def test_losses_stay_finite_for_extreme_logits():
    extreme = np.array([1e4, -1e4], "float32")
    assert np.isfinite(float(losses.minimax_discriminator_loss(extreme, extreme)))
    assert np.isfinite(float(losses.non_saturating_generator_loss(extreme)))


def test_get_returns_registered_pairs_and_names_an_unknown_one():
    assert losses.get("non_saturating").generator is losses.non_saturating_generator_loss
    with pytest.raises(ValueError, match="loss='hinge2'"):
        losses.get("hinge2")


def test_least_squares_losses_regress_real_to_one_and_fake_to_zero():
    expected_d = 0.5 * (np.mean((REAL - 1.0) ** 2) + np.mean(FAKE**2))  # (1 + 4) / 2 and (0.25 + 9) / 2
    assert float(losses.least_squares_discriminator_loss(REAL, FAKE)) == pytest.approx(0.5 * (2.5 + 4.625))
    assert float(losses.least_squares_discriminator_loss(REAL, FAKE)) == pytest.approx(expected_d)
    assert float(losses.least_squares_generator_loss(FAKE)) == pytest.approx(0.5 * (0.25 + 16.0) / 2)


def test_least_squares_label_smoothing_moves_the_real_target():
    value = losses.least_squares_discriminator_loss(REAL, FAKE, label_smoothing=0.1)
    assert float(value) == pytest.approx(0.5 * ((1.1**2 + 1.9**2) / 2 + 4.625), rel=1e-5)


def test_wasserstein_losses_are_differences_of_mean_scores():
    # mean(REAL) = 0.5, mean(FAKE) = -1.25
    assert float(losses.wasserstein_discriminator_loss(REAL, FAKE)) == pytest.approx(-1.25 - 0.5)
    assert float(losses.wasserstein_generator_loss(FAKE)) == pytest.approx(1.25)


def test_hinge_losses_only_count_scores_inside_the_margin():
    # real: relu(1 - 2) = 0, relu(1 + 1) = 2 -> 1; fake: relu(1 + 0.5) = 1.5, relu(1 - 3) = 0 -> 0.75
    assert float(losses.hinge_discriminator_loss(REAL, FAKE)) == pytest.approx(1.75)
    assert float(losses.hinge_generator_loss(FAKE)) == pytest.approx(1.25)


@pytest.mark.parametrize("name", ["wasserstein", "hinge"])
def test_losses_without_targets_refuse_label_smoothing(name):
    with pytest.raises(ValueError, match="label_smoothing=0.1"):
        losses.get(name).discriminator(REAL, FAKE, label_smoothing=0.1)


@pytest.mark.parametrize("name", ["least_squares", "wasserstein", "hinge"])
def test_new_losses_are_registered_under_their_names(name):
    pair = losses.get(name)
    assert pair.name == name
    assert pair.discriminator is getattr(losses, f"{name}_discriminator_loss")
    assert pair.generator is getattr(losses, f"{name}_generator_loss")
