"""Progressive growing of GANs (Karras et al. 2018, arXiv 1710.10196) on the one train step.

G and D start at a low resolution (7 x 7 for MNIST, 4 x 4 for sizes that are
4 times a power of two) and grow by doubling it; each new block is faded in
with alpha from 0 to 1 over `fade_images` images, then trains alone for
`stable_images` images, as the paper does (600k + 600k there). The networks
are built once at the final resolution (`kgan.models.pggan`); how far they
have grown is their `level`, which this class sets from the images it has
seen. The loss is the paper's: WGAN-GP (lambda 10) plus the drift term
`0.001 * E[D(x)^2]` that keeps the critic's output near 0.

Each step trains the smallest networks its level needs
(`kgan.models.pggan.stage_networks`: the same layers, without the blocks
not yet grown or still faded out at alpha 0), in a compiled train step of
their own (`PGGAN.make_train_function`); sampling and the export use the
full networks, which compute the same images at that level.

The schedule advances inside the train step, not in a callback: per batch
(a callback could only act between `steps_per_execution` blocks), as
variables the compiled step reads and writes (so XLA and tf.distribute need
nothing new), and with the step's own global batch size. `images_seen`,
`stage` and `alpha` are non-trainable variables of the GAN, so checkpoints
hold them and a resumed run goes on mid-fade where it stopped.

`categories=K` adds InfoGAN's categorical code (kgan's addition to the paper,
`kgan.variants.infogan.CategoricalCodeTerms`): G reads one of K categories
from its latent vector, D has a Q head that must tell it from the image, and
both losses add Q's cross-entropy; the export still takes the latent only.
"""

import math
import warnings

import keras
import tensorflow as tf
from keras import ops

from kgan.core import GAN
from kgan.core.penalties import GradientPenalty
from kgan.core.utils import check_positive_int
from kgan.models.pggan import (
    ProgressiveLevel,
    build_pggan_discriminator,
    build_pggan_generator,
    progressive_resolutions,
    real_images_at_level,
    stage_networks,
)
from kgan.variants.infogan import CategoricalCodeTerms
from kgan.variants.registry import register_variant


def growth_schedule(images_seen, num_stages, fade_images, stable_images):
    """`(stage, alpha)` after `images_seen` images: stage 0 alone, then per stage a fade-in and a stable phase.

    Stage 0 trains for `stable_images`; each later stage fades in over
    `fade_images` (alpha from 0 to 1), then trains for `stable_images` at
    alpha 1; the last stage stays. Works on Python numbers and on tensors.

    Example:
        >>> growth_schedule(150, num_stages=3, fade_images=100, stable_images=100)  # half-way into stage 1
        (1, 0.5)
    """
    seen = ops.cast(images_seen, "float32")
    since = seen - float(stable_images)
    period = float(fade_images + stable_images)
    stage = ops.clip(ops.floor(since / period) + 1.0, 0.0, float(num_stages - 1))
    into = seen - float(stable_images) - (stage - 1.0) * period
    alpha = ops.where(stage > 0, ops.clip(into / float(fade_images), 0.0, 1.0), 1.0)
    if isinstance(images_seen, (int, float)):
        return int(stage), float(alpha)
    return ops.cast(stage, "int32"), alpha


def level_of(stage, alpha):
    """The networks' level for `(stage, alpha)`: `stage - 1 + alpha`, 0 for stage 0."""
    return ops.maximum(ops.cast(stage, "float32") - 1.0 + ops.cast(alpha, "float32"), 0.0)


