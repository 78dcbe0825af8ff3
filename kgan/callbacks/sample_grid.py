"""`SampleGrid`: a picture of the generator's progress after every epoch."""

import pathlib

import keras
import numpy as np

from kgan.core import fixed_latent, plotting
from kgan.core.utils import atomic_path


class SampleGrid(keras.callbacks.Callback):
    """Saves a grid of images from a fixed latent batch after every `every` epochs.

    Lecture 001's exercise plots generated images after every epoch; keeping
    the latent batch fixed shows how the same points of latent space evolve.
    At the end of training a montage puts one row per saved epoch (the first
    `montage_columns` images of each grid, at most `montage_rows` epochs
    evenly spread) into `montage.png`.

    For a conditional generator the grid has one row per class, label `i` on
    row `i` (lecture 001's ACGAN exercise).

    The montage's images are also kept in `montage.npz`, so a resumed run's
    montage still shows the epochs before the interruption.

    Args:
        output_dir: folder for `epoch_0001.png`, ... and `montage.png`.
        num_images: images per grid (a square number reads best). For
            conditional models: images per class row is `num_images // num_classes`.
        num_classes: number of classes of a conditional generator (default:
            the model's, from its `spec`).
        every: save every `every` epochs (the last epoch is always saved).
        seed: seed of the fixed latent batch.
        montage_columns: images per montage row.
        montage_rows: at most this many epochs in the montage.
        tensorboard_dir: if set, every grid is also logged there as a
            TensorBoard image (tab "Images", tag `samples`).

    Example:
        >>> gan.fit(dataset, epochs=20, callbacks=[SampleGrid("run/samples")])  # doctest: +SKIP
    """

    def __init__(
        self,
        output_dir,
        num_images=100,
        *,
        num_classes=None,
        every=1,
        seed=0,
        montage_columns=10,
        montage_rows=12,
        tensorboard_dir=None,
    ):
        super().__init__()
        if num_images < 1 or every < 1:
            raise ValueError(
                f"`num_images` and `every` must be positive. Received: num_images={num_images}, every={every}"
            )
        self.output_dir = pathlib.Path(output_dir)
        self.num_images = num_images
        self.num_classes = num_classes
        self.every = every
        self.seed = seed
        self.montage_columns = montage_columns
        self.montage_rows = montage_rows
        self.tensorboard_dir = None if tensorboard_dir is None else pathlib.Path(tensorboard_dir)
        self._writer = None
        self._latent = None
        self._labels = None
        self._num_classes = num_classes
        self._snapshots = {}
        self._params_epochs = None

    def on_train_begin(self, logs=None):
        model = self.model
        n = self.num_images
        spec = getattr(model, "spec", None)
        self._num_classes = self.num_classes or (spec.num_classes if spec is not None and spec.conditional else None)
        if self._num_classes:
            per_class = max(1, n // self._num_classes)
            n = per_class * self._num_classes
            self._labels = np.repeat(np.arange(self._num_classes), per_class).astype("int32")
        self._latent = fixed_latent(model, n, self.seed)
        self._params_epochs = (self.params or {}).get("epochs")
        self._snapshots = {}
        self._resumed = False

    def on_epoch_begin(self, epoch, logs=None):
        if self._resumed:
            return
        self._resumed = True
        path = self.output_dir / "montage.npz"
        if epoch > 0 and path.is_file():
            with np.load(path) as saved:
                self._snapshots = {int(k.split("_")[1]): saved[k] for k in saved.files if int(k.split("_")[1]) <= epoch}

    def generate(self):
        """Images from the fixed latent batch, as a numpy array in [-1, 1]."""
        return np.asarray(self.model.generate(self._latent, self._labels, training=False))

    def on_epoch_end(self, epoch, logs=None):
        last = self._params_epochs is not None and epoch + 1 == self._params_epochs
        if (epoch + 1) % self.every and not last:
            return
        images = self.generate()
        ncols = len(images) // self._num_classes if self._num_classes else None
        # A model may say where its training stands (PGGAN: the resolution it has grown to).
        caption = getattr(self.model, "progress_caption", None)
        title = f"epoch {epoch + 1}" + (f", {caption()}" if caption else "")
        plotting.save_image_grid(images, self.output_dir / f"epoch_{epoch + 1:04d}.png", ncols=ncols, title=title)
        self._snapshots[epoch + 1] = images[: self.montage_columns]
        if self.tensorboard_dir is not None:
            self._log_to_tensorboard(plotting.tile_images(images, ncols), epoch + 1)
        with atomic_path(self.output_dir / "montage.npz") as tmp:
            np.savez_compressed(tmp, **{f"epoch_{e:04d}": v for e, v in self._snapshots.items()})

    def _log_to_tensorboard(self, grid, step):
        import tensorflow as tf  # noqa: PLC0415

        if self._writer is None:
            self._writer = tf.summary.create_file_writer(str(self.tensorboard_dir))
        with self._writer.as_default():
            tf.summary.image("samples", grid[None].astype("float32") / 255.0, step=step)
        self._writer.flush()

    def on_train_end(self, logs=None):
        if not self._snapshots:
            return
        epochs = sorted(self._snapshots)
        if len(epochs) > self.montage_rows:
            picks = np.linspace(0, len(epochs) - 1, self.montage_rows).round().astype(int)
            epochs = [epochs[i] for i in sorted(set(picks))]
        plotting.save_montage(
            [self._snapshots[e] for e in epochs],
            [f"epoch {e}" for e in epochs],
            self.output_dir / "montage.png",
            title="the same latent vectors across epochs",
        )
