"""CycleGAN's digits example: the two shipped domains are framed alike, and the export records how."""

import inspect
import json

import numpy as np
import pytest

from kgan.cli import main as kgan_main
from kgan.cli.cyclegan import build_parser
from kgan.data.domains import describe_preparation, domain_framing, load_domain, prepare_domain
from kgan.models.cyclegan import build_cyclegan_networks
from kgan.serving.translation import export_translator, load_translator
from kgan.training.cyclegan import digit_accuracies, train_cyclegan
from kgan.variants.cyclegan import CycleGAN


def ink_heights(images):
    """Rows holding ink per image, for images in [-1, 1] (background -1)."""
    return (images[..., 0] > -0.5).any(axis=2).sum(axis=1)


def centres_of_mass(images):
    """(row, column) centres of mass of images in [-1, 1] (background -1)."""
    mass = (images[..., 0] + 1) / 2
    total = mass.sum(axis=(1, 2))
    index = np.arange(images.shape[1])
    return (mass.sum(axis=2) * index).sum(axis=1) / total, (mass.sum(axis=1) * index).sum(axis=1) / total


def test_mnist_framing_resizes_into_a_20_28_box_padded_with_background():
    white = np.full((1, 8, 8, 1), 255, np.uint8)
    framed = prepare_domain(white, 28, framing="mnist")
    assert framed.shape == (1, 28, 28, 1)
    inside = np.zeros((28, 28), bool)
    inside[4:24, 4:24] = True  # a centred square's centre of mass is already (14, 14) up to rounding
    np.testing.assert_allclose(framed[0, inside], 1.0)
    np.testing.assert_allclose(framed[0, ~inside], -1.0)
    np.testing.assert_allclose(prepare_domain(white, 28), 1.0)  # "fill": the whole frame


def test_mnist_framing_moves_the_centre_of_mass_to_the_centre():
    corner = np.zeros((2, 8, 8, 1), np.uint8)
    corner[0, :3, :3] = 255  # ink in the top-left corner: moved by the whole border, no further
    corner[1, 2:5, 4:7] = 255  # a little off centre: moved onto it
    framed = prepare_domain(corner, 28, framing="mnist")
    rows, cols = centres_of_mass(framed)
    assert rows[1] == pytest.approx(14, abs=0.5) and cols[1] == pytest.approx(14, abs=0.5)
    unshifted = prepare_domain(corner, 28, framing="fill")
    assert rows[0] < 14 and np.isclose(framed[0, 0, 0, 0], -1)  # nothing wrapped round
    assert centres_of_mass(unshifted)[0][0] < 14


def test_the_uci_digits_are_framed_like_mnists_digits():
    mnist, _ = load_domain("mnist_embedded", 28)
    uci, labels = load_domain("uci_digits", 28)
    whole, _ = load_domain("uci_digits", 28, framing="fill")
    assert domain_framing("uci_digits") == "mnist" and domain_framing("mnist_embedded") == "fill"
    assert domain_framing("some/folder") == "fill"
    assert uci.shape == whole.shape == (1797, 28, 28, 1) and labels.shape == (1797,)
    assert abs(ink_heights(uci).mean() - ink_heights(mnist).mean()) < 2  # MNIST's digits: about 20 rows
    assert ink_heights(whole).mean() > 26  # unframed, they fill the frame
    for uci_centre, mnist_centre in zip(centres_of_mass(uci), centres_of_mass(mnist)):
        assert abs(uci_centre.mean() - mnist_centre.mean()) < 0.2 and uci_centre.std() < 0.5


@pytest.mark.parametrize("framing", ["MNIST", "box", None, 1.0])
def test_a_bad_framing_is_refused_with_its_value(framing):
    with pytest.raises(ValueError, match=r"`framing` must be one of \('fill', 'mnist'\). Received: framing="):
        prepare_domain(np.zeros((1, 8, 8, 1), np.uint8), 28, framing=framing)
    with pytest.raises(ValueError, match="Received: framing="):
        load_domain("uci_digits", 28, framing=framing or "none")


def test_the_preparation_is_described_in_words():
    assert "to the image size" in describe_preparation("fill")
    assert "box of 0.7143 of the image size" in describe_preparation("mnist")
    assert "centre of mass" in describe_preparation("mnist")


@pytest.fixture(scope="module")
def digits_export(tmp_path_factory):
    model = CycleGAN(*build_cyclegan_networks((28, 28, 1), size="small"), seed=0)
    metadata = {"domains": {"a": {"source": "mnist_embedded"}, "b": {"source": "uci_digits"}}}
    return export_translator(model, tmp_path_factory.mktemp("exports"), "digits", metadata=metadata)


