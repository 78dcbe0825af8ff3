"""Each loss against values computed by hand."""

import math

import numpy as np
import pytest

from kgan import losses

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
        -np.mean([math.log(sigmoid(x)) for x in FAKE]), rel=1e-5)
    assert float(losses.minimax_generator_loss(FAKE)) == pytest.approx(
        np.mean([math.log(1 - sigmoid(x)) for x in FAKE]), rel=1e-5)
    assert float(losses.maximum_likelihood_generator_loss(FAKE)) == pytest.approx(
        -0.5 * np.mean([sigmoid(x) / (1 - sigmoid(x)) for x in FAKE]), rel=1e-5)


def test_losses_stay_finite_for_extreme_logits():
    extreme = np.array([1e4, -1e4], "float32")
    assert np.isfinite(float(losses.minimax_discriminator_loss(extreme, extreme)))
    assert np.isfinite(float(losses.non_saturating_generator_loss(extreme)))


def test_get_returns_registered_pairs_and_names_an_unknown_one():
    assert losses.get("non_saturating").generator is losses.non_saturating_generator_loss
    with pytest.raises(ValueError, match="loss='hinge2'"):
        losses.get("hinge2")
