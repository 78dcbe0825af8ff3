"""CycleGAN's digits example: the two shipped domains are framed alike, and the export records how."""

import json

import numpy as np
import pytest

from kgan.cli import main as kgan_main
from kgan.data.domains import DOMAIN_BOXES, describe_preparation, domain_box, load_domain, prepare_domain
from kgan.models.cyclegan import build_cyclegan_networks
from kgan.serving.translation import export_translator, load_translator
from kgan.variants.cyclegan import CycleGAN


def ink_heights(images):
    """Rows holding ink per image, for images in [-1, 1] (background -1)."""
    return (images[..., 0] > -0.5).any(axis=2).sum(axis=1)


def test_a_box_resizes_into_the_centre_and_pads_with_background():
    white = np.full((1, 8, 8, 1), 255, np.uint8)
    framed = prepare_domain(white, 28, box=20 / 28)
    assert framed.shape == (1, 28, 28, 1)
    np.testing.assert_allclose(framed[0, 4:24, 4:24], 1.0)
    inside = np.zeros((28, 28), bool)
    inside[4:24, 4:24] = True
    np.testing.assert_allclose(framed[0, ~inside], -1.0)
    np.testing.assert_allclose(prepare_domain(white, 28), 1.0)  # box 1: the whole frame


def test_the_uci_digits_are_framed_like_mnists_digits():
    mnist, _ = load_domain("mnist_embedded", 28)
    uci, labels = load_domain("uci_digits", 28)
    whole, _ = load_domain("uci_digits", 28, box=1.0)
    assert DOMAIN_BOXES["uci_digits"] == domain_box("uci_digits") == 20 / 28
    assert domain_box("some/folder") == 1.0
    assert uci.shape == whole.shape == (1797, 28, 28, 1) and labels.shape == (1797,)
    np.testing.assert_allclose(uci[:, :4], -1.0)  # the border MNIST's 20 x 20 box leaves
    np.testing.assert_allclose(uci[:, :, -4:], -1.0)
    assert abs(ink_heights(uci).mean() - ink_heights(mnist).mean()) < 2  # MNIST's digits: about 20 rows
    assert ink_heights(whole).mean() > 26  # unframed, they fill the frame


@pytest.mark.parametrize("box", [0, -0.5, 1.5, "half", True, None])
def test_a_bad_box_is_refused_with_its_value(box):
    with pytest.raises(ValueError, match=r"`box` must be a number in \(0, 1\]. Received: box="):
        prepare_domain(np.zeros((1, 8, 8, 1), np.uint8), 28, box=box)


def test_the_preparation_is_described_in_words():
    assert "to the image size" in describe_preparation(1.0)
    assert "0.7143 of the image size, centred" in describe_preparation(20 / 28)


@pytest.fixture(scope="module")
def digits_export(tmp_path_factory):
    model = CycleGAN(*build_cyclegan_networks((28, 28, 1), size="small"), seed=0)
    metadata = {"domains": {"a": {"source": "mnist_embedded"}, "b": {"source": "uci_digits"}}}
    return export_translator(model, tmp_path_factory.mktemp("exports"), "digits", metadata=metadata)


def test_the_export_records_each_domains_preparation_and_prepares_inputs_so(digits_export):
    metadata = json.loads((digits_export / "assets.extra" / "kgan.json").read_text())
    assert metadata["domains"]["a"]["box"] == 1.0 and metadata["domains"]["b"]["box"] == 20 / 28
    assert metadata["domains"]["b"]["preprocessing"] == describe_preparation(20 / 28)
    translator = load_translator(digits_export)
    white = np.full((2, 8, 8, 1), 255, np.uint8)
    np.testing.assert_allclose(translator.prepare(white, "b"), prepare_domain(white, 28, 20 / 28))
    np.testing.assert_allclose(translator.prepare(white), prepare_domain(white, 28))
    with pytest.raises(ValueError, match="Received: domain='c'"):
        translator.prepare(white, "c")


def test_kgan_sample_translate_prepares_the_input_as_the_source_domain(digits_export, tmp_path, monkeypatch):
    np.savez(tmp_path / "b.npz", x=np.full((2, 8, 8, 1), 255, np.uint8), y=np.zeros(2, np.int64))
    seen = []
    original = prepare_domain

    def spy(images, image_size, box=1.0):
        seen.append(box)
        return original(images, image_size, box)

    monkeypatch.setattr("kgan.serving.translation.prepare_domain", spy)
    argv = ["sample", str(digits_export), "--translate", "b_to_a", "--input", str(tmp_path / "b.npz")]
    assert kgan_main([*argv, "-n", "2", "-o", str(tmp_path / "grid.png")]) == 0
    assert seen == [20 / 28] and (tmp_path / "grid.png").is_file()
