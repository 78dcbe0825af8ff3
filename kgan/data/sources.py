"""Where images come from: `load_arrays` reads any source of `DATASETS` as `uint8` arrays and a `DatasetInfo`.

The shipped `mnist_5k.npz` (`"mnist_embedded"`) is read here; the other sources
have a module each (`kgan.data.npz`, `kgan.data.tfds`, `kgan.data.folders`, `kgan.data.usps`).
"""

import dataclasses
import importlib.resources

from kgan.core.catalog import DATASETS, TFDS_PREFIX
from kgan.data.folders import load_folder
from kgan.data.npz import load_npz, read_npz
from kgan.data.tfds import load_tfds, load_tfds_by_name
from kgan.data.usps import load_usps
from kgan.data.validation import (
    check_resize,
    convert_images,
    standardize_image_size,
    to_nhwc_uint8,
    validate_labels,
)

# The sources that read a file or folder the caller names, and what `path` is for each.
_LOCAL_PATHS = {"npz": ".npz file", "folder": "image folder", "usps": "usps.h5 or LIBSVM usps file"}

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

    def describe(self):
        """One line for a run's log, e.g. `mnist_embedded: 5,000 images of 28 x 28 x 1 (grey), 10 classes`."""
        height, width, channels = self.image_shape
        kind = {1: "grey", 3: "RGB"}.get(channels, f"{channels} channels")
        classes = f"{self.num_classes} classes" if self.num_classes else "no labels"
        return f"{self.name}: {self.num_examples:,} images of {height} x {width} x {channels} ({kind}), {classes}"


def load_arrays(
    name="mnist_embedded",
    path=None,
    *,
    split="train",
    data_dir=None,
    image_size=None,
    channels=None,
    resize="stretch",
):
    """Loads a data set as `uint8` image and `int32` label arrays.

    Args:
        name: One of `DATASETS`. Defaults to `"mnist_embedded"`, the 5,000
            digits shipped with kgan. `"tfds:NAME"` reads the tensorflow-datasets
            set NAME prepared in `data_dir` (never downloads it).
        path: For `"npz"`, the `.npz` file; for `"folder"`, the image folder.
            For `"usps"`, `usps.h5` or a LIBSVM `usps` file (`kgan.data.usps`).
            For `"mnist"` / `"fashion_mnist"`, an optional Keras-layout `.npz`
            to read instead of tensorflow-datasets. Not accepted for
            `"mnist_embedded"`.
        split: `"train"` or `"test"` for a Keras-layout npz; any
            tensorflow-datasets split string (e.g. `"train[:10%]"`) for
            `"mnist"` / `"fashion_mnist"`; `"train"` or `"test"` for `"usps"`
            (the HDF5 group, or the LIBSVM test file beside `path`). Sources without splits (embedded,
            plain `x`/`y` npz, folder) only have `"train"`.
        data_dir: tensorflow-datasets data directory. Defaults to
            `~/tensorflow_datasets`.
        image_size: Optional `(height, width)` (or one int for square images)
            to resize to, bilinearly with antialiasing, rounded back to
            `uint8`. For `"folder"` it defaults to the size of the first image.
        channels: Optional 1 or 3 to convert to greyscale or RGB. For
            `"folder"` it defaults to 1 if every image is greyscale (RGB files
            whose three channels agree count as greyscale), else 3.
        resize: how an image of another aspect ratio reaches `image_size`:
            `"stretch"` (resize it), `"crop"` (centre-crop it to the aspect
            ratio, then resize) or `"pad"` (resize it to fit, then pad with
            black, centred).

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
        raise ValueError(f"Unknown dataset. Expected one of {DATASETS}. Received: name={name!r}")
    image_size = standardize_image_size(image_size)
    check_resize(resize)
    if channels is not None and channels not in (1, 3):
        raise ValueError(f"`channels` must be 1 (greyscale) or 3 (RGB). Received: channels={channels!r}")
    if name in _LOCAL_PATHS and path is None:
        raise ValueError(
            f"Dataset {name!r} reads local data and needs `path` (the {_LOCAL_PATHS[name]}). Received: path=None"
        )
    if name == "mnist_embedded" and path is not None:
        raise ValueError(
            "Dataset 'mnist_embedded' is shipped with kgan and takes no `path`; "
            f"use name='npz' to read a file. Received: path={path!r}"
        )

    if name.startswith(TFDS_PREFIX) and path is not None:
        raise ValueError(
            f"Dataset {name!r} is read from tensorflow-datasets and takes no `path`. Received: path={path!r}"
        )
    if name == "folder":
        images, labels, class_names = load_folder(path, image_size, channels, resize)
    elif name.startswith(TFDS_PREFIX):
        images, labels, class_names = load_tfds_by_name(name[len(TFDS_PREFIX) :], split, data_dir, image_size, resize)
        images = convert_images(images, None, channels)
    else:
        if name == "mnist_embedded":
            shipped = importlib.resources.files("kgan.data").joinpath("mnist_5k.npz")
            with shipped.open("rb") as f:
                images, labels = read_npz(f, "mnist_5k.npz (shipped with kgan)", split)
            class_names = _MNIST_CLASS_NAMES
        elif name == "usps":
            images, labels = load_usps(path, split)
            class_names = _MNIST_CLASS_NAMES
        elif path is not None:
            images, labels = load_npz(path, split)
            class_names = {
                "mnist": _MNIST_CLASS_NAMES,
                "fashion_mnist": _FASHION_MNIST_CLASS_NAMES,
            }.get(name)
        else:
            images, labels, class_names = load_tfds(name, split, data_dir)
        images = to_nhwc_uint8(images, name)
        images = convert_images(images, image_size, channels, resize)

    if labels is not None:
        labels = validate_labels(labels, len(images))
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
