"""Checks and conversions every data source and the pipeline share (images, labels, sizes)."""

import numbers

import numpy as np
import tensorflow as tf

# Images converted per `tf.image` call, to bound memory on 60,000-image sets.
CONVERT_CHUNK = 2048
# The largest image kgan reads or resizes to (4096 x 4096): GANs here train at 28 to 256 pixels a side, and a
# header claiming more is a forged or wrong file whose decoding alone would take gigabytes.
MAX_IMAGE_PIXELS = 4096 * 4096
# The most bytes a data set's image array may take (4 GiB; CelebA's 200,000 faces at 64x64 RGB take 2.5 GB): checked
# against what a file's header claims before anything is allocated or decoded.
MAX_ARRAY_BYTES = 4 * 2**30


def standardize_image_size(image_size):
    if image_size is None:
        return None
    if isinstance(image_size, numbers.Integral) and not isinstance(image_size, bool):
        image_size = (image_size, image_size)
    try:
        size = tuple(image_size)
    except TypeError:
        size = ()
    if len(size) != 2 or not all(isinstance(d, numbers.Integral) and not isinstance(d, bool) and d > 0 for d in size):
        raise ValueError(
            f"`image_size` must be (height, width) of positive ints, or one int. Received: image_size={image_size!r}"
        )
    if size[0] * size[1] > MAX_IMAGE_PIXELS:
        raise ValueError(
            f"`image_size` must be at most {MAX_IMAGE_PIXELS} pixels (height x width). Received: image_size={size!r}"
        )
    return (int(size[0]), int(size[1]))


def check_split_is_train(name, split):
    if split != "train":
        raise ValueError(f"{name} has a single split, 'train'. Received: split={split!r}")


def pixel_scaling(images):
    """Returns `(scale, offset)` mapping the images' pixel range onto [-1, 1]."""
    if images.dtype == np.uint8:
        return 1.0 / 127.5, -1.0
    if np.issubdtype(images.dtype, np.integer):
        low, high = images.min(), images.max()
        if low < 0 or high > 255:
            raise ValueError(f"Integer `images` must lie in [0, 255]. Received: images with values in [{low}, {high}]")
        return 1.0 / 127.5, -1.0
    if np.issubdtype(images.dtype, np.floating):
        if np.isnan(images).any():
            raise ValueError(
                f"`images` contains NaN pixels. Received: images with {int(np.isnan(images).sum())} NaN values"
            )
        low, high = float(images.min()), float(images.max())
        if low >= 0.0 and high <= 1.0:
            return 2.0, -1.0
        if low >= 0.0 and high <= 255.0:
            return 1.0 / 127.5, -1.0
        raise ValueError(
            f"Float `images` must lie in [0, 1] or [0, 255]. Received: images with values in [{low}, {high}]"
        )
    raise ValueError(f"`images` must be uint8 or float. Received: images.dtype={images.dtype}")


def validate_labels(labels, num_examples):
    labels = np.asarray(labels)
    if labels.ndim == 2 and labels.shape[1] == 1:
        # Keras' CIFAR loaders give (N, 1) label columns.
        labels = labels[:, 0]
    if labels.ndim != 1:
        raise ValueError(f"`labels` must have shape (N,). Received: labels.shape={labels.shape}")
    if len(labels) != num_examples:
        raise ValueError(
            f"`labels` must hold one label per image ({num_examples} images). Received: len(labels)={len(labels)}"
        )
    if not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(f"`labels` must be integer class indices. Received: labels.dtype={labels.dtype}")
    if labels.size and labels.min() < 0:
        raise ValueError(f"`labels` must be class indices >= 0. Received: labels with minimum {labels.min()}")
    return labels.astype(np.int32)


def to_nhwc_uint8(images, source):
    """Checks that loaded images are uint8-range arrays of shape (N, H, W, C)."""
    images = np.asarray(images)
    if images.ndim == 3:
        images = images[..., np.newaxis]
    if images.ndim != 4 or images.shape[-1] not in (1, 3, 4):
        raise ValueError(
            f"Images from {source} must have shape (N, H, W) or (N, H, W, C) with "
            f"C in (1, 3, 4). Received: images.shape={images.shape}"
        )
    if images.dtype != np.uint8:
        scale, offset = pixel_scaling(images)
        # Back from the [-1, 1] mapping to [0, 255].
        images = np.round((images.astype(np.float32) * scale + offset + 1.0) * 127.5)
        images = np.clip(images, 0, 255).astype(np.uint8)
    return images


# How an image of another aspect ratio reaches `image_size`: stretched, centre-cropped to the aspect ratio and then
# resized, or resized to fit and padded with black (centred).
RESIZE_POLICIES = ("stretch", "crop", "pad")


def check_resize(resize):
    if resize not in RESIZE_POLICIES:
        raise ValueError(f"`resize` must be one of {RESIZE_POLICIES}. Received: resize={resize!r}")
    return resize


def fitted_boxes(height, width, image_size, resize):
    """For one image of `height` x `width`: the crop box `(top, left, h, w)` to take from it, the size `(h, w)` to
    resize that to, and the offset `(top, left)` at which it lands in `image_size` (black around it: `pad`)."""
    out_h, out_w = image_size
    if resize == "crop":
        scale = max(out_h / height, out_w / width)  # the largest centred box of the target's aspect ratio
        h, w = min(height, round(out_h / scale)), min(width, round(out_w / scale))
        return ((height - h) // 2, (width - w) // 2, h, w), (out_h, out_w), (0, 0)
    if resize == "pad":
        scale = min(out_h / height, out_w / width)
        h, w = max(1, round(height * scale)), max(1, round(width * scale))
        return (0, 0, height, width), (h, w), ((out_h - h) // 2, (out_w - w) // 2)
    return (0, 0, height, width), (out_h, out_w), (0, 0)


def convert_images(images, image_size, channels, resize="stretch"):
    """Resizes (`resize`: `RESIZE_POLICIES`) and converts uint8 NHWC images, in chunks to bound memory."""
    if images.shape[-1] == 4:
        images = images[..., :3]  # Drop alpha.
    same_size = image_size is None or tuple(images.shape[1:3]) == image_size
    same_channels = channels is None or images.shape[-1] == channels
    if same_size and same_channels:
        return images
    chunks = []
    for start in range(0, len(images), CONVERT_CHUNK):
        # In float and rounded once at the end: tf.image's uint8 round trip
        # would turn white (255) into 254 in rgb_to_grayscale.
        x = tf.cast(images[start : start + CONVERT_CHUNK], tf.float32)
        if not same_channels:
            x = tf.image.rgb_to_grayscale(x) if channels == 1 else tf.image.grayscale_to_rgb(x)
        if not same_size:
            (top, left, h, w), size, (pad_top, pad_left) = fitted_boxes(*images.shape[1:3], image_size, resize)
            x = tf.image.resize(x[:, top : top + h, left : left + w], size, method="bilinear", antialias=True)
            x = tf.image.pad_to_bounding_box(x, pad_top, pad_left, *image_size)
        chunks.append(tf.cast(tf.clip_by_value(tf.round(x), 0.0, 255.0), tf.uint8).numpy())
    return np.concatenate(chunks, axis=0)
