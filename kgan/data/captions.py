"""Captions for digit images (StackGAN, Zhang et al. 2017, arXiv 1612.03242): sentences made from the labels.

The paper trains on human captions of birds and flowers; the digits have none, so kgan writes them: each caption
fills a template with the digit's name, as a word or as a numeral ("a handwritten seven", "the digit 7", "number
seven, written by hand"). `TRAIN_TEMPLATES` are the sentences training sees; `HELD_OUT_TEMPLATES`, a disjoint
set, are kept back to ask, after training, whether the model follows captions it never read. The vocabulary
(`caption_vectorizer`: a `keras.layers.TextVectorization`) is adapted on the training captions only, so a word
that only a held-out template uses is out of vocabulary, as a new user's word would be.

`caption_dataset` pairs images with a fresh training caption of their label at every step, and with a mismatched
caption, one of another digit (the matching-aware discriminator's "real image, wrong text"), both drawn in the
`tf.data` pipeline from the seed alone.
"""

import numpy as np
import tensorflow as tf

DIGIT_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")

# `{digit}` is the digit's name, a word ("seven") or a numeral ("7"), drawn at random for each caption.
TRAIN_TEMPLATES = (
    "a handwritten {digit}",
    "the digit {digit}",
    "number {digit}, written by hand",
    "a {digit} written by hand",
    "an image of the digit {digit}",
    "a picture of a handwritten {digit}",
    "digit {digit}",
    "the number {digit}",
    "a scanned {digit}",
    "a {digit} drawn in ink",
)
HELD_OUT_TEMPLATES = (
    "a {digit}, handwritten",
    "handwritten digit {digit}",
    "an image of a {digit}",
    "the number {digit} written by hand",
    "a drawing of the digit {digit}",
)
TEMPLATE_SETS = {"train": TRAIN_TEMPLATES, "held_out": HELD_OUT_TEMPLATES}


def _templates(templates):
    if templates not in TEMPLATE_SETS:
        raise ValueError(f"`templates` must be one of {sorted(TEMPLATE_SETS)}. Received: templates={templates!r}")
    return TEMPLATE_SETS[templates]


def _labels(labels):
    labels = np.asarray(labels)
    if labels.ndim != 1 or not np.issubdtype(labels.dtype, np.integer) or labels.size == 0:
        raise ValueError(f"`labels` must be a non-empty 1-D array of ints. Received: shape={labels.shape}")
    if labels.min() < 0 or labels.max() > 9:
        raise ValueError(f"`labels` must be digits 0-9. Received: labels in [{labels.min()}, {labels.max()}]")
    return labels


def digit_names(digit):
    """The two names of `digit` a caption may use: its word and its numeral (`("seven", "7")`)."""
    return DIGIT_WORDS[digit], str(digit)


def _fill(template, name):
    caption = template.format(digit=name)
    return caption.replace(f"a {name}", f"an {name}") if name in ("eight", "8") else caption


def all_captions(digit, templates="train"):
    """Every caption of `digit` a template set can make, in a fixed order (each template with both names)."""
    return [_fill(template, name) for template in _templates(templates) for name in digit_names(digit)]


def make_captions(labels, templates="train", seed=0):
    """One caption per label, the template and the name drawn with `seed` (the same seed, the same captions).

    Args:
        labels: a 1-D array of digits 0-9.
        templates: `"train"` (`TRAIN_TEMPLATES`) or `"held_out"` (`HELD_OUT_TEMPLATES`).
        seed: the NumPy seed of the draws.

    Returns:
        A NumPy array of `str`, one caption per label.

    Example:
        >>> make_captions([7, 3], seed=0)  # e.g. ['the number seven', 'a 3 drawn in ink']
    """
    labels = _labels(labels)
    rng = np.random.default_rng(seed)
    table = [all_captions(digit, templates) for digit in range(10)]
    picks = rng.integers(0, len(table[0]), size=len(labels))
    return np.array([table[label][pick] for label, pick in zip(labels, picks)])


def caption_vectorizer(sequence_length=8):
    """A `keras.layers.TextVectorization` adapted on every training caption (never on a held-out one).

    The vocabulary (about 40 words) is stored in the layer's config, so it survives `model.save` and the export.

    Args:
        sequence_length: tokens per caption (padded or cut); the longest training caption has 7.
    """
    import keras

    if not isinstance(sequence_length, int) or isinstance(sequence_length, bool) or sequence_length < 1:
        raise ValueError(f"`sequence_length` must be an int >= 1. Received: sequence_length={sequence_length!r}")
    vectorizer = keras.layers.TextVectorization(output_sequence_length=sequence_length, name="text_vectorization")
    vectorizer.adapt([caption for digit in range(10) for caption in all_captions(digit, "train")])
    return vectorizer


def caption_dataset(images, labels, batch_size, seed=0):
    """Endless batches of `(images, captions, mismatched_captions)`: images shuffled with `seed`, and for each a
    random training caption of its digit and one of a different digit.

    The mismatched caption's digit is `(label + k) % 10` with `k` drawn uniformly from 1-9, so it never names
    the image's digit and every other digit is equally likely: the text that does not match, which StackGAN's
    discriminator learns to call fake (Zhang et al. 2017, after Reed et al. 2016).

    Args:
        images: float images in [-1, 1], `(N, H, W, C)`.
        labels: their digits, `(N,)`.
        batch_size: images per batch (the last partial batch of a pass is never formed: the data repeats).
        seed: seed of the shuffling and the caption draws.

    Returns:
        A `tf.data.Dataset` of `(float32 images, string captions, string mismatched captions)`.
    """
    labels = _labels(labels)
    if len(images) != len(labels):
        raise ValueError(f"One label per image is needed. Received: {len(images)} images, {len(labels)} labels")
    digits = len(DIGIT_WORDS)
    table = tf.constant([all_captions(digit, "train") for digit in range(digits)])
    per_digit = int(table.shape[1])
    pairs = tf.data.Dataset.from_tensor_slices((np.asarray(images, "float32"), labels.astype("int32")))
    pairs = pairs.shuffle(len(labels), seed=seed, reshuffle_each_iteration=True).repeat()
    # One int64 per image; its mixed-radix digits (`%` and `//` floor, so never negative) are the three draws.
    draws = tf.data.Dataset.random(seed=seed)

    def caption(pair, draw):
        image, label = pair
        pick, rest = draw % per_digit, draw // per_digit
        shift, rest = rest % (digits - 1) + 1, rest // (digits - 1)
        other = (label + tf.cast(shift, tf.int32)) % digits
        return image, table[label, tf.cast(pick, tf.int32)], table[other, tf.cast(rest % per_digit, tf.int32)]

    return tf.data.Dataset.zip(pairs, draws).map(caption).batch(batch_size, drop_remainder=True).prefetch(2)
