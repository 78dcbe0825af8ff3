"""Two image domains for unpaired translation (CycleGAN): the shipped digits, image folders, `tf.data` pairs.

The offline example translates between two real handwriting collections shipped with kgan: the embedded MNIST
digits (`"mnist_embedded"`, domain A) and the 1,797 8 x 8 digits of the UCI "Optical Recognition of Handwritten
Digits" test set (`"uci_digits"`, domain B; `uci_digits_8x8.npz`, provenance in docs/data.md). Both are
prepared by `prepare_domain`: bilinear `tf.image.resize` (no antialiasing) and scaled to [-1, 1] as
`x / 127.5 - 1`. They are framed alike (`DOMAIN_FRAMINGS`): MNIST's digits sit in a 20 x 20 box of their 28 x 28
frame, centred by their centre of mass, while the UCI digits fill their 8 x 8 frame; so the UCI digits are framed
as MNIST's were (`framing="mnist"`), since a ResNet generator with two downsamplings cannot learn to shrink and
move a digit. An export trained on them expects images prepared exactly so (its `kgan.json` records each domain's
`framing` and `preprocessing`).
"""

import importlib.resources

import numpy as np
import tensorflow as tf

from kgan.data.npz import read_npz
from kgan.data.sources import load_arrays
from kgan.data.validation import standardize_image_size

# The shipped domains, beside any image folder.
DOMAINS = ("mnist_embedded", "uci_digits")
UCI_DIGITS_FILE = "uci_digits_8x8.npz"
# How `prepare_domain` frames images: "fill" resizes them to the whole frame; "mnist" as MNIST's digits were
# (LeCun et al. 1998): into a box of 20 / 28 of the side, then moved so that their centre of mass is at the centre.
FRAMINGS = ("fill", "mnist")
MNIST_BOX = 20 / 28
# Each shipped domain's framing (an image folder's is "fill").
DOMAIN_FRAMINGS = {"mnist_embedded": "fill", "uci_digits": "mnist"}


def load_uci_digits():
    """The 1,797 UCI optical-recognition digits shipped with kgan.

    Returns:
        `(images, labels)`: `uint8` images `(1797, 8, 8, 1)`, the original 0-16 counts scaled to 0-255
        (`round(v * 255 / 16)`), and `int32` labels 0-9.
    """
    shipped = importlib.resources.files("kgan.data").joinpath(UCI_DIGITS_FILE)
    with shipped.open("rb") as f:
        images, labels = read_npz(f, f"{UCI_DIGITS_FILE} (shipped with kgan)", "train")
    return images[..., None], labels.astype("int32")


