"""Small helpers shared across kgan: atomic file writes, stale temporaries and argument checks."""

import contextlib
import os
import pathlib
import re
import shutil
import tempfile
import time

# A temporary's name carries its writer's process id (`.tmp-<stem>-pid<N>-<random><suffix>`), so a later run can
# tell the leftovers of a killed writer from a write in progress. Neither the random part nor the suffix has dashes.
_TMP_PID = re.compile(r"^\.tmp-.+-pid(\d+)-[a-z0-9_]{8}(?:\.[^-]*)?$")
_TMP_OLD = re.compile(r"^\.tmp-.+-[a-z0-9_]{8}(?:\.[^-]*)?$")  # an older kgan's: no process id


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
    fd, tmp = tempfile.mkstemp(prefix=temporary_prefix(path.stem), suffix="".join(path.suffixes), dir=path.parent)
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


def temporary_prefix(stem):
    """`.tmp-<stem>-pid<N>-`: the prefix of this process's temporaries (`remove_stale_temporaries` reads the id)."""
    return f".tmp-{stem}-pid{os.getpid()}-"


def remove_stale_temporaries(folder, max_age=600):
    """Deletes the `.tmp-*` files and folders in `folder` that a dead process left behind; returns their paths.

    A temporary is stale when the process named in it (`temporary_prefix`) is
    no longer alive, or, for a name without a process id (written by an older
    kgan), when it is older than `max_age` seconds. A live writer's temporary is
    never touched; a reused process id only keeps a stale file until a later
    run, the safe side.

    Args:
        folder: the folder to clean (not recursive); a missing folder is fine.
        max_age: seconds after which a temporary without a process id is stale.

    Returns:
        The deleted paths, sorted.
    """
    folder = pathlib.Path(folder)
    if not folder.is_dir():
        return []
    removed = []
    for entry in sorted(folder.glob(".tmp-*")):
        match = _TMP_PID.search(entry.name)
        if match:
            stale = int(match.group(1)) != os.getpid() and not _process_alive(int(match.group(1)))
        else:  # only names atomic_path gave (its random part has eight characters), never a user's `.tmp-notes`
            stale = bool(_TMP_OLD.search(entry.name)) and time.time() - entry.lstat().st_mtime > max_age
        if not stale:
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)
        removed.append(entry)
    return removed


def _process_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        return True
    return True


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
