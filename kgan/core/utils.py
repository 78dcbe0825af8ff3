"""Small helpers shared across kgan: atomic file writes, stale temporaries, path and JSON checks, argument checks."""

import contextlib
import errno
import json
import os
import pathlib
import re
import shutil
import socket
import tempfile
import threading
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
    except OSError as error:
        if error.filename is None:  # a full disk says only "No space left on device": name what was being written
            error.filename = str(path)
        raise
    finally:
        if tmp.is_dir():
            shutil.rmtree(tmp, ignore_errors=True)
        elif tmp.exists():
            tmp.unlink()


def temporary_prefix(stem):
    """`.tmp-<stem>-pid<N>-`: the prefix of this process's temporaries (`remove_stale_temporaries` reads the id)."""
    return f".tmp-{stem}-pid{os.getpid()}-"


def is_temporary_of(name, stem):
    """Whether the file name `name` is an `atomic_path` temporary of a file of stem `stem`, written by any process."""
    return name.startswith(f".tmp-{stem}-pid")


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


# The largest count (epochs, batch size, steps, ...) a setting may take: TensorFlow and Keras keep their step and
# epoch counters in int32, and a bigger value is a typo (`--epochs 2**80`) that would fail deep inside a run.
MAX_INT = 2**31 - 1
# Seeds go to NumPy's legacy seeding too (`keras.utils.set_random_seed`), which takes [0, 2**32).
MAX_SEED = 2**32 - 1


def check_positive_int(name, value, maximum=MAX_INT):
    """Raises `ValueError` unless `value` is an integer in [1, `maximum`] (bools excluded)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"`{name}` must be a positive integer. Received: {name}={value!r}")
    if value > maximum:
        raise ValueError(f"`{name}` must be at most {maximum}. Received: {name}={value!r}")
    return value


def check_seed(name, value):
    """Raises `ValueError` unless `value` is an integer in [0, `MAX_SEED`] (bools excluded)."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_SEED:
        raise ValueError(f"`{name}` must be an integer in [0, {MAX_SEED}]. Received: {name}={value!r}")
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


def nearest_existing(path):
    """`path` or its nearest existing ancestor (what a `mkdir(parents=True)` of `path` would write into)."""
    path = pathlib.Path(os.path.abspath(path))
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def check_writable_dir(path, name, received=None):
    """Raises `OSError` naming `path` unless `path` is, or can be made as, a folder kgan can write into.

    Checks before any training what would otherwise fail after it: a path under a file, a folder that is a
    file, a read-only or unwritable folder. Writes nothing (a folder that is not a kgan run is never written
    into); a full disk shows only when a file is written (`atomic_path` names it).

    Args:
        path: the folder (it need not exist yet).
        name: the setting or flag, for the message (`output_dir`, `--output`).
        received: the value given for `name`, if not `path` (a file whose folder `path` is).

    Raises:
        NotADirectoryError: if `path` or one of its ancestors is a file.
        PermissionError: if the nearest existing folder is not writable.
        OSError: for other faults (a read-only file system, a full disk).
    """
    received = f"{name}={str(path if received is None else received)!r}"
    existing = nearest_existing(path)
    if not existing.is_dir():
        raise NotADirectoryError(
            errno.ENOTDIR, f"`{name}` needs a folder, but {existing} is a file. Received: {received}"
        )
    if not os.access(existing, os.W_OK | os.X_OK):  # access(2) also refuses writes on a read-only file system
        code = errno.EROFS if os.statvfs(existing).f_flag & os.ST_RDONLY else errno.EACCES
        raise OSError(code, f"Cannot write into {existing} ({os.strerror(code)}). Received: {received}")
    return path


def check_readable(path, name):
    """Raises `FileNotFoundError` or `PermissionError` naming `path` unless it exists and can be read."""
    if not os.path.exists(path):
        raise FileNotFoundError(errno.ENOENT, f"No such file or folder. Received: {name}={str(path)!r}")
    if not os.access(path, os.R_OK):
        raise PermissionError(errno.EACCES, f"Cannot read it. Received: {name}={str(path)!r}")
    return path


def read_json_object(path, what="JSON file", required=()):
    """Reads a JSON object (a dict) from `path`; every fault is a `ValueError` naming the file.

    Args:
        path: the file.
        what: what the file is, for the message (`"classifier card"`).
        required: keys the object must have.

    Raises:
        ValueError: if the file is not UTF-8 JSON, not an object, or lacks a `required` key.
        OSError: if the file cannot be read.
    """
    try:
        value = json.loads(pathlib.Path(path).read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as error:  # json.JSONDecodeError is a ValueError
        raise ValueError(f"The {what} {path} is not valid JSON ({error}). Received: path={str(path)!r}") from None
    if not isinstance(value, dict):
        raise ValueError(f"The {what} {path} must hold a JSON object. Received: a JSON {type(value).__name__}")
    missing = [key for key in required if key not in value]
    if missing:
        raise ValueError(f"The {what} {path} lacks {', '.join(missing)}. Received: keys={sorted(value)}")
    return value


def host_reachable(host, port, timeout=3.0):
    """Whether a TCP connection to `host:port` opens within `timeout` seconds (asked before a download).

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