def test_the_export_records_each_domains_preparation_and_prepares_inputs_so(digits_export):
    metadata = json.loads((digits_export / "assets.extra" / "kgan.json").read_text())
    assert metadata["domains"]["a"]["framing"] == "fill" and metadata["domains"]["b"]["framing"] == "mnist"
    assert metadata["domains"]["b"]["preprocessing"] == describe_preparation("mnist")
    translator = load_translator(digits_export)
    white = np.full((2, 8, 8, 1), 255, np.uint8)
    np.testing.assert_allclose(translator.prepare(white, "b"), prepare_domain(white, 28, "mnist"))
    np.testing.assert_allclose(translator.prepare(white), prepare_domain(white, 28))
    with pytest.raises(ValueError, match="Received: domain='c'"):
        translator.prepare(white, "c")


def test_kgan_sample_translate_prepares_the_input_as_the_source_domain(digits_export, tmp_path, monkeypatch):
    np.savez(tmp_path / "b.npz", x=np.full((2, 8, 8, 1), 255, np.uint8), y=np.zeros(2, np.int64))
    seen = []
    original = prepare_domain

    def spy(images, image_size, framing="fill"):
        seen.append(framing)
        return original(images, image_size, framing)

    monkeypatch.setattr("kgan.serving.translation.prepare_domain", spy)
    argv = ["sample", str(digits_export), "--translate", "b_to_a", "--input", str(tmp_path / "b.npz")]
    assert kgan_main([*argv, "-n", "2", "-o", str(tmp_path / "grid.png")]) == 0
    assert seen == ["mnist"] and (tmp_path / "grid.png").is_file()


def test_the_scripts_defaults_are_train_cyclegans_measured_ones():
    # benchmarks/RESULTS.md, "The standard generators at cycle weight 20 for one epoch, five seeds": the standard
    # generators, cycle weight 20, no identity loss, 1 epoch. The script leaves flags not given out, so
    # train_cyclegan's signature is the one home of its defaults.
    defaults = {k: p.default for k, p in inspect.signature(train_cyclegan).parameters.items()}
    measured = (defaults["size"], defaults["epochs"], defaults["cycle_weight"], defaults["identity_weight"])
    assert measured == ("standard", 1, 20.0, 0.0)
    assert vars(build_parser().parse_args([])) == {"output_dir": "runs/cyclegan"}
    text = " ".join(build_parser().format_help().split())
    for shown in ("(default: standard)", "(default: 1)", "(default: 20.0)", "(default: 0.0)", "(default: uci_digits)"):
        assert shown in text
    assert (defaults["domain_b"], domain_framing(defaults["domain_b"])) == ("uci_digits", "mnist")


class _MeanReader:
    """A stand-in classifier that reads the digit `d` from an image filled with `d / 10`."""

    def predict(self, images, batch_size=None, verbose=0):
        digits = np.rint(np.asarray(images).mean(axis=(1, 2, 3)) * 10).astype(int)
        return np.eye(10)[digits]


def test_digit_accuracies_score_each_direction_and_each_digit_against_hand_counts():
    def filled(digits):
        return np.ones((len(digits), 4, 4, 1), "float32") * np.asarray(digits, "float32")[:, None, None, None] / 10

    def translate(images, direction):
        images = np.asarray(images)
        if direction == "a_to_b":
            return images
        # b_to_a turns every 1 into a 7, and keeps the other digits.
        return np.where(np.isclose(images, 0.1), 0.7, images)

    labels_a, labels_b = np.array([0, 1, 2, 3, 4]), np.array([1, 1, 1, 2, 2, 7, 9])
    images_b = filled(labels_b)
    images_b[-1] = 0.3  # B's 9 reads as a 3, before and after the translation
    scores = digit_accuracies(
        translate, filled(labels_a), labels_a, images_b, labels_b, classifier=_MeanReader(), batch_size=2
    )
    assert scores["b"] == pytest.approx(6 / 7) and scores["b_to_a"] == pytest.approx(3 / 7)
    assert scores["a"] == 1.0 and scores["a_to_b_to_a"] == pytest.approx(4 / 5)
    assert scores["b_per_class"] == {1: 1.0, 2: 1.0, 7: 1.0, 9: 0.0}
    assert scores["b_to_a_per_class"] == {1: 0.0, 2: 1.0, 7: 1.0, 9: 0.0}
