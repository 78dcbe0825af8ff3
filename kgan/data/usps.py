"""The `usps` source: the USPS digits (Hull 1994), 16 x 16 greyscale, from either of their two common files.

The exercise of lecture 000 ("Create a GAN to generate USPS samples"). The data is not shipped with kgan; the
two files people usually have are read as they are:

- **HDF5** (`usps.h5`, e.g. the Kaggle "USPS dataset"): groups `train` and `test`, each with `data` (N x 256
  floats in [0, 1], the 16 x 16 image row by row) and `target` (the digits 0-9). Read with h5py, which Keras
  already depends on (not a new dependency of kgan).
- **LIBSVM** (`usps` and `usps.t` from the LIBSVM data sets page, plain or bz2-compressed as `usps.bz2`,
  `usps.t.bz2`): one digit per line, `label index:value ...` with indices 1-256 (ascending) and values in
  [-1, 1]. The label is the digit plus one (1-10 stand for 0-9; torchvision's `USPS` reads the same files so).
  An index left out has the value 0, the sparse format's rule (LIBSVM's `svm-scale` writes no zero values).

Pixels map linearly onto `uint8`: 0 -> 0 and 1 -> 255 (HDF5), -1 -> 0 and 1 -> 255 (LIBSVM).

`split` picks the part: in the HDF5 file the group (`"train"` or `"test"`); for LIBSVM files, `"train"` reads
`path` itself and `"test"` the test file beside it, by LIBSVM's naming (`usps.t` beside `usps`, `usps.t.bz2`
beside `usps.bz2`).
"""

import bz2
import os

import numpy as np

from kgan.core.utils import atomic_path
from kgan.data.validation import MAX_ARRAY_BYTES

SIDE = 16  # USPS images are 16 x 16
NUM_CLASSES = 10
SPLITS = ("train", "test")
_HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
_BZ2_SIGNATURE = b"BZh"
# A line of 256 `index:value` pairs is about 4 KB; a longer "line" is not a USPS file (and is not read whole).
_MAX_LINE_BYTES = 64 * 1024
_MAX_ROWS = MAX_ARRAY_BYTES // (SIDE * SIDE)


def load_usps(path, split="train"):
    """Reads the USPS digits of `split` from an HDF5 or LIBSVM file.

    Args:
        path: `usps.h5`, or a LIBSVM file (`usps`, `usps.t`, optionally `.bz2`).
        split: `"train"` or `"test"` (see the module docstring for what each
            reads in either format).

    Returns:
        `(images, labels)`: `uint8` images of shape `(N, 16, 16)` and `int32`
        digits 0-9 of shape `(N,)`.

    Raises:
        FileNotFoundError: if the file (or the LIBSVM test file beside it) does not exist.
        ValueError: if `split` is unknown or the file is not a USPS file (wrong
            groups, row length, label or value out of range, no digits), naming
            the file and what was expected.

    Example:
        >>> images, labels = load_usps("usps.h5", split="test")  # doctest: +SKIP
        >>> images.shape, labels.max()  # doctest: +SKIP
        ((2007, 16, 16), 9)
    """
    if split not in SPLITS:
        raise ValueError(f"USPS has the splits {SPLITS}. Received: split={split!r}")
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"No such USPS file. Received: path={path!r}")
    with open(path, "rb") as f:
        signature = f.read(len(_HDF5_SIGNATURE))
    if signature == _HDF5_SIGNATURE:
        return _read_hdf5(path, split)
    if split == "test":
        path = libsvm_test_path(path)
        if not os.path.isfile(path):
            raise FileNotFoundError(
                f"The LIBSVM test split is the file beside the training file (usps.t beside usps, usps.t.bz2 beside "
                f"usps.bz2), and there is none. Received: path={path!r}"
            )
    return _read_libsvm(path)


def libsvm_test_path(path):
    """The LIBSVM test file beside a training file: `usps` -> `usps.t`, `usps.bz2` -> `usps.t.bz2`."""
    path = os.fspath(path)
    stem, ext = (path[:-4], ".bz2") if path.endswith(".bz2") else (path, "")
    return f"{stem}.t{ext}"


