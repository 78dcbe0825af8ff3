"""StackGAN (Zhang et al. 2017): captions, conditioning augmentation, the matching-aware D, both stages, export."""

import numpy as np
import pytest

from kgan.data.captions import (
    HELD_OUT_TEMPLATES,
    TRAIN_TEMPLATES,
    all_captions,
    caption_dataset,
    caption_vectorizer,
    make_captions,
)


def test_train_and_held_out_templates_are_disjoint_and_name_the_digit():
    assert not set(TRAIN_TEMPLATES) & set(HELD_OUT_TEMPLATES)
    for digit in range(10):
        train, held_out = set(all_captions(digit, "train")), set(all_captions(digit, "held_out"))
        assert not train & held_out
        for caption in train | held_out:
            words = [word.strip(",") for word in caption.split()]
            assert str(digit) in words or _word(digit) in words


def _word(digit):
    return ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")[digit]


def test_captions_are_deterministic_given_the_seed_and_varied():
    labels = np.arange(100) % 10
    first, again, other = make_captions(labels, seed=3), make_captions(labels, seed=3), make_captions(labels, seed=4)
    assert list(first) == list(again) and list(first) != list(other)
    assert len(set(first)) > 50  # templates and names vary
    assert all(caption in all_captions(label) for caption, label in zip(first, labels))
    assert all(c in all_captions(label, "held_out") for c, label in zip(make_captions(labels, "held_out"), labels))


def test_the_vocabulary_is_adapted_on_training_captions_only():
    vocabulary = set(caption_vectorizer().get_vocabulary())
    assert {"handwritten", "seven", "7", "digit"} <= vocabulary
    assert "drawing" not in vocabulary  # a held-out template's word


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: make_captions([3, 10]), "digits 0-9"),
        (lambda: make_captions([]), "non-empty"),
        (lambda: make_captions([1], templates="test"), "templates"),
        (lambda: caption_vectorizer(0), "sequence_length"),
    ],
)
def test_bad_caption_arguments_are_refused(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_caption_dataset_pairs_each_image_with_a_caption_of_its_label():
    images = np.arange(10, dtype="float32").reshape(10, 1, 1, 1)  # the image's value is its label
    images_batch, captions = next(iter(caption_dataset(images, np.arange(10), 10, seed=0)))
    for value, caption in zip(images_batch.numpy().ravel(), captions.numpy()):
        assert caption.decode() in all_captions(int(value))
