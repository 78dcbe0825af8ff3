"""The `tf.data` pipeline: arrays to batches scaled to `[-1, 1]`, with resumable epoch-indexed shuffling."""

import numbers

import numpy as np
import tensorflow as tf

from kgan.data.sources import load_arrays
from kgan.data.validation import pixel_scaling, validate_labels


def make_dataset(
    images,
    labels=None,
    *,
    batch_size=64,
    shuffle=True,
    seed=None,
    drop_remainder=True,
    cache=True,
    repeat=False,
    epochs=None,
    initial_epoch=0,
):
    """Builds a batched `tf.data.Dataset` of images scaled to `[-1, 1]`.

    The arrays go into the pipeline as they are (`uint8` stays small); scaling
    to `[-1, 1]` is a parallel `map`, followed by `cache`, a whole-set
    `shuffle` that reshuffles every epoch, `batch`, and `prefetch`.

    Args:
        images: Array of shape `(N, H, W, C)`, or `(N, H, W)` for greyscale
            (a channel axis is added). Either `uint8` (or another integer type)
            in `[0, 255]`, or float in `[0, 1]` or `[0, 255]`.
        labels: Optional integer class indices `>= 0`, shape `(N,)`.
        batch_size: Positive int, images per batch.
        shuffle: Whether to shuffle (the buffer holds the whole set).
        seed: Optional int shuffle seed; the same seed gives the same order.
        drop_remainder: Whether to drop the last, smaller batch, so every
            batch has a static size.
        cache: Whether to cache the scaled images in memory.
        repeat: Whether to repeat indefinitely (then pass `steps_per_epoch`
            to `fit`).
        epochs: If set (with `shuffle` and an integer `seed`), the dataset
            holds epochs `initial_epoch` to `epochs - 1` back to back, and
            epoch `e` is shuffled with a seed derived from `(seed, e)` alone, so
            a run resumed at epoch `e` sees exactly the batches an
            uninterrupted run would. Pass `initial_epoch` and
            `steps_per_epoch=len(images) // batch_size` to `fit`.
        initial_epoch: The first epoch the dataset holds (with `epochs`).

    Returns:
        A `tf.data.Dataset` yielding `(images, labels)` batches, `float32`
        `(batch, H, W, C)` in `[-1, 1]` and `int32` `(batch,)`, or image
        batches only when `labels` is `None`.

    Raises:
        ValueError: If the images have the wrong rank, dtype or value range,
            contain NaN or are empty; if the labels are not non-negative
            integers, one per image; if `batch_size` is not a positive int, or
            `drop_remainder=True` would leave no batch at all.

    Example:

    >>> images, labels, _ = load_arrays()
    >>> ds = make_dataset(images, labels, batch_size=32, seed=0)
    >>> x, y = next(iter(ds))
    >>> x.shape, x.dtype, y.dtype
    (TensorShape([32, 28, 28, 1]), tf.float32, tf.int32)
    """
    if not isinstance(batch_size, numbers.Integral) or isinstance(batch_size, bool) or batch_size <= 0:
        raise ValueError(f"`batch_size` must be a positive integer. Received: batch_size={batch_size!r}")
    if seed is not None and (not isinstance(seed, numbers.Integral) or isinstance(seed, bool)):
        raise ValueError(f"`seed` must be an integer or None. Received: seed={seed!r}")
    images = np.asarray(images)
    if images.ndim == 3:
        images = images[..., np.newaxis]
    if images.ndim != 4:
        raise ValueError(f"`images` must have shape (N, H, W, C) or (N, H, W). Received: images.shape={images.shape}")
    num_examples = images.shape[0]
    if num_examples == 0:
        raise ValueError(f"`images` is empty; there is nothing to train on. Received: images.shape={images.shape}")
    scale, offset = pixel_scaling(images)
    if labels is not None:
        labels = validate_labels(labels, num_examples)
    if drop_remainder and num_examples < batch_size:
        raise ValueError(
            f"With drop_remainder=True, {num_examples} images make no full batch of "
            f"{batch_size}; lower `batch_size` or pass drop_remainder=False. "
            f"Received: batch_size={batch_size}"
        )

    def scale_images(x):
        return tf.cast(x, tf.float32) * scale + offset

    if epochs is not None:  # before any other copy of the images is made
        if not shuffle or not drop_remainder:
            raise ValueError(
                "`epochs` needs shuffle=True, an integer seed and drop_remainder=True. "
                f"Received: shuffle={shuffle}, seed={seed!r}, drop_remainder={drop_remainder}"
            )
        check_epoch_range(num_examples, batch_size, seed, initial_epoch, epochs)
        return _epoch_indexed(images, labels, scale_images, batch_size, seed, initial_epoch, epochs)
    if labels is None:
        ds = tf.data.Dataset.from_tensor_slices(images)
        ds = ds.map(scale_images, num_parallel_calls=tf.data.AUTOTUNE)
    else:
        ds = tf.data.Dataset.from_tensor_slices((images, labels))
        ds = ds.map(lambda x, y: (scale_images(x), y), num_parallel_calls=tf.data.AUTOTUNE)
    if cache:
        ds = ds.cache()
    if shuffle:
        ds = ds.shuffle(num_examples, seed=seed, reshuffle_each_iteration=True)
    ds = ds.batch(batch_size, drop_remainder=drop_remainder)
    if repeat:
        ds = ds.repeat()
    return ds.prefetch(tf.data.AUTOTUNE)