def _read_hdf5(path, split):
    import h5py  # a Keras dependency; imported here so only HDF5 files need it

    expected = "groups 'train' and 'test', each with 'data' (N x 256 floats in [0, 1]) and 'target' (digits 0-9)"
    try:
        with h5py.File(path, "r") as f:
            group = f.get(split)
            if not isinstance(group, h5py.Group) or not all(
                isinstance(group.get(key), h5py.Dataset) for key in ("data", "target")
            ):
                raise ValueError(
                    f"{path} is an HDF5 file without the USPS layout: expected {expected}; "
                    f"{split!r} is missing or incomplete. Received: keys={sorted(f.keys())}"
                )
            data, target = group["data"], group["target"]
            if data.ndim != 2 or data.shape[1] != SIDE * SIDE or data.shape[0] > _MAX_ROWS:
                raise ValueError(
                    f"{path}: {split}/data must have shape (N, 256), one 16 x 16 image per row (N at most "
                    f"{_MAX_ROWS}). Received: shape={data.shape}"
                )
            if target.shape != (data.shape[0],):
                raise ValueError(
                    f"{path}: {split}/target must hold one digit per row of {split}/data, shape "
                    f"({data.shape[0]},). Received: shape={target.shape}"
                )
            if not (np.issubdtype(data.dtype, np.number) and np.issubdtype(target.dtype, np.number)):
                raise ValueError(
                    f"{path}: {split}/data and {split}/target must be numbers. "
                    f"Received: dtypes {data.dtype} and {target.dtype}"
                )
            values, digits = np.asarray(data[()], dtype=np.float64), np.asarray(target[()])
    except OSError as e:
        raise ValueError(f"Could not read {path} as HDF5 ({e}). Received: path={path!r}") from e
    _check_not_empty(values, path, split)
    if np.isnan(values).any() or values.min() < 0.0 or values.max() > 1.0:
        raise ValueError(
            f"{path}: {split}/data must lie in [0, 1]. Received: values in [{np.nanmin(values)}, {np.nanmax(values)}]"
            + (" and NaN" if np.isnan(values).any() else "")
        )
    labels = _digits(digits, path, f"{split}/target", offset=0)
    return _to_uint8(values), labels


def _read_libsvm(path):
    with open(path, "rb") as f:
        compressed = f.read(len(_BZ2_SIGNATURE)) == _BZ2_SIGNATURE
    opener = bz2.open if compressed else open
    rows, labels = [], []
    try:
        with opener(path, "rb") as f:
            number = 0
            while line := f.readline(_MAX_LINE_BYTES + 1):
                number += 1
                if len(line) > _MAX_LINE_BYTES:
                    raise ValueError(
                        f"{path}, line {number}: longer than {_MAX_LINE_BYTES} bytes; expected a LIBSVM USPS line "
                        f"(a label 1-10, then up to 256 index:value pairs). Received: path={path!r}"
                    )
                if not line.strip():
                    continue
                if len(rows) >= _MAX_ROWS:
                    raise ValueError(f"{path} holds more than {_MAX_ROWS} digits. Received: path={path!r}")
                label, row = _parse_libsvm_line(line, path, number)
                labels.append(label)
                rows.append(row)
    except (OSError, EOFError) as e:
        raise ValueError(f"Could not read {path} ({e}). Received: path={path!r}") from e
    values = np.asarray(rows, dtype=np.float64).reshape(-1, SIDE * SIDE)
    _check_not_empty(values, path, "the file")
    return _to_uint8((values + 1.0) / 2.0), _digits(np.asarray(labels), path, "labels", offset=1)


def _parse_libsvm_line(line, path, number):
    where = f"{path}, line {number}"
    try:
        text = line.decode("ascii")
    except UnicodeDecodeError:
        raise ValueError(
            f"{where}: not text; expected an HDF5 file or LIBSVM text (a label 1-10, then index:value pairs). "
            f"Received: path={path!r}"
        ) from None
    label, *pairs = text.split()
    try:
        split_pairs = [pair.split(":") for pair in pairs]
        indices = np.array([int(i) for i, _ in split_pairs], dtype=np.int64)
        values = np.array([float(v) for _, v in split_pairs], dtype=np.float64)
        label = float(label)
    except ValueError:
        raise ValueError(
            f"{where}: expected a label, then index:value pairs (LIBSVM format). Received: {text.strip()[:80]!r}"
        ) from None
    if indices.size and (indices.min() < 1 or indices.max() > SIDE * SIDE or np.any(np.diff(indices) <= 0)):
        raise ValueError(
            f"{where}: indices must be ascending within 1-256 (one per pixel of a 16 x 16 image). "
            f"Received: indices {indices.min()} to {indices.max()}, {indices.size} in all"
        )
    if not np.all(np.abs(values) <= 1.0):  # also refuses NaN
        bad = values[~(np.abs(values) <= 1.0)][0]
        raise ValueError(f"{where}: values must lie in [-1, 1]. Received: value {bad}")
    row = np.zeros(SIDE * SIDE)  # a left-out index is 0 (LIBSVM's sparse format)
    row[indices - 1] = values
    return label, row


