"""Tests for kgan.metrics: the scores, the shipped classifier, the callback and `kgan evaluate`."""

import json
import shutil

import numpy as np
import pytest
import tensorflow as tf

from kgan import cli
from kgan.callbacks import HistoryLog
from kgan.core import GAN
from kgan.metrics import (
    Evaluator,
    GANMetrics,
    Protocol,
    class_histogram,
    classes_covered,
    classifier_score,
    evaluate_export,
    format_report,
    frechet_distance,
    frechet_distance_from_moments,
    is_mode_collapse,
    kernel_inception_distance,
    load_classifier,
    read_card,
    split_embedded_mnist,
    train_classifier,
)
from kgan.metrics.classifier import card_paths, load_split, to_unit_range
from kgan.models import build_dcgan_discriminator, build_dcgan_generator
from kgan.serving import export_generator

MNIST_SHAPE = (28, 28, 1)
# A small protocol keeps the callback and export tests fast.
SMALL = Protocol(num_samples=200, kid_subset_size=100, kid_subsets=10)


@pytest.fixture(scope="module")
def mnist_split():
    return load_split("mnist_embedded")


@pytest.fixture(scope="module")
def mnist_evaluator():
    return Evaluator.from_classifier("mnist")


@pytest.fixture(scope="module")
def small_evaluator(mnist_split):
    model, card = load_classifier("mnist")
    return Evaluator(model, mnist_split[2], protocol=SMALL, reference=card["reference"])


def small_generator(seed=1):
    return build_dcgan_generator(4, MNIST_SHAPE, stem_filters=8, filters=(4,), strides=(2,), output_stride=2, seed=seed)


# -- scores ---------------------------------------------------------------


def test_frechet_distance_from_moments_matches_closed_form_of_two_gaussians():
    # Covariances sharing eigenvectors: FD = |mu_a - mu_b|^2 + sum (sqrt(a_i) - sqrt(b_i))^2.
    rotation, _ = np.linalg.qr(np.random.default_rng(0).normal(size=(3, 3)))
    a, b = np.array([1.0, 4.0, 9.0]), np.array([4.0, 1.0, 9.0])
    mu_a, mu_b = np.array([0.0, 1.0, 2.0]), np.array([1.0, 1.0, 0.0])
    expected = 5.0 + (1 - 2) ** 2 + (2 - 1) ** 2 + 0.0
    cov_a, cov_b = rotation @ np.diag(a) @ rotation.T, rotation @ np.diag(b) @ rotation.T
    got = frechet_distance_from_moments(mu_a, cov_a, mu_b, cov_b)
    assert got == pytest.approx(expected, rel=1e-9)


def test_frechet_distance_of_gaussian_samples_approaches_closed_form():
    rng = np.random.default_rng(0)
    x = rng.normal(0.0, 1.0, size=(100_000, 2))
    y = rng.normal(0.0, 1.0, size=(100_000, 2)) * [2.0, 3.0] + [1.0, 0.0]
    # |(1, 0)|^2 + (1 - 2)^2 + (1 - 3)^2 = 6
    assert frechet_distance(x, y) == pytest.approx(6.0, rel=0.02)
    assert frechet_distance(x, x) == pytest.approx(0.0, abs=1e-6)


def test_frechet_distance_rejects_mismatched_feature_sizes():
    with pytest.raises(ValueError, match="same size"):
        frechet_distance(np.zeros((5, 2)), np.zeros((5, 3)))


def test_kid_is_near_zero_for_two_samples_of_the_same_data_and_not_for_different_data():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(1000, 16)), rng.normal(size=(1000, 16))
    shifted = rng.normal(size=(1000, 16)) + 0.5
    same_mean, same_std = kernel_inception_distance(a, b, seed=0)
    different_mean, _ = kernel_inception_distance(a, shifted, seed=0)
    assert abs(same_mean) < 3 * same_std + 1e-3
    assert different_mean > 20 * abs(same_mean) and different_mean > 10 * same_std


