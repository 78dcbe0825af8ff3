"""The lecture 004 way of training a GAN: a combined DG model with D frozen, and `train_on_batch`.

Lecture 004 (SciNet, Keras) stacks the generator G and the discriminator D into
one model DG, freezes D inside it, and alternates two `train_on_batch` calls:
D on a batch of real and fresh fake images, then DG on noise with "real"
targets, so that only G learns to fool D. `ClassicGAN` runs that loop (with the
k discriminator steps per generator step of Algorithm 1, lecture 002), prints
the lecture's `[D loss: ...] [DG loss: ...]` log under a progress bar, and
drives the same callbacks as `kgan.GAN.fit`.

Why it is correct under Keras 3: Keras 3 reads `trainable` when a model's train
function is *traced*, not at `compile` (as Keras 2 did). A train function is
traced on its first call and again whenever the batch shape changes (e.g. a
short last batch). `ClassicGAN` therefore sets `D.trainable` right before every
`train_on_batch` (True for D's step, False for DG's), exactly as the lecture's
loop does, so every trace of DG's function sees D frozen and every trace of
D's function sees D trainable. `tests/test_classic.py` checks that D does not
change in a DG step, G does not change in a D step, and D does change in its
own step, also after many alternations and a retrace.

One consequence of freezing in Keras 3: a frozen `BatchNormalization` layer
runs in inference mode, so BatchNorm layers inside D use their moving
statistics during DG's step. Lecture 004's D has no BatchNorm.

`kgan.GAN.fit` is the faster, recommended way to train (one compiled step);
`ClassicGAN` exists so the lecture's program can be run and compared.
"""

import itertools
import math

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from kgan.core._keras_compat import callback_list, hide_compile_state
from kgan.core.gan import GAN
from kgan.core.utils import check_positive_int
from kgan.training.combined import (
    build_combined_model,
    discriminator_crossentropy,
    discriminator_head,
    generator_cost,
    targets,
)