def check_epoch_range(num_examples, batch_size, seed, initial_epoch, epochs):
    """Checks the arguments of an epoch-indexed dataset (`make_dataset(..., epochs=...)`, streamed folders)."""
    if seed is None or not isinstance(seed, numbers.Integral) or isinstance(seed, bool):
        raise ValueError(f"`epochs` needs an integer seed. Received: seed={seed!r}")
    if not 0 <= initial_epoch < epochs:
        raise ValueError(
            f"`initial_epoch` must be in [0, epochs). Received: initial_epoch={initial_epoch!r}, epochs={epochs!r}"
        )
    if num_examples < batch_size:
        raise ValueError(
            f"{num_examples} images make no full batch of {batch_size}; lower `batch_size`. "
            f"Received: batch_size={batch_size}"
        )


def _epoch_indexed(images, labels, scale_images, batch_size, seed, initial_epoch, epochs):
    """Epochs `initial_epoch..epochs-1`, epoch `e` in a stateless order seeded by `(seed, e)`."""
    images = tf.constant(images)
    labels = None if labels is None else tf.constant(labels)
    num_examples = int(images.shape[0])

    def one_epoch(epoch):
        # A stateless shuffle: the order is a pure function of (seed, epoch).
        order = tf.random.experimental.stateless_shuffle(
            tf.range(num_examples, dtype=tf.int64), seed=tf.stack([tf.constant(seed, tf.int64), epoch])
        )
        return tf.data.Dataset.from_tensor_slices(order).batch(batch_size, drop_remainder=True)

    def gather(index):
        batch = scale_images(tf.gather(images, index))
        return batch if labels is None else (batch, tf.gather(labels, index))

    ds = tf.data.Dataset.range(initial_epoch, epochs).flat_map(one_epoch)
    return ds.map(gather, num_parallel_calls=tf.data.AUTOTUNE).prefetch(tf.data.AUTOTUNE)


def load_dataset(
    name="mnist_embedded",
    path=None,
    *,
    batch_size=64,
    shuffle=True,
    seed=None,
    split="train",
    data_dir=None,
    image_size=None,
    channels=None,
    resize="stretch",
    drop_remainder=True,
    epochs=None,
    initial_epoch=0,
):
    """Loads a data set as a batched `tf.data.Dataset` scaled to `[-1, 1]`.

    `load_arrays` followed by `make_dataset`; see those for the sources and
    the pipeline.

    Args:
        name: One of `DATASETS`.
        path: The file or folder for `"npz"` / `"folder"`.
        batch_size: Positive int, images per batch.
        shuffle: Whether to shuffle every epoch.
        seed: Optional int shuffle seed.
        split: The split to read (see `load_arrays`).
        data_dir: tensorflow-datasets data directory.
        image_size: Optional `(height, width)` to resize to.
        channels: Optional 1 or 3.
        resize: `"stretch"`, `"crop"` or `"pad"` (see `load_arrays`).
        drop_remainder: Whether to drop the last, smaller batch.
        epochs: Epoch-indexed shuffling for resumable runs (see `make_dataset`).
        initial_epoch: The first epoch the dataset holds (with `epochs`).

    Returns:
        A tuple `(dataset, info)`: the `tf.data.Dataset` of `(images, labels)`
        batches (images only when the source has no labels) and its
        `DatasetInfo`.

    Raises:
        ValueError: See `load_arrays` and `make_dataset`.
        FileNotFoundError: See `load_arrays`.

    Example:

    >>> ds, info = load_dataset("mnist_embedded", batch_size=64, seed=0)
    >>> info.image_shape, info.num_classes
    ((28, 28, 1), 10)
    >>> model.fit(ds, epochs=20)  # doctest: +SKIP
    """
    images, labels, info = load_arrays(
        name,
        path,
        split=split,
        data_dir=data_dir,
        image_size=image_size,
        channels=channels,
        resize=resize,
    )
    ds = make_dataset(
        images,
        labels,
        batch_size=batch_size,
        shuffle=shuffle,
        seed=seed,
        drop_remainder=drop_remainder,
        epochs=epochs,
        initial_epoch=initial_epoch,
    )
    return ds, info