def test_kid_is_near_zero_for_two_draws_of_real_digits(mnist_split, mnist_evaluator):
    train_images = to_unit_range(mnist_split[0])
    first, _ = mnist_evaluator.features_and_probabilities(train_images[0::8][:500])
    second, _ = mnist_evaluator.features_and_probabilities(train_images[1::8][:500])
    noise, _ = mnist_evaluator.features_and_probabilities(
        np.random.default_rng(0).uniform(-1, 1, size=(500, *MNIST_SHAPE)).astype("float32")
    )
    same, std = kernel_inception_distance(first, second, subset_size=250)
    assert abs(same) < 3 * std + 0.05
    assert kernel_inception_distance(first, noise, subset_size=250)[0] > 20 * max(abs(same), std)


def test_classifier_score_is_one_for_one_class_and_the_class_count_for_confident_balanced_samples():
    one_class = np.tile(np.eye(10)[3], (50, 1))
    assert classifier_score(one_class) == pytest.approx(1.0)
    assert classifier_score(np.tile(np.eye(10), (5, 1))) == pytest.approx(10.0)
    assert classifier_score(np.full((50, 10), 0.1)) == pytest.approx(1.0)  # unsure about every sample


def test_classifier_score_of_real_digits_is_near_one_per_class_and_near_ten_balanced(mnist_split, mnist_evaluator):
    _, _, held_out, held_out_labels, _ = mnist_split
    _, probabilities = mnist_evaluator.features_and_probabilities(to_unit_range(held_out))
    assert classifier_score(probabilities) > 9.0
    sevens = probabilities[held_out_labels == 7]
    assert classifier_score(sevens) < 1.3


def test_class_histogram_and_coverage_show_a_collapse_onto_few_classes():
    collapsed = np.eye(10)[np.array([1] * 90 + [7] * 10)]
    histogram = class_histogram(collapsed)
    assert histogram.tolist() == [0, 90, 0, 0, 0, 0, 0, 10, 0, 0]
    assert classes_covered(histogram) == 2
    # 100 samples: a class needs 2.5 of them (a quarter of a fair share of 10).
    assert classes_covered([10] * 10) == 10 and classes_covered([2] + [11] * 9) == 9


# -- the shipped classifier and the protocol ---------------------------------


def test_shipped_classifier_card_records_hash_accuracy_protocol_and_references():
    card = read_card("mnist")
    assert len(card["sha256"]) == 64 and card["held_out_accuracy"] > 0.95
    assert card["num_train"] == 4000 and card["num_held_out"] == 1000
    assert card["protocol"] == Protocol().to_dict()
    reference = card["reference"]
    assert reference["classes_covered"] == 10 and reference["classifier_score"] > 9.0
    assert reference["frechet_distance"] >= 0 and "kid" in reference and "kid_std" in reference
    weights, _ = card_paths("mnist")
    assert weights.stat().st_size < 1_000_000


def test_held_out_split_is_deterministic_and_stratified(mnist_split):
    train_images, train_labels, held_out, held_out_labels, _ = mnist_split
    assert len(train_images) == 4000 and len(held_out) == 1000
    assert np.bincount(held_out_labels).tolist() == [100] * 10
    assert np.array_equal(load_split("mnist_embedded")[2], held_out)
    # The last 100 digits of each class (in the shipped order) are the held-out ones.
    images, labels = np.concatenate([train_images, held_out]), np.concatenate([train_labels, held_out_labels])
    assert np.array_equal(split_embedded_mnist(images, labels)[2], held_out)


def test_shipped_classifier_reaches_its_recorded_accuracy(mnist_split):
    model, card = load_classifier("mnist")
    _, _, held_out, held_out_labels, _ = mnist_split
    predictions = np.argmax(model.predict(to_unit_range(held_out), verbose=0), axis=1)
    assert np.mean(predictions == held_out_labels) == pytest.approx(card["held_out_accuracy"], abs=1e-6)


