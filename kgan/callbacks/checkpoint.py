"""`Checkpoint`: the whole GAN (both models, both optimizers, the noise state) after every epoch."""

import math
import pathlib
import re

import keras

from kgan.core.utils import atomic_path

_NAME = re.compile(r"^epoch_(\d+)\.keras$")


class Checkpoint(keras.callbacks.Callback):
    """Saves the model to `<directory>/epoch_NNNN.keras` atomically, keeping the newest `keep`.

    Unlike `keras.callbacks.ModelCheckpoint`, each file is written to a
    temporary name and renamed into place, so a crash mid-save leaves the
    previous checkpoint intact; old checkpoints are pruned; and an epoch whose
    logged metrics are NaN or Inf is not saved, so it never pushes a good
    checkpoint out.

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
        with atomic_path(self.directory / f"epoch_{epoch + 1:04d}.keras") as tmp:
            self.model.save(tmp)
        for _, path in self.list(self.directory)[: -self.keep]:
            path.unlink(missing_ok=True)