def prepare_domain(images, image_size, framing="fill"):
    """`uint8` images `(N, H, W, C)` -> float32 `(N, size, size, C)` in [-1, 1]: bilinear resize, `x / 127.5 - 1`.

    Args:
        images: `uint8` images `(N, H, W, C)`, background 0.
        image_size: the side (or `(height, width)`) of the prepared images.
        framing: `"fill"`: resized to the whole frame; `"mnist"`: as MNIST's digits, resized into a centred box of
            `MNIST_BOX` of each side, the border background, then shifted by whole pixels (at most the border)
            so that the centre of mass lies at `(height / 2, width / 2)`.

    Raises:
        ValueError: if `images` is not a 4-D `uint8` array, or `framing` is not one of `FRAMINGS`.
    """
    images = np.asarray(images)
    if images.ndim != 4 or images.dtype != np.uint8:
        raise ValueError(
            f"Domain images must be uint8 of shape (N, H, W, C). Received: shape={images.shape}, dtype={images.dtype}"
        )
    if framing not in FRAMINGS:
        raise ValueError(f"`framing` must be one of {FRAMINGS}. Received: framing={framing!r}")
    height, width = standardize_image_size(image_size)
    pixels = tf.cast(images, tf.float32)
    if framing == "fill":
        framed = tf.image.resize(pixels, (height, width), method="bilinear").numpy()
    else:
        box = (max(1, round(height * MNIST_BOX)), max(1, round(width * MNIST_BOX)))
        border = ((height - box[0]) // 2, (width - box[1]) // 2)
        resized = tf.image.resize(pixels, box, method="bilinear")
        framed = _centre_mass(tf.image.pad_to_bounding_box(resized, *border, height, width).numpy(), border)
    return (framed / 127.5 - 1.0).astype("float32")


def _centre_mass(images, border):
    """Rolls each image (background 0) so its centre of mass is at the centre, by whole pixels within `border`."""
    mass = images.sum(axis=-1)
    total = mass.sum(axis=(1, 2))
    out = images.copy()
    for i in np.flatnonzero(total > 0):
        centre = [(mass[i].sum(axis=1 - axis) * np.arange(mass.shape[1 + axis])).sum() / total[i] for axis in (0, 1)]
        shifts = [
            int(np.clip(np.rint(images.shape[1 + axis] / 2 - centre[axis]), -border[axis], border[axis]))
            for axis in (0, 1)
        ]
        out[i] = np.roll(images[i], shifts, axis=(0, 1))
    return out


def describe_preparation(framing="fill"):
    """`prepare_domain`'s steps in words, for an export's `kgan.json`."""
    if framing == "mnist":
        resize = (
            f"bilinear tf.image.resize (no antialiasing) into a centred box of {MNIST_BOX:.4g} of the image size, "
            "the border padded with 0, then shifted by whole pixels to put the centre of mass at the centre"
        )
    else:
        resize = "bilinear tf.image.resize (no antialiasing) to the image size"
    return f"{resize}, then x / 127.5 - 1 (uint8 -> [-1, 1])"


def load_domain(source, image_size=28, channels=None, framing=None):
    """One domain's images, prepared by `prepare_domain`, and its labels (or None).

    Args:
        source: `"mnist_embedded"`, `"uci_digits"`, or the path of an image folder (`kgan.data.load_arrays`'s
            `"folder"` source: any size, one subfolder per class optional).
        image_size: the side (or `(height, width)`) of the prepared images.
        channels: 1 or 3 to convert the images (default: the source's own).
        framing: `prepare_domain`'s, one of `FRAMINGS` (default: `domain_framing(source)`).

    Returns:
        `(images, labels)`: float32 `(N, H, W, C)` in [-1, 1]; `int32` labels or None.

    Raises:
        ValueError: if `source` is not a shipped domain nor a folder, or the folder holds no images.
        FileNotFoundError: if the folder does not exist.
    """
    if source == "uci_digits":
        images, labels = load_uci_digits()
    elif source == "mnist_embedded":
        images, labels, _ = load_arrays("mnist_embedded")
    elif isinstance(source, str) and source and not source.startswith("-"):
        images, labels, _ = load_arrays("folder", source)
    else:
        raise ValueError(f"A domain is one of {DOMAINS} or an image folder. Received: source={source!r}")
    if channels is not None:
        if channels not in (1, 3):
            raise ValueError(f"`channels` must be 1 or 3. Received: channels={channels!r}")
        if images.shape[-1] != channels:
            images = images[..., :1].repeat(3, axis=-1) if channels == 3 else _grey(images)
    return prepare_domain(images, image_size, domain_framing(source) if framing is None else framing), labels


def domain_framing(source):
    """How `load_domain` frames `source`'s images by default: its `DOMAIN_FRAMINGS` entry, `"fill"` for a folder."""
    return DOMAIN_FRAMINGS.get(source, "fill")


def _grey(images):
    """RGB `uint8` -> one channel, with `tf.image.rgb_to_grayscale`'s weights."""
    return np.rint(tf.image.rgb_to_grayscale(tf.cast(images, tf.float32)).numpy()).astype("uint8")


def unpaired_dataset(images_a, images_b, batch_size, seed=0):
    """An endless `tf.data.Dataset` of `(batch_a, batch_b)`: each domain shuffled and repeated on its own.

    Fit it with `steps_per_epoch=steps_per_epoch(...)`; the two domains are never paired, and the smaller one
    is seen more often within an epoch.
    """
    for name, images in (("images_a", images_a), ("images_b", images_b)):
        if len(images) < 1:
            raise ValueError(f"`{name}` is empty. Received: shape={np.shape(images)}")

    def endless(images, offset):
        data = tf.data.Dataset.from_tensor_slices(images)
        data = data.shuffle(len(images), seed=seed + offset, reshuffle_each_iteration=True).repeat()
        return data.batch(batch_size, drop_remainder=True)

    return tf.data.Dataset.zip((endless(images_a, 0), endless(images_b, 1))).prefetch(tf.data.AUTOTUNE)


def steps_per_epoch(num_a, num_b, batch_size):
    """Batches in one epoch: one pass over the larger domain."""
    return max(1, max(num_a, num_b) // batch_size)
