"""A folder of images streamed from disk by `tf.data`: listed and checked by header, decoded per batch in parallel.

`ImageFolder(path, ...)` walks the folder (`kgan.data.folders.list_folder`: regular files only, symlink loops
followed once, at most `MAX_FOLDER_IMAGES`) and reads every file's header with Pillow, nothing more: so the
`DatasetInfo` (image shape, classes, number of images) is known before any image is decoded, and a file that is
not an image kgan can read stops the run at once with one line naming it. Its `dataset` decodes the files with
`tf.io` in a parallel `map` (`num_parallel_calls=tf.data.AUTOTUNE`), fits each to `image_size` with the same
policies (`RESIZE_POLICIES`) and the same boxes (`fitted_boxes`) as the in-memory reader, and prefetches; the
order of epoch `e` is a stateless shuffle of the file indices seeded by `(seed, e)`, as `make_dataset(...,
epochs=...)` does for arrays, so a resumed run sees the batches an uninterrupted one would.

`cache` says where decoded images live between epochs: `"none"` (decode every epoch: memory stays flat however
large the folder), `"memory"` (decode once, in parallel, into one `uint8` array: the fastest epochs) or
`"auto"` (memory when the decoded images take at most `MEMORY_BUDGET` bytes, else none). Both give the same
batches.
"""

import os
import re
import warnings

import numpy as np
import tensorflow as tf

from kgan.core.catalog import CACHE_MODES  # `cache`: how decoded images are kept between epochs
from kgan.data.folders import list_folder
from kgan.data.pipeline import check_epoch_range, make_dataset
from kgan.data.sources import DatasetInfo
from kgan.data.validation import MAX_IMAGE_PIXELS, check_resize, fitted_boxes, standardize_image_size

# `cache="auto"` keeps a folder's decoded images in memory up to this many bytes (1 GiB: 50,000 images at
# 64 x 64 x 3 take 0.6 GB), and streams a larger folder every epoch.
MEMORY_BUDGET = 2**30
# The formats `tf.io.decode_image` reads (Pillow's names), all of `IMAGE_EXTENSIONS`.
_DECODED_FORMATS = ("PNG", "JPEG", "BMP", "GIF")
# Pillow's modes of greyscale files: a folder of only these defaults to one channel.
_GREY_MODES = frozenset({"1", "L", "LA", "La", "I", "I;16", "I;16B", "I;16L", "I;16N", "F"})
# Images decoded per step when a folder is read into memory (`cache="memory"`).
_DECODE_CHUNK = 256


def check_cache(cache):
    if cache not in CACHE_MODES:
        raise ValueError(f"`cache` must be one of {CACHE_MODES}. Received: cache={cache!r}")
    return cache


def read_header(file):
    """`(height, width, grey)` from the header of `file` (Pillow reads no pixels).

    Raises:
        ValueError: naming `file` if it is no image, not one `tf.io` decodes, or larger than `MAX_IMAGE_PIXELS`.
    """
    from PIL import Image  # noqa: PLC0415 (Pillow comes with matplotlib; only folders need it)

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # our own limit below is lower
            with Image.open(file) as picture:
                (width, height), image_format, mode = picture.size, picture.format, picture.mode
    except Image.DecompressionBombError as e:
        raise ValueError(
            f"Image is more than kgan reads ({MAX_IMAGE_PIXELS} pixels): {e} Received: file={file!r}"
        ) from e
    except OSError as e:
        raise ValueError(f"Could not read image ({e}). Received: file={file!r}") from e
    if image_format not in _DECODED_FORMATS:
        raise ValueError(
            f"{file} is a {image_format} file, not one of {_DECODED_FORMATS}; convert it. Received: file={file!r}"
        )
    if width * height > MAX_IMAGE_PIXELS:
        raise ValueError(
            f"Image is {width}x{height} pixels, more than kgan reads ({MAX_IMAGE_PIXELS} pixels). "
            f"Received: file={file!r}"
        )
    return height, width, mode in _GREY_MODES