def _digits(raw, path, what, offset):
    """Checks integral labels in `offset` .. `offset + 9` and returns the digits 0-9 as int32."""
    raw = np.asarray(raw, dtype=np.float64)
    bad = ~((raw == np.round(raw)) & (raw >= offset) & (raw <= offset + NUM_CLASSES - 1))
    if bad.any():
        meaning = "the digit + 1" if offset else "the digit"
        raise ValueError(
            f"{path}: {what} must be integers {offset}-{offset + NUM_CLASSES - 1} ({meaning}). "
            f"Received: {raw[bad][0]:g} at row {int(np.argmax(bad))}"
        )
    return (raw - offset).astype(np.int32)


def _check_not_empty(values, path, what):
    if not len(values):
        raise ValueError(f"{path}: {what} holds no digits; expected at least one 16 x 16 image. Received: 0 rows")


def _to_uint8(unit_values):
    return np.round(unit_values * 255.0).astype(np.uint8).reshape(-1, SIDE, SIDE)


def write_usps(path, train, test=None):
    """Writes digits as a USPS file in the format `path` names: the inverse of `load_usps`.

    `*.h5` / `*.hdf5`: one HDF5 file with the groups `train` and `test`.
    Otherwise LIBSVM text (bz2-compressed if `path` ends in `.bz2`), every
    pixel written: `train` goes to `path` and `test` to the `.t` file beside it
    (`libsvm_test_path`). Each file is written atomically.

    Args:
        path: the file to write.
        train: `(images, labels)`: `uint8` images of shape `(N, 16, 16)` or
            `(N, 16, 16, 1)` and digits 0-9.
        test: the test split, the same way, or None (an HDF5 file then has no
            `test` group; no `.t` file is written).

    Returns:
        The paths written, as strings.

    Raises:
        ValueError: if the images are not 16 x 16 `uint8` greyscale or the labels are not digits 0-9, one per image.
    """
    path = os.fspath(path)
    splits = {"train": _checked_split(*train, "train")}
    if test is not None:
        splits["test"] = _checked_split(*test, "test")
    if path.endswith((".h5", ".hdf5")):
        import h5py

        with atomic_path(path) as tmp, h5py.File(tmp, "w") as f:
            for name, (images, labels) in splits.items():
                group = f.create_group(name)
                group.create_dataset("data", data=(images.reshape(-1, SIDE * SIDE) / 255.0).astype(np.float32))
                group.create_dataset("target", data=labels.astype(np.int64))
        return [path]
    written = []
    for name, (images, labels) in splits.items():
        target = path if name == "train" else libsvm_test_path(path)
        values = images.reshape(-1, SIDE * SIDE) / 127.5 - 1.0
        text = "".join(
            f"{label + 1} " + " ".join(f"{i}:{v:.6g}" for i, v in enumerate(row, start=1)) + "\n"
            for label, row in zip(labels, values)
        ).encode("ascii")
        with atomic_path(target) as tmp:
            tmp.write_bytes(bz2.compress(text) if target.endswith(".bz2") else text)
        written.append(target)
    return written


def _checked_split(images, labels, name):
    images, labels = np.asarray(images), np.asarray(labels)
    if images.ndim == 4 and images.shape[-1] == 1:
        images = images[..., 0]
    if images.dtype != np.uint8 or images.shape[1:] != (SIDE, SIDE):
        raise ValueError(
            f"USPS {name} images must be uint8 of shape (N, 16, 16) or (N, 16, 16, 1). "
            f"Received: {images.dtype} of shape {images.shape}"
        )
    if labels.shape != (len(images),) or not np.issubdtype(labels.dtype, np.integer) or not len(labels):
        raise ValueError(
            f"USPS {name} labels must be integers, one per image (at least one). Received: shape {labels.shape}"
        )
    if labels.min() < 0 or labels.max() >= NUM_CLASSES:
        raise ValueError(f"USPS {name} labels must be digits 0-9. Received: labels in [{labels.min()}, {labels.max()}]")
    return images, labels