class ClassicGAN:
    """Lecture 004's training loop: D and DG alternately trained with `train_on_batch`.

    For every real batch: G makes a batch of fakes; D (trainable) is trained
    on fakes and reals with targets "fake" and "real" (the mean cross-entropy
    over the half-fake, half-real batch: `C_D` of lecture 004). After every
    `d_steps`-th real batch (k of Algorithm 1, lecture 002), D is frozen and
    DG is trained on a fresh latent batch with the target of the generator
    cost. `fit` logs `d_loss` and `g_loss` (epoch means) to the callbacks, so
    `kgan.callbacks.SampleGrid`, `HistoryLog`, `Checkpoint` and Keras
    callbacks such as `EarlyStopping` and `CSVLogger` work as with `GAN.fit`.

    Fakes are generated with `training=True` (BatchNorm on batch statistics),
    as `GAN.fit` and the PyTorch lectures do; the lecture's `G.predict` would
    use BatchNorm moving averages that lag behind G early in training.

    Args:
        generator: `keras.Model` from latent vectors (and labels) to images.
        discriminator: `keras.Model` from images (and labels) to D's verdict
            (logit, sigmoid, or lecture 004's Dense(2, softmax)).
        loss: the generator cost: `"non_saturating"` (the lecture's DG,
            default), `"minimax"` or `"maximum_likelihood"`.
        latent_distribution: `"normal"` (lecture 004), `"uniform"` ([-1, 1],
            lecture 002) or `"uniform01"` (lecture 000).
        d_steps: discriminator steps per generator step.
        label_smoothing: one-sided label smoothing of D's real target (lecture 002).
        seed: seed of the latent noise.

    Example:
        >>> G, D = kgan.models.build_models("lecture004")
        >>> gan = ClassicGAN(G, D, seed=0)
        >>> gan.compile()
        >>> gan.fit(dataset, epochs=1)  # doctest: +SKIP
        0: [D loss: 0.617432] [DG loss: 1.407433]
    """

    def __init__(
        self,
        generator,
        discriminator,
        *,
        loss="non_saturating",
        latent_distribution="normal",
        d_steps=1,
        label_smoothing=0.0,
        seed=None,
    ):
        # The networks, settings and seeded noise live in a `kgan.GAN`: `save` writes that model
        # and the callbacks read its state; a loop made by `from_gan` shares the caller's.
        self._attach(
            GAN(
                generator,
                discriminator,
                loss=loss,
                latent_distribution=latent_distribution,
                d_steps=d_steps,
                label_smoothing=label_smoothing,
                seed=seed,
            )
        )

    def _attach(self, gan):
        self.head = discriminator_head(gan.discriminator)
        generator_cost(gan.gan_loss.name, self.head)  # a cost this head can express
        self.gan = gan
        self.combined = None
        self.stop_training = False
        self.history = None
        self._make_fakes = tf.function(lambda z: self.generator(z, training=True), reduce_retracing=True)

    generator = property(lambda self: self.gan.generator)
    discriminator = property(lambda self: self.gan.discriminator)
    loss = property(lambda self: self.gan.gan_loss.name, doc="The generator cost's name.")
    spec = property(lambda self: self.gan.spec, doc="The generator's `kgan.core.spec.GeneratorSpec`.")
    latent_distribution = property(lambda self: self.gan.latent_distribution)
    latent_dim = property(lambda self: self.gan.latent_dim)
    conditional = property(lambda self: self.gan.conditional)
    d_steps = property(lambda self: self.gan.d_steps)
    label_smoothing = property(lambda self: self.gan.label_smoothing)
    seed = property(lambda self: self.gan.seed)
    seed_generator = property(lambda self: self.gan.seed_generator)

    @classmethod
    def from_gan(cls, gan, jit_compile="auto"):
        """A compiled `ClassicGAN` over a compiled `kgan.GAN`'s networks and optimizers.

        The classic loop then trains `gan`'s generator and discriminator with
        `gan`'s two optimizers, and `save` writes `gan` itself: checkpoints
        keep both optimizers' states and reload as a `kgan.GAN`, as with `fit`.

        Args:
            gan: a compiled `kgan.GAN`: the plain `GAN` class, with none of
                the tricks the lecture's loop does not have.
            jit_compile: passed to `compile`.

        Raises:
            ValueError: for a GAN variant, or a GAN with penalties, instance
                noise, an EMA generator or augmentation: the classic loop would
                train without them, so it refuses rather than drop them.
        """
        if type(gan) is not GAN:
            raise ValueError(
                f"The classic loop trains the plain kgan.GAN, not a variant. Received: {type(gan).__name__}"
            )
        unhonoured = {
            "penalties": [type(p).__name__ for p in gan.penalties],
            "instance_noise": gan.instance_noise,
            "ema": gan.ema,
            "augment": gan.augment,
        }
        unhonoured = ", ".join(f"{k}={v!r}" for k, v in unhonoured.items() if v)
        if unhonoured:
            raise ValueError(
                "The classic loop trains the plain kgan.GAN, without penalties, instance noise, an EMA generator or "
                f"augmentation; train this GAN with fit. Received: {unhonoured}"
            )
        classic = cls.__new__(cls)
        classic._attach(gan)
        classic.compile(d_optimizer=gan.d_optimizer, g_optimizer=gan.g_optimizer, jit_compile=jit_compile)
        return classic

    def compile(self, d_optimizer=None, g_optimizer=None, jit_compile="auto"):
        """Compiles D (trainable) and then DG (D frozen), as lecture 004 does.

        Args:
            d_optimizer: D's optimizer (default `Adam(1e-4)`, lecture 004).
            g_optimizer: DG's optimizer, which updates only G (default `Adam(1e-4)`).
            jit_compile: passed to both `compile` calls.
        """
        self.discriminator.trainable = True
        self.discriminator.compile(
            optimizer=d_optimizer or keras.optimizers.Adam(1e-4),
            loss=discriminator_crossentropy(self.head),
            jit_compile=jit_compile,
        )
        self.combined = build_combined_model(
            self.generator, self.discriminator, optimizer=g_optimizer, loss=self.loss, jit_compile=jit_compile
        )
        self.d_optimizer = self.discriminator.optimizer
        self.g_optimizer = self.combined.optimizer

    # -- what the callbacks use -------------------------------------------

    def sample_latent(self, batch_size):
        """Latent vectors `(batch_size, latent_dim)` from the seeded distribution."""
        return self.gan.sample_latent(batch_size)

    def generate(self, latent, labels=None, training=False):
        """Runs the generator on `latent` (and `labels`, if conditional), as `kgan.GAN.generate`."""
        return self.gan.generate(latent, labels, training=training)

    def save(self, filepath):
        """Saves G and D as a `kgan.GAN` `.keras` file (what `Checkpoint` calls).

        `keras.saving.load_model(filepath)` returns a `kgan.GAN` with the
        trained networks, ready to sample, export or continue with `fit`. The
        optimizer states are saved too when the `ClassicGAN` was made by
        `from_gan`, not otherwise.
        """
        # D was compiled for its train_on_batch; Keras would save D's optimizer under
        # D (a second time, or instead of the GAN's d_optimizer), and D's compile config,
        # which makes `load_model` compile D again and warn that this optimizer has no saved
        # variables; so hide both while saving (`compile` makes them again on resume).
        # D is saved trainable (it is frozen only inside DG's steps), so the reloaded GAN trains it.
        d = self.discriminator
        trainable = d.trainable
        d.trainable = True
        try:
            with hide_compile_state(d):
                self.gan.save(filepath)
        finally:
            d.trainable = trainable

    # -- the lecture's loop ----------------------------------------------

    def _label_column(self, labels, batch_size):
        """The batch's labels as an int32 column `(batch, 1)`; a conditional G's are checked by its spec."""
        if labels is None:
            raise ValueError(
                "This generator is conditional, so the dataset must yield (images, labels). Received: labels=None"
            )
        if self.conditional:
            labels = self.spec.check_labels(labels, batch_size)
        return ops.reshape(ops.cast(labels, "int32"), (-1, 1))

    def train_discriminator(self, real_images, labels=None):
        """One D step on `real_images` and as many fresh fakes. Returns D's loss."""
        if self.combined is None:
            raise RuntimeError("Call `compile()` before training. Received: an uncompiled ClassicGAN")
        batch_size = int(real_images.shape[0])
        latent = self.sample_latent(batch_size)
        fakes = self._make_fakes([latent, self._label_column(labels, batch_size)] if self.conditional else latent)
        images = ops.concatenate([fakes, ops.convert_to_tensor(real_images, fakes.dtype)], axis=0)
        y = np.concatenate(
            [
                targets(self.head, batch_size, real=False),
                targets(self.head, batch_size, real=True, smoothing=self.label_smoothing),
            ]
        )
        x = images
        if len(self.discriminator.inputs) > 1:
            x = [images, ops.concatenate([self._label_column(labels, batch_size)] * 2, axis=0)]
        # Lecture 004: "Turn on D." Needed at every call: a retrace reads the flag again.
        self.discriminator.trainable = True
        return float(self.discriminator.train_on_batch(x, y))

    def train_generator(self, batch_size, labels=None):
        """One DG step (D frozen) on a fresh latent batch. Returns DG's loss."""
        if self.combined is None:
            raise RuntimeError("Call `compile()` before training. Received: an uncompiled ClassicGAN")
        _, real_target = generator_cost(self.loss, self.head)
        latent = self.sample_latent(batch_size)
        x = [latent, self._label_column(labels, batch_size)] if self.conditional else latent
        # Lecture 004: "Turn off training of D."
        self.discriminator.trainable = False
        return float(self.combined.train_on_batch(x, targets(self.head, batch_size, real=real_target)))

    def fit(self, dataset, epochs=1, callbacks=None, verbose=1, steps_per_epoch=None, initial_epoch=0, shuffle=None):
        """Runs the alternating `train_on_batch` loop over `dataset`.

        Args:
            dataset: a `tf.data.Dataset` (or any iterable) of image batches or
                `(images, labels)` batches; labels are used only by
                conditional models.
            epochs: passes over the dataset.
            callbacks: Keras callbacks (`kgan.callbacks.*`, `EarlyStopping`, ...).
            verbose: 0 silent; 1 a progress bar with the running D and DG
                losses and the lecture's line per epoch; 2 the line only.
            steps_per_epoch: batches per epoch (default: the whole dataset).
            initial_epoch: the epoch to start at (to resume a run), as in `keras.Model.fit`.
            shuffle: ignored (accepted so `fit` calls written for `GAN.fit` run unchanged).

        Returns:
            A `keras.callbacks.History` whose `history` holds the per-epoch
            means of `d_loss` and `g_loss`.
        """
        check_positive_int("epochs", epochs)
        if self.combined is None:
            self.compile()
        steps = steps_per_epoch or _cardinality(dataset)
        # The callbacks see this ClassicGAN (not a keras.Model) as their model.
        callbacks = callback_list(callbacks, self, verbose=verbose, epochs=epochs, steps=steps)
        self.stop_training = False
        callbacks.on_train_begin()
        logs = {}
        # With steps_per_epoch, epochs share one iterator (as in keras.Model.fit), so a
        # repeated dataset continues where the last epoch stopped.
        iterator = iter(dataset) if steps_per_epoch else None
        for epoch in range(initial_epoch, epochs):
            callbacks.on_epoch_begin(epoch)
            bar = keras.utils.Progbar(steps, verbose=1 if verbose == 1 else 0, unit_name="step")
            d_losses, g_losses = [], []
            batches = iterator if iterator is not None else dataset
            for step, batch in enumerate(itertools.islice(batches, steps) if steps else batches):
                callbacks.on_train_batch_begin(step)
                images, labels = _unpack(batch)
                d_losses.append(self.train_discriminator(images, labels))
                if (step + 1) % self.d_steps == 0:
                    g_losses.append(self.train_generator(int(images.shape[0]), labels))
                # g_loss is logged once G has had a step (a NaN would read as divergence).
                batch_logs = {"d_loss": d_losses[-1], **({"g_loss": g_losses[-1]} if g_losses else {})}
                bar.update(
                    step + 1,
                    [("D loss", batch_logs["d_loss"])] + ([("DG loss", batch_logs["g_loss"])] if g_losses else []),
                )
                callbacks.on_train_batch_end(step, batch_logs)
            logs = {
                "d_loss": float(np.mean(d_losses)) if d_losses else math.nan,
                "g_loss": float(np.mean(g_losses)) if g_losses else math.nan,
            }
            if verbose:
                # The lecture's log line.
                print(f"{epoch}: [D loss: {logs['d_loss']:.6f}] [DG loss: {logs['g_loss']:.6f}]")
            callbacks.on_epoch_end(epoch, logs)
            if self.stop_training:
                break
        # Leave D trainable, as it was before the loop: a user's later D.fit or GAN.fit trains it.
        self.discriminator.trainable = True
        callbacks.on_train_end(logs)
        return self.history


def _cardinality(dataset):
    if isinstance(dataset, tf.data.Dataset):
        n = int(dataset.cardinality())
        return n if n >= 0 else None
    try:
        return len(dataset)
    except TypeError:
        return None


def _unpack(batch):
    if isinstance(batch, (tuple, list)):
        return batch[0], (batch[1] if len(batch) > 1 else None)
    return batch, None