@register_variant("pggan")
@keras.saving.register_keras_serializable(package="kgan")
class PGGAN(CategoricalCodeTerms, GAN):
    """Progressive growing of GANs (Karras et al. 2018): WGAN-GP with drift, on networks that grow as it trains.

    With a code (networks built with `categorical_code=K`; `build_variant("pggan",
    ..., categories=K)`), InfoGAN's term is added as in `kgan.variants.InfoGAN`:
    D minimises `L_D + info_weight * CE(Q(G(z, c)), c)` and G
    `L_G + info_weight * CE(Q(G(z, c)), c)`, with `c` uniform; Q's accuracy
    on the fakes is logged as `info_acc`, and `generate(latent, codes)` draws
    for given codes.

    Args:
        generator, discriminator: networks of `kgan.models.build_pggan_generator`
            and `build_pggan_discriminator` (built at the same image size, both
            with or both without `categorical_code`), or any pair with a
            `ProgressiveLevel` layer named `level` each.
        fade_images: images over which each new block fades in (alpha 0 -> 1).
        stable_images: images each resolution trains alone before the next
            one fades in (the first resolution's whole phase).
        gp_weight: lambda of the gradient penalty (10 in the paper); 0 leaves it out,
            for another loss with its own penalty (e.g. non-saturating with R1).
        drift_weight: epsilon of the drift term `E[D(x)^2]` (0.001 in the paper).
        info_weight: the weight of the code's term (with a code; >= 0).
        **kwargs: any other `kgan.GAN` argument (`ema` is the paper's G average).

    Raises:
        ValueError: for networks without a `level` layer or that disagree on
            the number of stages or on the code, or a schedule that is not positive.

    Example:
        >>> gan = kgan.variants.build_variant("pggan", image_shape=(28, 28, 1), seed=0, fade_images=20000)
        >>> gan.num_stages, int(gan.stage), float(gan.alpha)
        (3, 0, 1.0)
    """

    logs_accuracy = False  # a critic
    default_loss = "wasserstein"
    toy = False  # it grows convolutional networks
    own_networks = True  # the paper's (kgan.models.pggan): --arch and --init are refused
    options = ("gp_weight", "fade_images", "stable_images", "categories", "info_weight")
    code_optional = True  # `categories` 0 or None: the paper's networks, without a code
    # The paper's Adam at three times its rate (1e-3): on the 5,000 digits the coarse stages learn the shapes
    # faster (benchmarks/RESULTS.md, "PGGAN": without the code, classifier score 7.9 at 3e-3, 7.5 at 2e-3, 6.5-6.7
    # at 1e-3 for the same CPU time).
    optimizer_defaults = dict(optimizer="adam", learning_rate=3e-3, beta_1=0.0, beta_2=0.99)

    def __init__(
        self,
        generator,
        discriminator,
        *,
        fade_images=60_000,
        stable_images=60_000,
        gp_weight=10.0,
        drift_weight=0.001,
        info_weight=1.0,
        loss=None,
        **kwargs,
    ):
        super().__init__(generator, discriminator, loss=loss, **kwargs)
        self.num_stages = _num_stages(generator, discriminator)
        q_head = int(discriminator.outputs[1].shape[-1]) if len(discriminator.outputs) > 1 else None
        self.init_code(info_weight, q_head)
        self.fade_images = check_positive_int("fade_images", fade_images)
        self.stable_images = check_positive_int("stable_images", stable_images)
        if not drift_weight >= 0.0:
            raise ValueError(f"`drift_weight` must be >= 0. Received: drift_weight={drift_weight!r}")
        self.drift_weight = float(drift_weight)
        self.gradient_penalty = GradientPenalty(gp_weight)
        self.gp_weight = self.gradient_penalty.weight
        if self.gp_weight > 0:  # at 0 its double backward pass would cost as much as a weighted one
            self.add_penalty(self.gradient_penalty)
        self.add_metric_tracker("drift")
        self.level_tracker = self.add_metric_tracker("level")
        # The growth state; every replica computes the same, the first one's is kept.
        state = dict(trainable=False, aggregation="only_first_replica")
        self.images_seen = keras.Variable(0, dtype="int64", name="images_seen", **state)
        self.stage = keras.Variable(0, dtype="int32", name="stage", **state)
        self.alpha = keras.Variable(1.0, dtype="float32", name="alpha", **state)
        self.grow()  # networks passed in at another level start at the GAN's
        self._stages = _StageNetworks(*stage_networks(generator, discriminator))
        self._training_stage = None  # the stage of the train step last called, whose networks it runs (None: all)

    @classmethod
    def build_networks(
        cls,
        arch,
        image_shape,
        latent_dim=None,
        *,
        num_classes=None,
        init=None,
        seed=None,
        spectral_norm=False,
        categories=None,
        **options,
    ):
        """The paper's networks at `image_shape` (`kgan.models.pggan`), with a `categories`-way code if set.

        `categories` None or 0 builds the paper's networks, without a code. `arch` and `init` do not apply.
        """
        del arch, num_classes, init  # PGGAN's own networks: equalised learning rate, unconditional
        if spectral_norm:
            raise ValueError("PGGAN's critic has the gradient penalty, not spectral norm. Received: spectral_norm=True")
        code = dict(categorical_code=None if categories == 0 else categories)  # 0: `--categories 0`, no code
        generator = build_pggan_generator(latent_dim or 64, tuple(image_shape), seed=seed, **code)
        d_seed = None if seed is None else seed + 1000
        discriminator = build_pggan_discriminator(tuple(image_shape), seed=d_seed, **code)
        return generator, discriminator, options

    @property
    def level(self):
        """How far the networks have grown: `stage - 1 + alpha` (0 at stage 0), as G and D read it."""
        return level_of(self.stage, self.alpha)

    def progress_caption(self):
        """How far the networks have grown, for sample grids: `"14 x 14"`, `"28 x 28 fading in (alpha 0.25)"`."""
        height, width = progressive_resolutions(self.generator.output_shape[1:])[int(self.stage)]
        alpha = float(self.alpha)
        return f"{height} x {width}" + ("" if alpha == 1.0 else f" fading in (alpha {alpha:.2f})")

    def set_images_seen(self, images_seen):
        """Sets the images seen and grows the networks to them (`grow`). Returns the level."""
        self._training_stage = None  # the full networks until the next train step picks its stage
        self.images_seen.assign(ops.cast(images_seen, "int64"))
        return self.grow()

    def grow(self, max_level=None):
        """Sets `stage`, `alpha` and the networks' level from `images_seen` (`growth_schedule`). Returns the level.

        `max_level` holds the networks' level at most there (a compiled step
        whose networks stop at that stage); `stage` and `alpha` follow the schedule.
        """
        stage, alpha = growth_schedule(self.images_seen, self.num_stages, self.fade_images, self.stable_images)
        self.stage.assign(ops.cast(stage, "int32"))
        self.alpha.assign(ops.cast(alpha, "float32"))
        level = self.level if max_level is None else ops.minimum(self.level, float(max_level))
        for network in (self.generator, self.discriminator, self.ema_generator):
            if network is not None:
                network.get_layer("level").level.assign(level)
        return level

    def train_step(self, data):
        """Grows the networks to this batch's place in the schedule, shows D the real images at that level, steps."""
        images, labels, _ = keras.utils.unpack_x_y_sample_weight(data)
        replicas = tf.distribute.get_strategy().num_replicas_in_sync
        level = self.grow(self._training_stage)
        self.images_seen.assign_add(ops.cast(ops.shape(images)[0] * replicas, "int64"))
        self.level_tracker.update_state(level)
        images = real_images_at_level(images, level, self.num_stages)
        return super().train_step(images if labels is None else (images, labels))

    def make_train_function(self, force=False):
        """`fit`'s train function: one compiled step per stage, each on that stage's networks (`stage_networks`).

        Before each call the stage the next step needs is read from
        `images_seen` (`ceil` of its level) and that stage's step is called,
        compiled at its first use. A call of several steps
        (`steps_per_execution`) that reaches the next stage holds the networks'
        level at the called stage's until the next call.
        """
        if self.train_function is not None and not force:
            return self.train_function
        steps = {}

        def train_function(iterator):
            stage, alpha = growth_schedule(
                int(self.images_seen.numpy()), self.num_stages, self.fade_images, self.stable_images
            )
            self._training_stage = math.ceil(float(level_of(stage, alpha)))  # read while the step is traced
            if self._training_stage not in steps:
                super(PGGAN, self).make_train_function(force=True)
                steps[self._training_stage], self.train_function = self.train_function, train_function
            with warnings.catch_warnings():
                # The blocks a stage leaves out get no gradient, as they got zero from the full networks: no update.
                warnings.filterwarnings("ignore", "Gradients do not exist for variables", UserWarning)
                return steps[self._training_stage](iterator)

        self.train_function = train_function
        return train_function

    def generate(self, latent, labels=None, training=False):
        """G's images (with a code, `labels` are codes); in `fit`'s train step from its stage's G: the same, faster."""
        latent, labels = self.coded_latent(latent, labels)
        if training and self._training_stage is not None:
            return self._stages.generators[self._training_stage](latent, training=True)
        return super().generate(latent, labels, training=training)

    def discriminate_and_classify(self, images, training=False):
        """D's logits `(batch,)` and, with a code, Q's logits `(batch, categories)` (else None), from one D call.

        In `fit`'s train step D is its stage's discriminator (`stage_networks`): the same, faster.
        """
        discriminator = self.discriminator
        if training and self._training_stage is not None:
            discriminator = self._stages.discriminators[self._training_stage]
        outputs = discriminator(images, training=training)
        if self.categories is None:
            return self._to_logits(outputs), None
        return self._to_logits(outputs[0]), ops.cast(outputs[1], "float32")

    def discriminate(self, images, labels=None, training=False):
        """D's logits `(batch,)` (labels are not D's input)."""
        return self.discriminate_and_classify(images, training=training)[0]

    def _discriminator_head(self, discriminator):
        if len(discriminator.outputs) == 2 and discriminator.outputs[0].shape[-1] == 1:
            return "logit"  # [score, Q's code logits]
        return super()._discriminator_head(discriminator)

    def discriminator_loss(self, real_images, fake_images, labels=None, fake_labels=None):
        """WGAN-GP's critic loss plus the drift term `drift_weight * E[D(x)^2]` (Karras et al. 2018, Sec. A.1).

        With a code, plus the code's term on the fakes (`information_term`).
        """
        real_logits = self.discriminate(self.discriminator_inputs(real_images), training=True)
        fake_logits, fake_codes = self.discriminate_and_classify(self.discriminator_inputs(fake_images), True)
        drift = self.drift_weight * ops.mean(ops.square(real_logits))
        loss = self.gan_loss.discriminator(real_logits, fake_logits) + drift
        if fake_codes is not None:
            loss = loss + self.information_term(fake_labels, fake_codes)[0]
        return self.add_penalties(loss, {"drift": drift}, real_images, fake_images, labels)

    def generator_loss(self, fake_images, labels=None, real_images=None, real_labels=None):
        """G's adversarial loss; with a code, plus the code's term (`labels`: the codes), logging `info_acc`."""
        fake_logits, codes = self.discriminate_and_classify(self.discriminator_inputs(fake_images), True)
        loss = self.adversarial_generator_loss(fake_logits, real_images, real_labels)
        if codes is None:
            return loss, {}
        information, accuracy = self.information_term(labels, codes)
        return loss + information, {"info_acc": accuracy}

    def get_config(self):
        return {
            **super().get_config(),
            "fade_images": self.fade_images,
            "stable_images": self.stable_images,
            "gp_weight": self.gp_weight,
            "drift_weight": self.drift_weight,
            "info_weight": self.info_weight,
        }


class _StageNetworks:
    """The stages' G and D (`stage_networks`), kept out of Keras' tracking: they share G's and D's layers, not saved."""

    def __init__(self, generators, discriminators):
        self.generators, self.discriminators = generators, discriminators


def _num_stages(generator, discriminator):
    """The number of resolutions G and D grow through (their `level` layers'), checked to agree."""
    stages = []
    for network in (generator, discriminator):
        layer = next((layer for layer in network.layers if layer.name == "level"), None)
        if not isinstance(layer, ProgressiveLevel):
            raise ValueError(
                "PGGAN grows networks with a ProgressiveLevel layer named 'level' (kgan.models.build_pggan_generator "
                f"and build_pggan_discriminator). Received: {network.name!r} without one"
            )
        stages.append(layer.num_stages)
    if stages[0] != stages[1]:
        raise ValueError(
            f"G and D must grow through the same resolutions. Received: {stages[0]} and {stages[1]} stages"
        )
    return stages[0]
