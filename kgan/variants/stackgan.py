"""StackGAN (Zhang et al. 2017, arXiv 1612.03242): text to image in two stages, each a conditional GAN.

Not a latent-only GAN, so, like CycleGAN, it has its own `train_step` instead of `kgan.core`'s one: its inputs are
`(images, captions, mismatched captions)` triples, its generators take a text embedding, and its discriminators
judge an image and a text together. Stage I trains G0 (z and the text to low-resolution images) against D0; stage
II trains G1 (G0's image and the text to full-resolution images) against D1 while G0 and the text encoder stay
frozen, the paper's order (`StackGAN.stage`).

Each discriminator is matching-aware (as in the paper, after Reed et al. 2016): a real image with its own
caption is real; a generated image with its caption, and a real image with a caption of another digit (drawn by
`kgan.data.captions.caption_dataset`, never one naming the image's own digit), are fake, weighted 0.5 each
(`matching_aware_discriminator_loss`). The generator's loss adds the KL term of its conditioning augmentation
(`kgan.models.stackgan.ConditioningAugmentation`), weighted by `kl_weight` (2, with the KL per dimension, as the
authors' released code; the paper writes lambda = 1 for its sum).

The text encoder, trained from scratch here where the paper's is pre-trained, learns with the stage-I
discriminator: telling a matching caption from a mismatched one is what makes it separate the digits. G reads
its embedding as a constant.
"""

import keras
import tensorflow as tf
from keras import ops

from kgan.core._keras_compat import DatasetsShuffleThemselves, SavesSeedState
from kgan.core.optimizers import TwoOptimizers

STAGES = (1, 2)


def matching_aware_discriminator_loss(real_logits, fake_logits, mismatched_logits):
    """The matching-aware D loss: `-log D(real, text) - 0.5 log(1 - D(fake, text)) - 0.5 log(1 - D(real, other))`.

    Args:
        real_logits: D's logits on real images with their captions (to be called real).
        fake_logits: on generated images with the captions they were made from (fake).
        mismatched_logits: on real images with captions that do not match them (fake).

    Returns:
        The batch mean, a scalar (`softplus` forms of the cross-entropies, stable for any logit).
    """
    real, fake, mismatched = (ops.cast(x, "float32") for x in (real_logits, fake_logits, mismatched_logits))
    return ops.mean(ops.softplus(-real)) + 0.5 * (ops.mean(ops.softplus(fake)) + ops.mean(ops.softplus(mismatched)))


def stackgan_generator_loss(fake_logits):
    """G's non-saturating loss, `-log D(G(z, text), text)`, the batch mean."""
    return ops.mean(ops.softplus(-ops.cast(fake_logits, "float32")))


def stage1_pull_loss(images, stage1_images):
    """The mean absolute difference between G1's images and G0's, enlarged to their size (bilinear).

    Not in the paper: a pull that keeps stage II's refinement near the digit stage I drew (`pull_weight`).

    Args:
        images: G1's images, `(batch, H, W, C)`.
        stage1_images: the G0 images they refine, `(batch, h, w, C)`.

    Returns:
        A scalar, the mean over the batch and the pixels.
    """
    images = ops.cast(images, "float32")
    height, width = images.shape[1], images.shape[2]
    enlarged = ops.image.resize(ops.cast(stage1_images, "float32"), (height, width), interpolation="bilinear")
    return ops.mean(ops.abs(images - enlarged))