class ImageFolder:
    """A folder of images, indexed by header, whose batches are decoded from disk as training reads them.

    Args:
        path: The folder; class subfolders (sorted names) become labels, as for `load_arrays("folder", ...)`.
        image_size: Optional `(height, width)` or one int; defaults to the first image's size, and then every
            image must have it.
        channels: Optional 1 or 3; defaults to 1 when every file is greyscale by its header, else 3 (unlike
            `load_arrays`, which also calls RGB files grey when their pixels are: that needs every pixel).
        resize: How an image of another aspect ratio reaches `image_size` (`RESIZE_POLICIES`).
        cache: Where `dataset` keeps decoded images between epochs, one of `CACHE_MODES` (module docstring).

    Attributes:
        info: The `DatasetInfo`, from the walk and the headers alone.
        files: The image files, in label order then name order.
        labels: `int32` labels, one per file, or `None`.

    Raises:
        ValueError: naming the first file that is no readable image, or the first of another size when
            `image_size` is not given; see also `list_folder`.
        FileNotFoundError: If `path` is not a folder.

    Example:

    >>> folder = ImageFolder("faces", image_size=64, channels=3)  # doctest: +SKIP
    >>> data = folder.dataset(batch_size=64, seed=0, epochs=20)  # doctest: +SKIP
    """

    def __init__(self, path, *, image_size=None, channels=None, resize="stretch", cache="auto"):
        image_size = standardize_image_size(image_size)
        check_resize(resize)
        self.cache = check_cache(cache)
        if channels is not None and channels not in (1, 3):
            raise ValueError(f"`channels` must be 1 (greyscale) or 3 (RGB). Received: channels={channels!r}")
        self.path = os.fspath(path)
        files, self.labels, class_names = list_folder(self.path)
        self.files = tuple(files)
        boxes, all_grey, first = [], True, None
        for file in self.files:
            height, width, grey = read_header(file)
            all_grey = all_grey and grey
            if image_size is None:
                image_size, first = (height, width), file  # the first image sets the size
            elif first is not None and (height, width) != image_size:
                raise ValueError(
                    f"Images differ in size: {first} is {image_size[1]}x{image_size[0]} "
                    f"but {file} is {width}x{height} (width x height); pass "
                    "image_size=(height, width) (--image-size HxW) to resize them all. Received: image_size=None"
                )
            (top, left, h, w), (out_h, out_w), (pad_top, pad_left) = fitted_boxes(height, width, image_size, resize)
            boxes.append((top, left, h, w, out_h, out_w, pad_top, pad_left))
        self.image_size = image_size
        self.channels = channels or (1 if all_grey else 3)
        self._boxes = np.asarray(boxes, dtype=np.int32)
        self.info = DatasetInfo(
            name="folder",
            num_examples=len(self.files),
            image_shape=(*image_size, self.channels),
            num_classes=None if self.labels is None else len(class_names),
            class_names=None if self.labels is None else tuple(class_names),
        )

    @property
    def nbytes(self):
        """What the decoded images take in memory."""
        return int(np.prod(self.info.image_shape)) * self.info.num_examples

    @property
    def in_memory(self):
        """Whether `dataset` reads the images into memory once (`cache`) rather than streaming them every epoch."""
        return self.cache == "memory" or (self.cache == "auto" and self.nbytes <= MEMORY_BUDGET)

    def _decoder(self):
        """The graph function `index -> uint8 image (H, W, C)`: read, decode, crop, resize, pad, convert."""
        files, boxes = tf.constant(self.files), tf.constant(self._boxes)
        image_size, channels = self.image_size, self.channels

        def decode(index):
            contents = tf.io.read_file(files[index])
            image = tf.cond(  # JPEGs with the accurate integer DCT: the pixels Pillow decodes, exactly
                tf.io.is_jpeg(contents),
                lambda: tf.io.decode_jpeg(contents, channels=3, dct_method="INTEGER_ACCURATE"),
                lambda: tf.io.decode_image(contents, channels=3, expand_animations=False),
            )
            top, left, h, w, out_h, out_w, pad_top, pad_left = tf.unstack(boxes[index])
            x = tf.cast(image[top : top + h, left : left + w], tf.float32)
            # As the in-memory reader: resized only when the size changes, rounded to uint8 values, then padded.
            x = tf.cond(
                tf.logical_and(tf.equal(h, out_h), tf.equal(w, out_w)),
                lambda: x,
                lambda: tf.round(tf.image.resize(x, tf.stack([out_h, out_w]), method="bilinear", antialias=True)),
            )
            x = tf.image.pad_to_bounding_box(x, pad_top, pad_left, *image_size)
            if channels == 1:
                x = tf.round(tf.image.rgb_to_grayscale(tf.clip_by_value(x, 0.0, 255.0)))
            return tf.ensure_shape(tf.cast(tf.clip_by_value(x, 0.0, 255.0), tf.uint8), (*image_size, channels))

        return decode

    def read_all(self):
        """Every image, decoded in parallel in file order: a `uint8` array `(N, H, W, C)` (`cache="memory"`)."""
        images = np.empty((self.info.num_examples, *self.info.image_shape), np.uint8)
        ds = tf.data.Dataset.range(self.info.num_examples).map(self._decoder(), num_parallel_calls=tf.data.AUTOTUNE)
        start = 0
        for chunk in ds.batch(_DECODE_CHUNK).prefetch(2).as_numpy_iterator():
            images[start : start + len(chunk)] = chunk
            start += len(chunk)
        return images

    def dataset(self, *, batch_size, seed, epochs, initial_epoch=0):
        """Batches of `(images, labels)` (images only without labels) in `[-1, 1]`, epochs `initial_epoch..epochs-1`.

        Epoch `e`'s order is a stateless shuffle of the file indices seeded by `(seed, e)`, each epoch
        `num_examples // batch_size` full batches: the same batches for every `cache` and whichever epoch the
        run started at. Pass `steps_per_epoch=num_examples // batch_size` and `initial_epoch` to `fit`.

        Args:
            batch_size: Positive int.
            seed: Integer shuffle seed.
            epochs: The end of the epoch range.
            initial_epoch: Its start.

        Returns:
            A `tf.data.Dataset`, prefetched.
        """
        if self.in_memory:
            return make_dataset(
                self.read_all(),
                self.labels,
                batch_size=batch_size,
                seed=seed,
                epochs=epochs,
                initial_epoch=initial_epoch,
            )
        num_examples = self.info.num_examples
        check_epoch_range(num_examples, batch_size, seed, initial_epoch, epochs)
        steps = num_examples // batch_size
        decode, labels = self._decoder(), None if self.labels is None else tf.constant(self.labels)

        def one_epoch(epoch):
            # The same stateless order as make_dataset's epochs, cut to whole batches so no batch spans two epochs.
            order = tf.random.experimental.stateless_shuffle(
                tf.range(num_examples, dtype=tf.int64), seed=tf.stack([tf.constant(seed, tf.int64), epoch])
            )
            return tf.data.Dataset.from_tensor_slices(order[: steps * batch_size])

        def load(index):
            image = tf.cast(decode(index), tf.float32) / 127.5 - 1.0
            return image if labels is None else (image, tf.gather(labels, index))

        ds = tf.data.Dataset.range(initial_epoch, epochs).flat_map(one_epoch)
        ds = ds.map(load, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
        return ds.batch(batch_size, drop_remainder=True).prefetch(tf.data.AUTOTUNE)

    def find_undecodable(self):
        """The first file `tf.io` cannot decode (truncated after a sound header, changed since), or `None`.

        What a decoding error in the middle of training is traced back to: every file is decoded once more, in
        parallel, and the first one missing from the results is named.
        """
        decode = self._decoder()
        ds = tf.data.Dataset.range(self.info.num_examples).map(
            lambda i: (i, decode(i)), num_parallel_calls=tf.data.AUTOTUNE
        )
        expected = 0
        for index, _ in ds.ignore_errors().as_numpy_iterator():
            if index != expected:
                break
            expected += 1
        return self.files[expected] if expected < self.info.num_examples else None

    def explain(self, error):
        """A one-line `ValueError` naming the file behind a `tf.data` decoding `error`, or `None` if no file is bad."""
        file = self.find_undecodable()
        if file is None:
            return None
        # The decoder's own words ("Invalid PNG data, size 41"): tf.data's error says only "Graph execution error:".
        reason = _decoding_error(self._decoder(), self.files.index(file))
        reason = reason or (getattr(error, "message", None) or str(error)).strip().splitlines()[0]
        return ValueError(f"Could not decode image ({reason}). Received: file={file!r}")


def _decoding_error(decode, index):
    """The first line of what decoding file `index` on its own raises, without TensorFlow's node names; or None."""
    try:
        decode(tf.constant(index, tf.int64))
    except tf.errors.OpError as error:
        lines = re.sub(r"\{\{[^}]*\}\}|\[Op:[^\]]*\].*", "", error.message).strip().splitlines()
        return lines[0].strip() if lines else None
    return None
