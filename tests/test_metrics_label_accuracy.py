"""Label accuracy: does a conditional generator draw the class it is asked for (lectures 001 and 003)?"""

import keras
import numpy as np
import pytest
from keras import layers

from kgan.metrics import Evaluator, GANMetrics, Protocol, evaluate_export, format_report, load_classifier
from kgan.metrics.classifier import load_split, to_unit_range
from kgan.metrics.scores import label_accuracy, label_accuracy_per_class
from kgan.serving import export_generator

SMALL = Protocol(num_samples=200, kid_subset_size=100, kid_subsets=10)


@pytest.fixture(scope="module")
def mnist_split():
    return load_split("mnist_embedded")


@pytest.fixture(scope="module")
def small_evaluator(mnist_split):
    model, card = load_classifier("mnist")
    return Evaluator(
        model,
        mnist_split[2],
        protocol=SMALL,
        reference={**card["reference"], "label_accuracy": card["held_out_accuracy"]},
    )


def test_label_accuracy_is_the_share_of_argmax_equal_to_the_requested_class():
    probabilities = np.array([[0.9, 0.1, 0.0], [0.2, 0.7, 0.1], [0.6, 0.3, 0.1], [0.1, 0.1, 0.8]])
    # argmax 0, 1, 0, 2 against requested 0, 1, 1, 1: two of four right.
    assert label_accuracy(probabilities, [0, 1, 1, 1]) == 0.5
    assert label_accuracy_per_class(probabilities, [0, 1, 1, 1]) == pytest.approx([1.0, 1 / 3, np.nan], nan_ok=True)


def test_label_accuracy_rejects_labels_that_do_not_match_the_samples():
    with pytest.raises(ValueError, match=r"one integer class per sample, shape \(2,\)"):
        label_accuracy(np.eye(3)[:2], [0, 1, 2])
    with pytest.raises(ValueError, match=r"must lie in \[0, 3\)"):
        label_accuracy(np.eye(3), [0, 1, 3])


def test_real_digits_with_their_labels_score_the_classifiers_accuracy_and_with_wrong_labels_near_zero(
    mnist_split, small_evaluator
):
    _, _, held_out, held_out_labels, _ = mnist_split
    images = to_unit_range(held_out)
    right = small_evaluator.score(images, held_out_labels)
    wrong = small_evaluator.score(images, (held_out_labels + 1) % 10)
    assert right["label_accuracy"] > 0.95 and wrong["label_accuracy"] < 0.05
    assert len(right["label_accuracy_per_class"]) == 10 and min(right["label_accuracy_per_class"]) > 0.8
    assert "label_accuracy" not in small_evaluator.score(images)


def test_report_shows_label_accuracy_beside_the_classifiers_own_accuracy(mnist_split, small_evaluator):
    _, _, held_out, held_out_labels, _ = mnist_split
    result = small_evaluator.score(to_unit_range(held_out[:100]), held_out_labels[:100])
    report = format_report(result, small_evaluator.reference)
    line = next(row for row in report.splitlines() if row.startswith("label accuracy "))
    assert f"{result['label_accuracy']:.3f}" in line and f"{small_evaluator.reference['label_accuracy']:.3f}" in line
    assert "label accuracy per requested class:" in report


def real_digit_generator(images, labels, latent_dim=4):
    """A conditional 'generator' that draws the first real digit of the class it is asked for."""
    table = np.stack([to_unit_range(images[labels == k][:1])[0].reshape(-1) for k in range(10)])
    latent = keras.Input((latent_dim,), name="latent")
    label = keras.Input((), dtype="int32", name="labels")
    lookup = layers.Embedding(10, table.shape[1], name="digits", weights=[table], trainable=False)(label)
    ignored = layers.Dense(table.shape[1], kernel_initializer="zeros", use_bias=False, name="ignore")(latent)
    image = layers.Reshape(images.shape[1:], name="image")(layers.Add()([lookup, ignored]))
    return keras.Model([latent, label], image)


def test_evaluate_export_of_a_conditional_generator_reports_label_accuracy(
    mnist_split, small_evaluator, tmp_path, capsys
):
    train_images, train_labels = mnist_split[0], mnist_split[1]
    path = export_generator(real_digit_generator(train_images, train_labels), tmp_path, "lookup")
    result = evaluate_export(path, evaluator=small_evaluator)
    # Every requested class gets its own real digit, so the classifier sees the class asked for.
    assert result["scores"]["label_accuracy"] == 1.0
    assert "label accuracy" in capsys.readouterr().out


class LookupGAN:
    """Just what `GANMetrics` reads of a conditional `kgan.GAN`."""

    latent_dim, latent_distribution, conditional = 4, "normal", True

    def __init__(self, generator):
        self.generator = generator
        self.stop_training = False

    def generate(self, latent, labels):
        return self.generator([latent, labels])


def test_callback_logs_label_accuracy_for_a_conditional_gan(mnist_split, small_evaluator):
    metrics = GANMetrics(small_evaluator, every=2, on_collapse=None)
    metrics.set_model(LookupGAN(real_digit_generator(mnist_split[0], mnist_split[1])))
    metrics.set_params({"epochs": 2})
    metrics.on_train_begin()
    skipped, evaluated = {}, {}
    metrics.on_epoch_end(0, skipped)
    metrics.on_epoch_end(1, evaluated)
    assert np.isnan(skipped["label_accuracy"]) and evaluated["label_accuracy"] == 1.0
