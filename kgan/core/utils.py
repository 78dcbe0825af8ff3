"""Small helpers shared across kgan: atomic file writes and argument checks."""

import contextlib
import os
import pathlib
import shutil
import tempfile


@contextlib.contextmanager
def atomic_path(path):
    """Yields a temporary path next to `path`; renames it onto `path` on success.

    Whatever is written to the yielded path (a file or a folder) replaces `path`
    in one `os.replace` only if the block finishes; on an exception the
    temporary is removed and `path` keeps its previous content. This is how
    every picture, CSV, checkpoint and export in kgan is written, so an
    interrupted run never leaves a half-written file behind.

    Args:
        path: the final file or folder path.

    Yields:
        A `pathlib.Path` in the same folder (so the rename stays on one filesystem).

    Example:
        >>> with atomic_path("run/history.png") as tmp:  # doctest: +SKIP
        ...     figure.savefig(tmp, format="png")
    """
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Keep the suffix: Keras and matplotlib choose the format from it.
    fd, tmp = tempfile.mkstemp(prefix=f".tmp-{path.stem}-", suffix="".join(path.suffixes), dir=path.parent)
    os.close(fd)
    os.unlink(tmp)
    tmp = pathlib.Path(tmp)
    try:
        yield tmp
        if path.is_dir() and not path.is_symlink() and tmp.is_dir():
            old = path.with_name(f".{path.name}.old")
            os.replace(path, old)
            os.replace(tmp, path)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, path)
    finally:
        if tmp.is_dir():
            shutil.rmtree(tmp, ignore_errors=True)
        elif tmp.exists():
            tmp.unlink()


def check_positive_int(name, value):
    """Raises `ValueError` unless `value` is a positive integer (bools excluded)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"`{name}` must be a positive integer. Received: {name}={value!r}")
    return value


def check_bool(name, value):
    """Raises `ValueError` unless `value` is `True` or `False` (a flag such as `spectral_norm`)."""
    if not isinstance(value, bool):
        raise ValueError(f"`{name}` must be True or False. Received: {name}={value!r}")
    return value


def check_positive_number(name, value):
    """Raises `ValueError` unless `value` is a number > 0 (NaN fails); returns it as a float."""
    if not value > 0:
        raise ValueError(f"`{name}` must be a positive number. Received: {name}={value!r}")
    return float(value)