def test_corrupted_weights_fail_the_hash_check_clearly(tmp_path):
    weights, card = card_paths("mnist")
    copy = tmp_path / weights.name
    shutil.copy(weights, copy)
    shutil.copy(card, tmp_path / card.name)
    load_classifier(copy)  # the intact copy loads
    data = bytearray(copy.read_bytes())
    data[len(data) // 2] ^= 0xFF
    copy.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="corrupted or were replaced: their SHA-256"):
        load_classifier(copy)


def test_report_prints_every_score_beside_the_real_reference(small_evaluator):
    result = small_evaluator.score(to_unit_range(load_split("mnist_embedded")[0][:200]))
    report = format_report(result, small_evaluator.reference)
    for label in ("classifier score", "Frechet distance", "KID", "classes covered", "real vs real"):
        assert label in report
    assert f"{small_evaluator.reference['classifier_score']:.3f}" in report


def test_classifier_for_fashion_mnist_trains_from_tfds_when_the_data_is_there(tmp_path, monkeypatch):
    import tensorflow_datasets as tfds

    import kgan.data.tfds as kd

    monkeypatch.setattr(kd, "_host_reachable", lambda *args, **kwargs: True)
    with tfds.testing.mock_data(num_examples=40):
        card = train_classifier(tmp_path, dataset="fashion_mnist", epochs=1, verbose=0)
    assert card["name"] == "fashion_mnist" and card["class_names"][0] == "T-shirt/top"
    assert (tmp_path / "fashion_mnist_classifier.weights.h5").is_file()
    assert json.loads((tmp_path / "fashion_mnist_classifier.json").read_text())["sha256"] == card["sha256"]
    assert 0.0 <= card["held_out_accuracy"] <= 1.0 and card["reference"]["classes_covered"] <= 10


def test_classifier_trains_on_a_keras_npz_and_scores_with_its_own_references(tmp_path):
    rng = np.random.default_rng(0)
    npz = tmp_path / "tiny.npz"
    np.savez(
        npz,
        x_train=rng.integers(0, 256, (60, 28, 28), dtype=np.uint8),
        y_train=np.arange(60) % 10,
        x_test=rng.integers(0, 256, (30, 28, 28), dtype=np.uint8),
        y_test=np.arange(30) % 10,
    )
    card = train_classifier(tmp_path / "out", dataset="npz", data_path=npz, name="tiny", epochs=1, verbose=0)
    weights = tmp_path / "out" / "tiny_classifier.weights.h5"
    evaluator = Evaluator.from_classifier(weights)
    # The label-accuracy reference of conditional generators is the classifier's own held-out accuracy.
    reference = dict(evaluator.reference)
    assert reference.pop("label_accuracy") == card["held_out_accuracy"]
    assert reference == card["reference"] and evaluator.real_features.shape == (30, 128)


# -- the callback -----------------------------------------------------------


def tiny_gan(seed=1):
    discriminator = build_dcgan_discriminator(MNIST_SHAPE, filters=(4, 8), strides=(2, 2), seed=2)
    gan = GAN(small_generator(seed), discriminator, seed=0)
    gan.compile(jit_compile=False)
    return gan


def digits_dataset(count=64):
    images, labels, _ = load_split("mnist_embedded")[0:3]
    return tf.data.Dataset.from_tensor_slices((to_unit_range(images[:count]), labels[:count])).batch(32)


def test_callback_logs_scores_into_history_and_csv_every_n_epochs(small_evaluator, tmp_path):
    gan = tiny_gan()
    metrics = GANMetrics(small_evaluator, every=2, on_collapse=None)
    history = gan.fit(digits_dataset(), epochs=3, verbose=0, callbacks=[metrics, HistoryLog(tmp_path)])
    scores = history.history["classifier_score"]
    # Epoch 2 (every 2) and epoch 3 (the last) are evaluated; epoch 1 logs NaN.
    assert np.isnan(scores[0]) and all(1.0 <= s <= 10.0 for s in scores[1:])
    for name in ("frechet_distance", "kid", "kid_std", "classes_covered", "mode_collapse"):
        assert len(history.history[name]) == 3
    assert [r["epoch"] for r in metrics.records] == [2, 3]
    header = (tmp_path / "history.csv").read_text().splitlines()[0].split(",")
    assert {"classifier_score", "frechet_distance", "kid", "classes_covered"} <= set(header)


