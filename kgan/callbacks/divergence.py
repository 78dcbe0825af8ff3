"""`DivergenceMonitor`: notice a GAN that has blown up or collapsed, and stop or warn."""

import math
import pathlib
import warnings

import keras
import numpy as np

from kgan.callbacks.checkpoint import Checkpoint

ACTIONS = ("stop", "warn")


class DivergenceWarning(UserWarning):
    """Issued when `DivergenceMonitor(action="warn")` sees a failed game."""


class DivergenceMonitor(keras.callbacks.Callback):
    """Watches for the failures of lecture 004 ("the discriminator gets a perfect score") and stops or warns.

    Three checks:

    - **NaN or Inf** in any logged loss, after every batch;
    - **D wins outright**: D's accuracy on real and on fake both at least
      `accuracy_threshold` for `patience` consecutive batches (the generator
      gets no gradient: lecture 000's "diminished gradient"). Only models
      that log `d_real_acc` and `d_fake_acc` have this check: a Wasserstein
      critic and BEGAN's autoencoder give no real/fake verdict, and the
      classic loop logs the lecture's losses only;
    - **collapsed samples**: at the end of an epoch (from `collapse_start_epoch`
      on: a generator a few hundred steps old can still draw one blob for
      every latent vector), the per-pixel standard deviation across
      `num_samples` generated images averages below `min_image_std` (every
      latent vector gives the same picture).

    `keras.callbacks.TerminateOnNaN` only looks at a `loss` key, which a GAN
    does not log; this callback reads `d_loss`, `g_loss` and every other loss.

    Args:
        action: `"stop"` (set `model.stop_training`) or `"warn"` (a
            `DivergenceWarning`, training goes on).
        patience: consecutive batches of a perfect D before acting.
        accuracy_threshold: what counts as a perfect D.
        min_image_std: the collapse threshold on [-1, 1] images.
        num_samples: images generated for the collapse check.
        collapse_start_epoch: the first epoch (1-based) of the collapse check.
        checkpoint_dir: where `Checkpoint` writes; the message names the
            newest checkpoint there as the last good one.
        seed: seed of the latent batch of the collapse check.

    Attributes:
        reason: why the run was judged diverged (None while it is healthy).

    Example:
        >>> monitor = DivergenceMonitor(action="stop", checkpoint_dir="run/checkpoints")
        >>> gan.fit(dataset, callbacks=[Checkpoint("run/checkpoints"), monitor])  # doctest: +SKIP
        >>> monitor.reason  # doctest: +SKIP
    """

    def __init__(
        self,
        action="stop",
        *,
        patience=200,
        accuracy_threshold=0.999,
        min_image_std=0.01,
        num_samples=64,
        collapse_start_epoch=5,
        checkpoint_dir=None,
        seed=0,
    ):
        super().__init__()
        if action not in ACTIONS:
            raise ValueError(f"`action` must be one of {ACTIONS}. Received: action={action!r}")
        if patience < 1:
            raise ValueError(f"`patience` must be a positive integer. Received: patience={patience!r}")
        self.action = action
        self.patience = patience
        self.accuracy_threshold = accuracy_threshold
        self.min_image_std = min_image_std
        self.num_samples = num_samples
        self.collapse_start_epoch = collapse_start_epoch
        self.checkpoint_dir = None if checkpoint_dir is None else pathlib.Path(checkpoint_dir)
        self.seed = seed
        self.reason = None
        self._epoch = 0
        self._perfect_batches = 0

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        logs = logs or {}
        for name, value in logs.items():
            if "loss" in name and not math.isfinite(float(value)):
                return self._diverged(f"{name} is {float(value)} at epoch {self._epoch + 1}, batch {batch + 1}")
        real, fake = logs.get("d_real_acc"), logs.get("d_fake_acc")
        if real is not None and fake is not None and min(float(real), float(fake)) >= self.accuracy_threshold:
            self._perfect_batches += 1
            if self._perfect_batches == self.patience:
                self._diverged(
                    f"the discriminator has been perfect on real and fake for {self.patience} batches "
                    f"(epoch {self._epoch + 1}): the generator gets no useful gradient"
                )
        else:
            self._perfect_batches = 0

    def on_epoch_end(self, epoch, logs=None):
        model = self.model
        if not hasattr(model, "sample_latent") or self.reason or epoch + 1 < self.collapse_start_epoch:
            return
        from kgan.core import fixed_latent  # noqa: PLC0415

        latent = fixed_latent(model, self.num_samples, self.seed)
        labels = None
        if getattr(model, "conditional", False):
            labels = np.zeros(self.num_samples, "int32")
        images = np.asarray(model.generate(latent, labels, training=False))
        spread = float(images.std(axis=0).mean())
        if not math.isfinite(spread):
            self._diverged(f"the generator outputs NaN or Inf after epoch {epoch + 1}")
        elif spread < self.min_image_std:
            self._diverged(
                f"the generator has collapsed after epoch {epoch + 1}: {self.num_samples} latent vectors give "
                f"images whose per-pixel std averages {spread:.4f} (< {self.min_image_std})"
            )

    def _diverged(self, what):
        if self.reason:
            return
        last_good = Checkpoint.latest(self.checkpoint_dir) if self.checkpoint_dir else None
        where = f" Last good checkpoint: {last_good}." if last_good else ""
        self.reason = f"Training diverged: {what}.{where}"
        if self.action == "stop":
            self.model.stop_training = True
            print(f"\n{self.reason} Stopping.", flush=True)
        else:
            warnings.warn(self.reason, DivergenceWarning, stacklevel=2)
