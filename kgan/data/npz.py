"""`.npz` sources: the Keras `mnist.npz` layout (`x_train`, `y_train`, `x_test`, `y_test`) or plain `x` / `y`."""

import os
import zipfile
import zlib

import numpy as np

from kgan.data.validation import MAX_ARRAY_BYTES, check_split_is_train

_KERAS_NPZ_KEYS = {
    "train": ("x_train", "y_train"),
    "test": ("x_test", "y_test"),
}


def load_npz(path, split):
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"No such .npz file. Received: path={path!r}")
    with open(path, "rb") as f:
        return read_npz(f, path, split)


def read_npz(file, description, split):
    try:
        data = np.load(file, allow_pickle=False)
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as e:
        raise ValueError(
            f"Could not read {description} as an .npz archive ({e}). Received: path={description!r}"
        ) from e
    if not isinstance(data, np.lib.npyio.NpzFile):
        raise ValueError(
            f"{description} holds a single array, not an .npz archive with named arrays. Received: path={description!r}"
        )
    with data:
        keys = sorted(data.files)
        if "x_train" in keys or "x_test" in keys:
            if split not in _KERAS_NPZ_KEYS:
                raise ValueError(f"A Keras-layout .npz has the splits 'train' and 'test'. Received: split={split!r}")
            x_key, y_key = _KERAS_NPZ_KEYS[split]
        elif "x" in keys:
            check_split_is_train(description, split)
            x_key, y_key = "x", "y"
        else:
            x_key = None
        if x_key not in keys:
            raise ValueError(
                f"{description} has no {x_key or 'x'!r} array; expected the Keras "
                "layout (x_train, y_train, x_test, y_test) or x (and y). "
                f"Received: keys={keys}"
            )
        for key in (x_key, y_key):
            if key in keys:
                _check_claimed_size(data, key, description)
        try:
            return data[x_key], data[y_key] if y_key in keys else None
        except (OSError, ValueError, EOFError, zipfile.BadZipFile, zlib.error) as e:
            raise ValueError(f"Could not read the arrays of {description} ({e}). Received: keys={keys}") from e


def _check_claimed_size(data, key, description):
    """Reads the `.npy` header of `data[key]` and refuses an array bigger than `MAX_ARRAY_BYTES` before loading it.

    NumPy allocates the array the header describes before reading its data, so a small file whose header
    claims a gigantic shape would take all memory.
    """
    try:
        with data.zip.open(f"{key}.npy") as member:
            version = np.lib.format.read_magic(member)
            if version == (1, 0):
                shape, _, dtype = np.lib.format.read_array_header_1_0(member)
            else:
                shape, _, dtype = np.lib.format.read_array_header_2_0(member)
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile, zlib.error) as e:
        raise ValueError(
            f"Could not read the array {key!r} of {description} ({e}). Received: path={description!r}"
        ) from e
    nbytes = int(np.prod(shape, dtype=object)) * dtype.itemsize
    if nbytes > MAX_ARRAY_BYTES:
        raise ValueError(
            f"The array {key!r} of {description} claims shape {shape} of {dtype} ({nbytes} bytes), more than "
            f"kgan loads ({MAX_ARRAY_BYTES} bytes). Received: path={description!r}"
        )