def test_callback_leaves_the_gans_noise_stream_untouched(small_evaluator):
    gan = tiny_gan()
    state = np.array(gan.seed_generator.state)
    metrics = GANMetrics(small_evaluator)
    metrics.set_model(gan)
    metrics.on_train_begin()
    assert np.array_equal(np.array(gan.seed_generator.state), state)
    assert metrics._latent.shape == (SMALL.num_samples, 4)


def test_alarm_fires_on_a_collapsed_sample(small_evaluator, mnist_split):
    _, _, held_out, held_out_labels, _ = mnist_split
    ones = small_evaluator.score(to_unit_range(held_out[held_out_labels == 1][:100]))
    balanced = small_evaluator.score(to_unit_range(held_out[::5]))
    assert ones["classes_covered"] == 1 and is_mode_collapse(ones, 10)
    assert not is_mode_collapse(balanced, 10)
    assert is_mode_collapse(balanced, 10, min_classifier_score=100.0)


def test_alarm_warns_or_stops_training_when_the_generator_collapses(small_evaluator):
    # An untrained generator draws near-identical blobs that the classifier puts in one or two classes.
    with pytest.warns(UserWarning, match="Mode collapse at epoch 1"):
        tiny_gan().fit(
            digits_dataset(32),
            epochs=1,
            verbose=0,
            callbacks=[GANMetrics(small_evaluator, every=1, on_collapse="warn")],
        )
    history = tiny_gan().fit(
        digits_dataset(32), epochs=3, verbose=0, callbacks=[GANMetrics(small_evaluator, every=1, on_collapse="stop")]
    )
    assert history.history["mode_collapse"] == [1.0]


def test_callback_rejects_unknown_alarm_action():
    with pytest.raises(ValueError, match="Received: on_collapse='panic'"):
        GANMetrics(on_collapse="panic")


# -- exports and `kgan evaluate` ------------------------------------------------


@pytest.fixture(scope="module")
def tiny_export(tmp_path_factory):
    base = tmp_path_factory.mktemp("exports")
    return export_generator(small_generator(), base, "tiny", metadata={"latent_distribution": "uniform"})


def test_evaluate_export_scores_an_exported_generator_beside_the_references(tiny_export, small_evaluator, capsys):
    result = evaluate_export(tiny_export.parent, evaluator=small_evaluator)
    assert result["export"] == str(tiny_export)
    assert 1.0 <= result["scores"]["classifier_score"] <= 10.0 and result["scores"]["frechet_distance"] > 0
    assert sum(result["scores"]["histogram"]) == SMALL.num_samples
    printed = capsys.readouterr().out
    assert "real vs real" in printed and "classifier score" in printed


def test_evaluate_export_rejects_images_the_classifier_cannot_read(tmp_path, small_evaluator):
    from conftest import tiny_generator

    path = export_generator(tiny_generator(), tmp_path, "eight")
    with pytest.raises(ValueError, match=r"makes images of shape \(8, 8, 1\)"):
        evaluate_export(path, evaluator=small_evaluator, verbose=False)


def test_kgan_evaluate_prints_the_scores_of_an_export(tiny_export, capsys):
    assert cli.main(["evaluate", str(tiny_export)]) == 0
    assert "Frechet distance" in capsys.readouterr().out


def test_kgan_evaluate_exits_2_with_one_line_on_a_missing_directory(tmp_path, capsys):
    assert cli.main(["evaluate", str(tmp_path / "nowhere")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "nowhere" in err and len(err.splitlines()) == 1


def test_toy_problem_checks_are_reachable_from_kgan_metrics():
    import kgan.metrics
    import kgan.metrics.toy_checks

    assert kgan.metrics.mode_coverage is kgan.metrics.toy_checks.mode_coverage
    assert kgan.metrics.moment_errors is kgan.metrics.toy_checks.moment_errors
