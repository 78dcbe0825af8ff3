"""`Checkpoint`: the whole GAN (both models, both optimizers, the noise state) after every epoch, verified."""

import hashlib
import io
import math
import pathlib
import re
import zipfile

import h5py
import keras

from kgan.core.utils import atomic_path

_NAME = re.compile(r"^epoch_(\d+)\.keras$")
# What a `.keras` file (a zip) must hold to be loadable.
_MEMBERS = ("config.json", "model.weights.h5")


class Checkpoint(keras.callbacks.Callback):
    """Saves the model to `<directory>/epoch_NNNN.keras` atomically, keeping the newest `keep`.

    Unlike `keras.callbacks.ModelCheckpoint`, each file is written to a
    temporary name, re-opened and checked (`Checkpoint.verify`) and only then
    renamed into place, so a crash mid-save leaves the previous checkpoint
    intact; its SHA-256 follows in `epoch_NNNN.keras.sha256`, so damage done
    later (a full disk, a bad sector, a copy cut short) is caught on resume;
    old checkpoints are pruned; and an epoch whose logged metrics are NaN or
    Inf is not saved, so it never pushes a good checkpoint out.

    Args:
        directory: the checkpoint folder.
        every: save every `every` epochs (the last epoch is always saved).
        keep: how many checkpoints to keep (at least 1).

    Example:
        >>> gan.fit(dataset, callbacks=[Checkpoint("run/checkpoints")])  # doctest: +SKIP
        >>> gan = keras.saving.load_model(Checkpoint.latest("run/checkpoints"))  # doctest: +SKIP
    """

    def __init__(self, directory, every=1, keep=3):
        super().__init__()
        if every < 1 or keep < 1:
            raise ValueError(f"`every` and `keep` must be positive. Received: every={every}, keep={keep}")
        self.directory = pathlib.Path(directory)
        self.every = every
        self.keep = keep

    @staticmethod
    def list(directory):
        """The checkpoints in `directory`, oldest first, as `(epoch, path)` pairs."""
        directory = pathlib.Path(directory)
        found = [(int(m.group(1)), p) for p in directory.glob("epoch_*.keras") if (m := _NAME.match(p.name))]
        return sorted(found)

    @classmethod
    def latest(cls, directory):
        """The path of the newest checkpoint in `directory`, or None."""
        found = cls.list(directory)
        return found[-1][1] if found else None

    @staticmethod
    def checksum_path(path):
        """The SHA-256 sidecar of the checkpoint `path`: `epoch_NNNN.keras.sha256`."""
        path = pathlib.Path(path)
        return path.with_name(f"{path.name}.sha256")

    @classmethod
    def verify(cls, path):
        """Why the checkpoint `path` cannot be trusted, or None if it can.

        Checks, without building the model: the file is not empty; its SHA-256
        matches its sidecar (a checkpoint of an older kgan has none); it is a
        zip holding `config.json` and `model.weights.h5` whose CRCs match; and
        the weights file opens as HDF5 with every array readable.

        Returns:
            None, or a short reason (`"it is empty (0 bytes)"`, ...).
        """
        path = pathlib.Path(path)
        try:
            if path.stat().st_size == 0:
                return "it is empty (0 bytes)"
            sidecar = cls.checksum_path(path)
            if sidecar.is_file():
                recorded = (sidecar.read_text(errors="replace").split() or [""])[0]
                if recorded != _sha256(path):
                    return f"its SHA-256 differs from the one recorded in {sidecar.name}"
            with zipfile.ZipFile(path) as archive:
                missing = [name for name in _MEMBERS if name not in archive.namelist()]
                if missing:
                    return f"it lacks {', '.join(missing)}"
                damaged = archive.testzip()
                if damaged:
                    return f"its {damaged} is damaged (CRC mismatch)"
                with h5py.File(io.BytesIO(archive.read("model.weights.h5")), "r") as weights:
                    weights.visititems(lambda _, item: item[()] if isinstance(item, h5py.Dataset) else None)
        except zipfile.BadZipFile as error:
            return f"it is not a complete .keras (zip) file ({error})"
        except (OSError, ValueError, RuntimeError, KeyError) as error:
            return f"it cannot be read ({type(error).__name__}: {error})"
        return None

    @classmethod
    def set_aside(cls, path):
        """Renames a checkpoint that cannot be trusted (and its sidecar) to `*.corrupt`; returns the new path.

        The file is kept, not deleted, for the user to look at; `list` no longer sees it.
        """
        path = pathlib.Path(path)
        aside, n = path.with_name(f"{path.name}.corrupt"), 1
        while aside.exists():
            n += 1
            aside = path.with_name(f"{path.name}.{n}.corrupt")
        path.rename(aside)
        sidecar = cls.checksum_path(path)
        if sidecar.is_file():
            sidecar.rename(aside.with_name(f"{aside.name}.sha256"))
        return aside

    def on_epoch_end(self, epoch, logs=None):
        last = epoch + 1 == (self.params or {}).get("epochs")
        if (epoch + 1) % self.every and not last:
            return
        # The training's own metrics: a callback's score that is NaN on the epochs it does not
        # evaluate (GANMetrics) says nothing about the model.
        own = {m.name for m in getattr(self.model, "metrics", ())} or set(logs or {})
        bad = [k for k, v in (logs or {}).items() if k in own and not math.isfinite(float(v))]
        if bad:
            # Never let a blown-up model push good checkpoints out.
            print(f"\nCheckpoint: not saving epoch {epoch + 1}: {', '.join(bad)} not finite.", flush=True)
            return
        path = self.directory / f"epoch_{epoch + 1:04d}.keras"
        sidecar = self.checksum_path(path)
        try:
            with atomic_path(path) as tmp:
                self.model.save(tmp)
                problem = self.verify(tmp)
                if problem:
                    raise _Unverified(problem)
                digest = _sha256(tmp)
                sidecar.unlink(missing_ok=True)  # a sidecar never describes another file than its checkpoint
        except _Unverified as error:
            print(
                f"\nCheckpoint: not saving epoch {epoch + 1}: the written file failed its check: {error}.", flush=True
            )
            return
        # After the file: a checkpoint without its sidecar (killed in between) is checked by opening it.
        with atomic_path(sidecar) as tmp:
            tmp.write_text(f"{digest}  {path.name}\n")
        for _, old in self.list(self.directory)[: -self.keep]:
            old.unlink(missing_ok=True)
            self.checksum_path(old).unlink(missing_ok=True)


class _Unverified(Exception):
    """A checkpoint that failed `Checkpoint.verify` right after it was written."""


def _sha256(path):
    with open(path, "rb") as file:
        return hashlib.file_digest(file, "sha256").hexdigest()