@keras.saving.register_keras_serializable(package="kgan")
class StackGAN(SavesSeedState, DatasetsShuffleThemselves, TwoOptimizers, keras.Model):
    """StackGAN: `fit` it on `(images, captions, mismatched_captions)` batches (`caption_dataset`'s);
    `stackgan.generate(captions)` draws images.

    Args:
        text_encoder: captions (a string tensor) to text embeddings (`kgan.models.stackgan.build_text_encoder`).
        stage1_generator: G0, `(latent, embedding)` to `(low-resolution images, kl)`.
        stage1_discriminator: D0, `(low-resolution images, embedding)` to logits.
        stage2_generator: G1, `(G0's images, embedding)` to `(images, kl)`.
        stage2_discriminator: D1, `(images, embedding)` to logits.
        stage: 1 (train G0, D0 and the text encoder) or 2 (train G1 and D1; G0 and the encoder frozen).
            Setting `stackgan.stage` later freezes or unfreezes them; compile again after changing it.
        kl_weight: the weight of the conditioning augmentation's KL term in G's loss.
        pull_weight: in stage II, the weight in G1's loss of `stage1_pull_loss`, the L1 distance of its images
            to G0's enlarged (0: the paper's loss).
        seed: seed of the latent draws.

    Logs `d_loss`, `g_loss` (the adversarial term, the weighted KL and, in stage II, the weighted pull), `kl`
    (unweighted) and, in stage II, `pull` (unweighted).

    Example:
        >>> from kgan.data.captions import caption_vectorizer
        >>> from kgan.models.stackgan import build_stackgan_networks
        >>> stackgan = StackGAN(*build_stackgan_networks(caption_vectorizer()), stage=1)
        >>> stackgan.compile()
        >>> # stackgan.fit(kgan.data.captions.caption_dataset(images, labels, 64), steps_per_epoch=..., epochs=...)
        >>> # stackgan.stage = 2; stackgan.compile(); stackgan.fit(...)
    """

    def __init__(
        self,
        text_encoder,
        stage1_generator,
        stage1_discriminator,
        stage2_generator,
        stage2_discriminator,
        *,
        stage=1,
        kl_weight=2.0,
        pull_weight=0.0,
        seed=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        for name, value in (("kl_weight", kl_weight), ("pull_weight", pull_weight)):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < float("inf"):
                raise ValueError(f"`{name}` must be a finite number >= 0. Received: {name}={value!r}")
        self.text_encoder = text_encoder
        self.stage1_generator = stage1_generator
        self.stage1_discriminator = stage1_discriminator
        self.stage2_generator = stage2_generator
        self.stage2_discriminator = stage2_discriminator
        self.kl_weight = float(kl_weight)
        self.pull_weight = float(pull_weight)
        self.seed = seed
        self.latent_dim = int(stage1_generator.inputs[0].shape[-1])
        self.low_shape = tuple(int(d) for d in stage1_generator.outputs[0].shape[1:])
        self.image_shape = tuple(int(d) for d in stage2_generator.outputs[0].shape[1:])
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.stage = stage
        self.trackers = {name: keras.metrics.Mean(name=name) for name in ("d_loss", "g_loss", "kl", "pull")}
        self.built = True  # the five networks are built functional models

    @property
    def stage(self):
        return self._stage

    @stage.setter
    def stage(self, stage):
        if stage not in STAGES or isinstance(stage, bool):
            raise ValueError(f"`stage` must be 1 or 2. Received: stage={stage!r}")
        self._stage = stage
        # Stage II trains on a fixed stage I (the paper's order): G0 and the text encoder freeze.
        self.stage1_generator.trainable = stage == 1
        self.text_encoder.trainable = stage == 1

    @property
    def metrics(self):
        return [tracker for name, tracker in self.trackers.items() if name != "pull" or self.stage == 2]

    def _networks(self):
        """`(generator, discriminator)` of the current stage."""
        if self.stage == 1:
            return self.stage1_generator, self.stage1_discriminator
        return self.stage2_generator, self.stage2_discriminator

    def _d_variables(self):
        extra = self.text_encoder.trainable_variables if self.stage == 1 else []
        return self._networks()[1].trainable_variables + extra

    def _g_variables(self):
        return self._networks()[0].trainable_variables

    def compile(self, d_optimizer=None, g_optimizer=None, **kwargs):
        """Configures the current stage's two optimizers (default: the paper's Adam(2e-4, beta_1=0.5) each).

        `kwargs` go to `keras.Model.compile`. Compile again after changing `stage`: the optimizers hold the
        stage's variables.
        """
        super().compile(**kwargs)
        self._set_optimizers(
            keras.optimizers.get(d_optimizer or keras.optimizers.Adam(2e-4, beta_1=0.5)),
            keras.optimizers.get(g_optimizer or keras.optimizers.Adam(2e-4, beta_1=0.5)),
            self._d_variables(),
            self._g_variables(),
            kwargs,
        )

    def build(self, input_shape=None):
        self.built = True

    def sample_latent(self, batch_size):
        """`(batch_size, latent_dim)` standard normal draws from the model's seeded generator."""
        return keras.random.normal((batch_size, self.latent_dim), seed=self.seed_generator)

    def generate(self, captions, latent=None, training=False):
        """`(images, stage1_images)` for a batch of captions (a string tensor or array), drawing z if not given."""
        embedding = self.text_encoder(tf.convert_to_tensor(captions, tf.string), training=False)
        if latent is None:
            latent = self.sample_latent(ops.shape(embedding)[0])
        latent = ops.convert_to_tensor(latent, "float32")
        low, _ = self.stage1_generator([latent, embedding], training=training and self.stage == 1)
        images, _ = self.stage2_generator([low, embedding], training=training and self.stage == 2)
        return images, low

    def call(self, captions, training=False):
        """The full-resolution images for `captions` (z drawn from the model's seed)."""
        return self.generate(captions, training=training)[0]

    def _fake(self, latent, embedding, training):
        """The current stage's generated images, their KL terms and the stage-I images they refine (stage I:
        the generated images themselves)."""
        low, kl = self.stage1_generator([latent, embedding], training=training and self.stage == 1)
        if self.stage == 1:
            return low, kl, low
        return *self.stage2_generator([low, embedding], training=training), low

    def _real(self, images):
        """The real images at the current stage's size (stage I: resized down, with antialiasing)."""
        images = ops.cast(images, "float32")
        if self.stage == 1:
            return ops.image.resize(images, self.low_shape[:2], interpolation="bilinear", antialias=True)
        return images

    def train_step(self, data):
        if not isinstance(data, (tuple, list)) or len(data) != 3:
            raise ValueError(
                "StackGAN trains on (images, captions, mismatched_captions) batches "
                "(kgan.data.captions.caption_dataset). "
                f"Received: a batch of {len(data) if isinstance(data, (tuple, list)) else 1} element(s)"
            )
        images, captions, mismatched = data
        real = self._real(images)
        latent = self.sample_latent(ops.shape(real)[0])
        discriminator = self._networks()[1]
        with tf.GradientTape() as tape:
            embedding = self.text_encoder(captions, training=True)
            fake, _, _ = self._fake(latent, ops.stop_gradient(embedding), training=True)
            d_loss = matching_aware_discriminator_loss(
                discriminator([real, embedding], training=True),
                discriminator([ops.stop_gradient(fake), embedding], training=True),
                discriminator([real, self.text_encoder(mismatched, training=True)], training=True),
            )
        d_variables = self._d_variables()
        self.d_optimizer.apply_gradients(zip(tape.gradient(d_loss, d_variables), d_variables))
        with tf.GradientTape() as tape:
            embedding = ops.stop_gradient(self.text_encoder(captions, training=False))
            fake, kl, low = self._fake(latent, embedding, training=True)
            kl = ops.mean(kl)
            g_loss = stackgan_generator_loss(discriminator([fake, embedding], training=True)) + self.kl_weight * kl
            values = {"d_loss": d_loss, "kl": kl}
            if self.stage == 2:
                values["pull"] = stage1_pull_loss(fake, low)
                if self.pull_weight:
                    g_loss += self.pull_weight * values["pull"]
        g_variables = self._g_variables()
        self.g_optimizer.apply_gradients(zip(tape.gradient(g_loss, g_variables), g_variables))
        values["g_loss"] = g_loss
        for name, value in values.items():
            self.trackers[name].update_state(value)
        return {tracker.name: tracker.result() for tracker in self.metrics}

    _NETWORKS = ("text_encoder", "stage1_generator", "stage1_discriminator", "stage2_generator", "stage2_discriminator")

    def get_config(self):
        return {
            **super().get_config(),
            **{name: keras.saving.serialize_keras_object(getattr(self, name)) for name in self._NETWORKS},
            "stage": self.stage,
            "kl_weight": self.kl_weight,
            "pull_weight": self.pull_weight,
            "seed": self.seed,
        }

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        for name in cls._NETWORKS:
            config[name] = keras.saving.deserialize_keras_object(config[name], custom_objects=custom_objects)
        return cls(**config)
