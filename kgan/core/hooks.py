"""`GANHooks`: the pieces of `kgan.core.gan.GAN` that variants plug into.

Sampling the latent and the fake labels, running G and D (D's verdict read as
logits, whatever its head), what D sees (augmentation, instance noise), the
two losses with their penalties, and the EMA generator. `GAN` mixes this class
in; `kgan.variants` override its methods (`discriminator_loss`,
`generator_loss`, `sample_fake_labels`, `discriminator_inputs`,
`after_discriminator_step`).
"""

import keras
from keras import ops

from kgan.core import augment as augment_lib
from kgan.core.distribute import replica_rows
from kgan.core.heads import head_kind


class GANHooks:
    """The methods of `GAN` that variants plug into (a mixin of `keras.Model`; see `GAN` for the attributes)."""

    def sample_latent(self, batch_size):
        """Latent vectors `(batch_size, latent_dim)` from the model's seeded distribution.

        Under `tf.distribute` each replica gets its own rows of one global draw
        (`kgan.core.distribute.replica_rows`), so the replicas' noise is independent.
        """
        return replica_rows(lambda n: self.spec.sample_latent(n, self.seed_generator), batch_size)

    def generate(self, latent, labels=None, training=False):
        """Runs the generator on `latent` (and `labels`, if conditional).

        Args:
            latent: latent vectors `(batch, latent_dim)`.
            labels: for a conditional generator, integer class ids of shape
                `(batch,)` or `(batch, 1)`.
            training: `True` inside the train step (the raw G, in training
                mode); `False` for sampling, which uses `sampler` (the EMA
                generator when `ema` is set).

        Raises:
            ValueError: if a conditional generator gets no labels, labels of
                the wrong length, or labels outside `[0, num_classes)`, or an
                unconditional one gets labels (`GeneratorSpec.check_labels`).
        """
        latent = ops.convert_to_tensor(latent, "float32")
        generator = self.generator if training else self.sampler
        labels = self.spec.check_labels(labels, ops.shape(latent)[0])
        if self.conditional:
            return generator([latent, _as_label_column(labels)], training=training)
        return generator(latent, training=training)

    @property
    def sampler(self):
        """The generator to sample from and to export: the EMA generator if `ema` is set, else G."""
        return self.generator if self.ema_generator is None else self.ema_generator

    def update_ema(self):
        """Moves the EMA generator's weights towards G's (after every G step).

        Under `tf.distribute` every replica updates its own copy from its own
        (mirrored, identical) G, so the copies stay equal without a reduction.
        """
        steps = ops.cast(self.g_optimizer.iterations, "float32")
        decay = ops.minimum(self.ema, (1.0 + steps) / (10.0 + steps))
        for average, weight in zip(self.ema_generator.weights, self.generator.weights):
            if weight.trainable:
                average.assign(decay * average + (1.0 - decay) * weight)
            else:
                average.assign(weight)

    def discriminate(self, images, labels=None, training=False):
        """D's verdict on `images` as logits of shape `(batch,)`, whatever D's head."""
        inputs = images
        if len(self.discriminator.inputs) > 1:
            labels = self.spec.check_labels(labels, ops.shape(images)[0]) if self.conditional else labels
            inputs = [images, _as_label_column(labels)]
        if self._read_logits is not None:
            return self._read_logits(inputs, training=training)
        return self._to_logits(self.discriminator(inputs, training=training))

    def sample_fake_labels(self, labels, batch_size):
        """The labels that condition a generated batch (`None` if unconditional).

        `fake_labels="data"` reuses the real batch's labels; `"random"` draws
        them uniformly over the classes with the model's seeded noise.
        """
        if not self.conditional:
            return None
        if self.fake_labels == "data":
            return labels
        return self.uniform_labels(batch_size, self.num_classes)

    def uniform_labels(self, batch_size, num_classes):
        """`batch_size` integer ids uniform over `[0, num_classes)`, from the model's seeded noise, per replica."""
        return replica_rows(
            lambda n: keras.random.randint((n,), 0, num_classes, seed=self.seed_generator, dtype="int32"),
            batch_size,
        )

    def instance_noise_stddev(self):
        """The current standard deviation of the instance noise (annealed by D's step count)."""
        stddev = ops.convert_to_tensor(self.instance_noise, "float32")
        if self.instance_noise_steps is None:
            return stddev
        progress = ops.cast(self.d_optimizer.iterations, "float32") / float(self.instance_noise_steps)
        return stddev * ops.maximum(0.0, 1.0 - progress)

    def discriminator_inputs(self, images):
        """What D sees of `images`: the images plus (annealed) instance noise, if enabled.

        Every loss passes real and generated images through this before D, in
        D's step and in G's step alike, so both distributions are blurred the
        same way (Sonderby et al. 2017, "Amortised MAP inference", Sec. 3.1).
        Differentiable augmentation (`augment`) comes first, for the same
        reason (Zhao et al. 2020: augmenting only the real images teaches G
        to draw augmented ones).
        """
        if self.augment:
            images = augment_lib.diff_augment(images, self.augment, self.augment_p, seed=self.seed_generator)
        if not self.instance_noise:
            return images
        shape = ops.shape(images)
        noise = replica_rows(lambda n: keras.random.normal((n, *shape[1:]), seed=self.seed_generator), shape[0])
        return images + self.instance_noise_stddev() * noise

    def after_discriminator_step(self, logs):
        """Called after every D update with the logs of `discriminator_loss`.

        WGAN clips D's weights here; BEGAN updates its equilibrium term k_t.
        """

    def _discriminator_head(self, discriminator):
        """How D's output is read; variants with another kind of D override it."""
        return head_kind(discriminator)

    def _to_logits(self, outputs):
        # Only for Ds whose pre-activation output cannot be read (see `logit_reader`).
        outputs = ops.cast(outputs, "float32")
        if self._head == "logit":
            return ops.reshape(outputs, (-1,))
        eps = keras.config.epsilon()
        if self._head == "sigmoid":
            p = ops.clip(ops.reshape(outputs, (-1,)), eps, 1.0 - eps)
            return ops.log(p) - ops.log1p(-p)
        # Two-way softmax over [fake, real] (lecture 004): sigmoid(log p_real - log p_fake) == p_real.
        p = ops.clip(outputs, eps, 1.0 - eps)
        return ops.log(p[:, 1]) - ops.log(p[:, 0])

    def discriminator_loss(self, real_images, fake_images, labels=None, fake_labels=None):
        """D's loss on a real and a generated batch. Returns `(loss, logs)`.

        Override to change what D learns (ACGAN adds a classification term);
        the train step stays the same. `fake_labels` (default `labels`) are
        the labels the fakes were generated for.
        """
        fake_labels = labels if fake_labels is None else fake_labels
        real_logits = self.discriminate(self.discriminator_inputs(real_images), labels, training=True)
        fake_logits = self.discriminate(self.discriminator_inputs(fake_images), fake_labels, training=True)
        loss = self.gan_loss.discriminator(real_logits, fake_logits, label_smoothing=self.label_smoothing)
        logs = {
            "d_real_acc": ops.mean(ops.cast(real_logits >= 0.0, "float32")),
            "d_fake_acc": ops.mean(ops.cast(fake_logits < 0.0, "float32")),
        }
        return self.add_penalties(loss, logs, real_images, fake_images, labels)

    def add_penalties(self, loss, logs, real_images, fake_images, labels=None):
        """Adds every penalty to D's `loss` and its value to `logs`. Returns `(loss, logs)`.

        Variants that override `discriminator_loss` end with this call.
        """
        logs = dict(logs)
        for penalty, tracker in zip(self.penalties, self.penalty_trackers):
            value = penalty(self, real_images, fake_images, labels)
            logs[tracker.name] = value
            loss = loss + value
        return loss, logs

    def generator_loss(self, fake_images, labels=None, real_images=None, real_labels=None):
        """G's loss on a generated batch (made for `labels`). Returns `(loss, logs)`.

        The train step also passes the real batch (`real_images`, `real_labels`),
        as StyleGAN2's loss phases do, for losses that compare with it.
        """
        fake_logits = self.discriminate(self.discriminator_inputs(fake_images), labels, training=True)
        return self.adversarial_generator_loss(fake_logits, real_images, real_labels), {}

    def adversarial_generator_loss(self, fake_logits, real_images=None, real_labels=None):
        """`gan_loss.generator` of D's logits on the fakes, and on the real batch for a relativistic loss."""
        if not self.gan_loss.generator_needs_real:
            return self.gan_loss.generator(fake_logits)
        if real_images is None:
            raise ValueError(
                f"The {self.gan_loss.name} loss compares with the real batch in G's step. Received: real_images=None"
            )
        real_logits = self.discriminate(self.discriminator_inputs(real_images), real_labels, training=True)
        return self.gan_loss.generator(fake_logits, real_logits)


def _as_label_column(labels):
    """Integer labels as `(batch, 1)`, the shape the conditional builders take."""
    labels = ops.cast(labels, "int32")
    return ops.reshape(labels, (-1, 1))
