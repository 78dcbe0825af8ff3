"""`GAN`: one `keras.Model` with one `train_step` for every kgan variant.

The train step is Goodfellow's Algorithm 1 (lecture 002) as lecture 001 writes
it: D on real and on generated samples (labels 1 and 0, the mean of both
errors), then G against D's "real" verdict. Variants plug in:

- a loss pair (`kgan.core.losses.GANLoss`: non-saturating by default),
- penalties added to D's loss (callables `penalty(gan, real, fake, labels)`),
- conditioning (a generator with a second, integer-label input),
- `d_steps` discriminator steps per generator step,
- the stabilising tricks of lectures 000-002 (one-sided label smoothing,
  annealed instance noise on D's inputs, penalties on D's weights),
- or, for deeper changes, overrides of `discriminator_loss` / `generator_loss`
  and of the hooks `sample_fake_labels`, `discriminator_inputs` and
  `after_discriminator_step` (`kgan.variants` is built from these).

Training is `gan.fit(dataset, callbacks=[...])`, so everything `fit` gives
(tf.function/XLA, progress bar, callbacks, distribution) stays.

The class is in three parts: `GAN` (its arguments, Keras plumbing and
serialisation), `kgan.core.hooks.GANHooks` (the pieces variants plug into)
and `kgan.core.train_step.TrainStep` (the train step).
"""

import warnings

import keras
import tensorflow as tf

from kgan.core import augment as augment_lib
from kgan.core import losses as losses_lib
from kgan.core._keras_compat import DatasetsShuffleThemselves, SavesSeedState, SkipSymbolicBuild
from kgan.core.arguments import FAKE_LABELS, check_ema, check_gan_arguments, check_probability
from kgan.core.heads import logit_reader
from kgan.core.hooks import GANHooks
from kgan.core.optimizers import TwoOptimizers, build_optimizer
from kgan.core.spec import GeneratorSpec
from kgan.core.train_step import TrainStep
from kgan.core.utils import check_positive_int


@keras.saving.register_keras_serializable(package="kgan")
class GAN(
    SavesSeedState, SkipSymbolicBuild, DatasetsShuffleThemselves, TrainStep, GANHooks, TwoOptimizers, keras.Model
):
    """A generative adversarial network trained with `fit`.

    Args:
        generator: a `keras.Model` from latent vectors `(batch, latent_dim)`
            (and, if conditional, integer labels `(batch, 1)`) to images.
        discriminator: a `keras.Model` from images (and labels, if
            conditional) to one logit, one sigmoid probability, or a two-way
            softmax over [fake, real] (lecture 004's head).
        loss: a name from `kgan.core.losses.LOSSES` or a `kgan.core.losses.GANLoss`.
            Default: the class's `default_loss` (`"non_saturating"` here).
        latent_distribution: `"normal"`, `"uniform"` ([-1, 1]) or `"uniform01"`.
        d_steps: discriminator steps per generator step (k of Algorithm 1,
            lecture 002). Every `fit` step trains D on a fresh real batch; G is
            trained on every `d_steps`-th step.
        label_smoothing: one-sided label smoothing of D's real target.
        penalties: callables `penalty(gan, real_images, fake_images, labels)`
            returning a scalar added to D's loss and logged under the
            callable's `name` (or `__name__`).
        seed: seed of the latent noise (`keras.random.SeedGenerator`), so a run
            can be repeated.
        num_classes: number of classes of a conditional GAN (default: read
            from the generator's label `Embedding`). Labels outside
            `[0, num_classes)` given to `generate` raise a `ValueError`.
        fake_labels: the labels that condition generated samples: `"data"`
            (those of the real batch, so fakes follow the data's class
            frequencies) or `"random"` (uniform over the classes, as lecture
            003's cGAN and ACGAN draw them).
        instance_noise: standard deviation of Gaussian noise added to every
            image D sees, real and fake (instance noise, Sonderby et al. 2017;
            lecture 000's "adding noise to discriminator inputs"). 0 disables it.
        instance_noise_steps: if set, the noise is annealed linearly to 0 over
            this many discriminator steps; `None` keeps it constant.
        ema: decay of an exponential moving average of G's weights (e.g.
            0.999; `None` disables it). The averaged generator,
            `ema_generator`, is what `generate(training=False)` (sample grids,
            metrics), `sampler` and the export use; the raw G keeps training.
            Its decay warms up as `min(ema, (1 + t) / (10 + t))` over G's first
            steps t (TF's `ExponentialMovingAverage` with `num_updates`), so
            the average forgets the random initial weights quickly. BatchNorm
            statistics are copied, not averaged (as StyleGAN2 does). Karras et
            al. 2018 (PGGAN); Yazici et al. 2019, "The Unusual Effectiveness
            of Averaging in GAN Training".
        augment: differentiable augmentation of every image D sees, real and
            generated, in D's step and G's step: operations of
            `kgan.core.augment.OPERATIONS`, comma-separated (`"color,translation,
            cutout"`, DiffAugment's full policy), or `None`.
        augment_probability: the probability of applying each operation to
            each image (1.0: DiffAugment); the starting value when adaptive.
        ada_target: if set, the probability adapts (ADA, Karras et al. 2020):
            after every D step it moves up when D's overfitting signal
            `r_t = E[sign(D(real))]` is above this target (ADA's 0.6) and down
            when below, by `batch / (ada_kimg * 1000)`, within [0, 1].
        ada_kimg: thousands of real images over which the adaptive probability
            can move from 0 to 1 (ADA uses 500 for long runs; shorter runs
            need a faster response).
        generator_spec: the `kgan.core.spec.GeneratorSpec` (or its config) a
            checkpoint recorded; checked against the one read from `generator`
            (checkpoints without it load too). The GAN's spec is `spec`.

    Example:
        >>> g, d = kgan.models.build_models("dcgan")
        >>> gan = GAN(g, d, seed=0)
        >>> gan.compile()
        >>> gan.fit(dataset, epochs=1)  # doctest: +SKIP
    """

    def __init__(
        self,
        generator,
        discriminator,
        *,
        loss=None,
        latent_distribution="normal",
        d_steps=1,
        label_smoothing=0.0,
        penalties=(),
        seed=None,
        num_classes=None,
        fake_labels="data",
        instance_noise=0.0,
        instance_noise_steps=None,
        ema=None,
        augment=None,
        augment_probability=1.0,
        ada_target=None,
        ada_kimg=100,
        generator_spec=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        check_gan_arguments(generator, discriminator, latent_distribution, label_smoothing)
        if fake_labels not in FAKE_LABELS:
            raise ValueError(f"`fake_labels` must be one of {FAKE_LABELS}. Received: fake_labels={fake_labels!r}")
        if not instance_noise >= 0.0:
            raise ValueError(f"`instance_noise` must be >= 0. Received: instance_noise={instance_noise!r}")
        if instance_noise_steps is not None:
            check_positive_int("instance_noise_steps", instance_noise_steps)
        self.generator = generator
        self.discriminator = discriminator
        self.gan_loss = losses_lib.get(self.default_loss if loss is None else loss)
        self.d_steps = check_positive_int("d_steps", d_steps)
        self.label_smoothing = float(label_smoothing)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)
        # The generator's contract, read once: every sampler, label check, callback and export reads this.
        self.spec = GeneratorSpec.from_generator(generator, latent_distribution, num_classes)
        if generator_spec is not None and GeneratorSpec.from_config(generator_spec) != self.spec:
            raise ValueError(
                f"The saved generator spec disagrees with the generator's {self.spec}. "
                f"Received: generator_spec={generator_spec!r}"
            )
        if fake_labels == "random" and self.conditional and self.num_classes is None:
            raise ValueError(
                "fake_labels='random' needs the number of classes; pass num_classes. Received: num_classes=None"
            )
        self.fake_labels = fake_labels
        self.instance_noise = float(instance_noise)
        self.instance_noise_steps = instance_noise_steps
        self.ema = check_ema(ema)
        # The averaged generator: a copy of G's graph whose weights follow G's (see `update_ema`).
        self.ema_generator = _average_of(generator) if self.ema is not None else None
        self.augment = ",".join(augment_lib.parse_policy(augment)) or None
        self.augment_probability = check_probability("augment_probability", augment_probability)
        self.ada_target = None if ada_target is None else check_probability("ada_target", ada_target)
        self.ada_kimg = float(ada_kimg)
        if not self.ada_kimg > 0:
            raise ValueError(f"`ada_kimg` must be a positive number. Received: ada_kimg={ada_kimg!r}")
        if self.augment and self.ada_target is None and self.augment_probability == 0.0:
            raise ValueError(
                "With a fixed probability of 0 the augmentation is never applied; set "
                "`augment_probability` > 0, an `ada_target`, or `augment=None`. "
                f"Received: augment={self.augment!r}, augment_probability=0.0, ada_target=None"
            )
        if self.ada_target is not None and not self.logs_accuracy:
            # ADA's signal is the sign of D's verdict on real images; a critic or an autoencoder has none.
            raise ValueError(
                f"`ada_target` needs a D with a real/fake verdict, which {type(self).__name__} lacks; "
                f"use a fixed `augment_probability`. Received: ada_target={ada_target!r}"
            )
        if self.ada_target is not None and self.augment is None:
            raise ValueError(
                f"`ada_target` adapts the augmentation's probability; set `augment` too. "
                f"Received: augment=None, ada_target={ada_target!r}"
            )
        # A variable, so the adaptive probability is checkpointed and a resumed run continues from it.
        self.augment_p = (
            keras.Variable(self.augment_probability, dtype="float32", trainable=False, name="augment_p")
            if self.augment
            else None
        )
        self._head = self._discriminator_head(discriminator)
        # A plain function (not tracked, so not saved): it shares D's variables.
        self._read_logits = logit_reader(discriminator, self._head)
        self.d_loss_tracker = keras.metrics.Mean(name="d_loss")
        self.g_loss_tracker = keras.metrics.Mean(name="g_loss")
        self.d_real_acc_tracker = keras.metrics.Mean(name="d_real_acc")
        self.d_fake_acc_tracker = keras.metrics.Mean(name="d_fake_acc")
        self.augment_p_tracker = keras.metrics.Mean(name="augment_p") if self.ada_target is not None else None
        # Penalties given by the caller (serialised in the config) and those a
        # variant adds itself with `add_penalty` (rebuilt by its constructor).
        self._config_penalties = tuple(penalties)
        self.penalties = ()
        self.penalty_trackers = []
        self.extra_trackers = []
        for penalty in self._config_penalties:
            self.add_penalty(penalty)
        # G and D are built functional models; saying so (and `SkipSymbolicBuild`) spares `fit`
        # under a tf.distribute strategy a symbolic build that would call G on images.
        self.built = True

    def add_penalty(self, penalty):
        """Adds a term `penalty(gan, real_images, fake_images, labels)` to D's loss, logged under its name.

        Variants call this in their constructor for their own penalty (WGAN-GP's
        gradient penalty), so it is not stored twice in the config.
        """
        self.penalties = (*self.penalties, penalty)
        self.penalty_trackers.append(keras.metrics.Mean(name=_penalty_name(penalty)))

    def add_metric_tracker(self, name):
        """Logs the value a loss returns under `name` in its logs (mean over the epoch)."""
        tracker = keras.metrics.Mean(name=name)
        self.extra_trackers.append(tracker)
        return tracker

    # -- Keras plumbing ---------------------------------------------------

    def compile(self, d_optimizer=None, g_optimizer=None, **kwargs):
        """Configures the two optimizers.

        Args:
            d_optimizer: optimizer of the discriminator (default: the class's
                `optimizer_defaults`, here DCGAN's Adam(2e-4, beta_1=0.5)).
            g_optimizer: optimizer of the generator (default: the same).
            **kwargs: passed to `keras.Model.compile` (`jit_compile`,
                `steps_per_execution`, `run_eagerly`).

        XLA (`jit_compile=True`) is turned off, with a warning, under several
        replicas (it cannot compile that step) and on a CPU when `d_steps > 1`
        (its conditional G step is slower there than without XLA).

        If G or D computes in float16 (built under the `"mixed_float16"`
        dtype policy), its optimizer is wrapped in a
        `keras.optimizers.LossScaleOptimizer`, and the train step scales the
        loss, so small float16 gradients do not underflow.
        """
        if kwargs.get("jit_compile") and self.distribute_strategy.num_replicas_in_sync > 1:
            # XLA cannot compile a step whose replicas' variables live on different devices.
            warnings.warn(
                "jit_compile=True is not supported with several replicas; training without XLA under "
                f"{type(self.distribute_strategy).__name__}.",
                stacklevel=2,
            )
            kwargs["jit_compile"] = False
        if kwargs.get("jit_compile") is True and self.d_steps > 1 and not tf.config.list_physical_devices("GPU"):
            # The G step of every k-th step is a conditional; XLA runs it several times slower on a CPU.
            warnings.warn(
                f"jit_compile=True with d_steps={self.d_steps} is slower on a CPU (XLA's conditional G step: "
                "benchmarks/d_steps_xla.py); training without XLA.",
                stacklevel=2,
            )
            kwargs["jit_compile"] = False
        super().compile(**kwargs)
        d_optimizer = keras.optimizers.get(d_optimizer or build_optimizer(**self.optimizer_defaults))
        g_optimizer = keras.optimizers.get(g_optimizer or build_optimizer(**self.optimizer_defaults))
        self._set_optimizers(
            _loss_scaled(d_optimizer, self.discriminator),
            _loss_scaled(g_optimizer, self.generator),
            self.discriminator.trainable_variables,
            self.generator.trainable_variables,
            kwargs,
        )

    def build(self, input_shape=None):
        # The generator and discriminator are built functional models.
        self.built = True

    def call(self, inputs, training=False):
        """Generates images: `gan(latent)` or, if conditional, `gan([latent, labels])`."""
        return self.generator(inputs, training=training)

    # Traits a variant declares; build_variant, train(), the command line and the toy trainer read these, never
    # a variant's name (kgan/variants/registry.py registers the classes).
    logs_accuracy = True  # D's output reads as a real/fake verdict (BEGAN's autoencoder's does not)
    default_loss = "non_saturating"  # the loss of the variant's paper, when `loss` is not given
    needs_labels = False  # G and D take class labels, so the dataset must be labelled
    conv_only = False  # its own discriminator is built on a convolutional preset's trunk
    toy = True  # trains on lecture 000's 2-D toy problems (MLP networks with one output)
    options = ("label_smoothing",)  # constructor (or build) options it takes from the command line
    takes_loss = True  # D's and G's losses are `gan_loss`'s (BEGAN's autoencoder has its own)
    own_networks = False  # builds its paper's networks itself, so `arch` and `init` do not apply (PGGAN)
    # The paper's optimizer, `kgan.core.optimizers.build_optimizer`'s arguments: DCGAN's (Radford et al. 2016).
    optimizer_defaults = dict(optimizer="adam", learning_rate=2e-4, beta_1=0.5, beta_2=0.999)

    @classmethod
    def check_options(cls, options):
        """Refuses a bad value among `options` (the run's `variant_options`) before a run folder is made.

        The constructor checks every option again; a variant overrides this for the values it can check without
        its networks (InfoGAN's `categories`). The base has none.
        """

    # What the generator takes and makes, from `spec` (fixed when the GAN is built).
    latent_dim = property(lambda self: self.spec.latent_dim)
    latent_distribution = property(lambda self: self.spec.latent_distribution)
    conditional = property(lambda self: self.spec.conditional)
    num_classes = property(lambda self: self.spec.num_classes)

    @property
    def metrics(self):
        accuracy = [self.d_real_acc_tracker, self.d_fake_acc_tracker] if self.logs_accuracy else []
        ada = [self.augment_p_tracker] if self.augment_p_tracker is not None else []
        return [self.d_loss_tracker, self.g_loss_tracker, *accuracy, *self.penalty_trackers, *self.extra_trackers, *ada]

    def get_config(self):
        if any(not hasattr(p, "get_config") for p in self._config_penalties):
            raise NotImplementedError(
                "A GAN with plain-function penalties cannot be serialised; use the classes of kgan.core.penalties "
                f"or subclass GAN. Received: penalties={self._config_penalties!r}"
            )
        if self.gan_loss.name not in losses_lib.LOSSES or losses_lib.LOSSES[self.gan_loss.name] != self.gan_loss:
            raise NotImplementedError(f"Only registered losses can be serialised. Received: loss={self.gan_loss!r}")
        return {
            **super().get_config(),
            "generator": keras.saving.serialize_keras_object(self.generator),
            "discriminator": keras.saving.serialize_keras_object(self.discriminator),
            "loss": self.gan_loss.name,
            "latent_distribution": self.latent_distribution,
            "generator_spec": self.spec.to_config(),
            "d_steps": self.d_steps,
            "label_smoothing": self.label_smoothing,
            "penalties": [keras.saving.serialize_keras_object(p) for p in self._config_penalties],
            "seed": self.seed,
            "num_classes": self.num_classes,
            "fake_labels": self.fake_labels,
            "instance_noise": self.instance_noise,
            "instance_noise_steps": self.instance_noise_steps,
            "ema": self.ema,
            "augment": self.augment,
            "augment_probability": self.augment_probability,
            "ada_target": self.ada_target,
            "ada_kimg": self.ada_kimg,
        }

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        for key in ("generator", "discriminator"):
            config[key] = keras.saving.deserialize_keras_object(config[key], custom_objects=custom_objects)
        config["penalties"] = [
            keras.saving.deserialize_keras_object(p, custom_objects=custom_objects) for p in config.get("penalties", ())
        ]
        return cls(**config)


def _average_of(generator):
    """A copy of `generator` (same graph, its own weights, set to G's) to hold the moving average."""
    average = keras.models.clone_model(generator)
    average.name = f"{generator.name}_ema"
    average.set_weights(generator.get_weights())
    average.trainable = False
    return average


def _loss_scaled(optimizer, model):
    """`optimizer`, wrapped in a `LossScaleOptimizer` if `model` computes in float16 (mixed precision).

    float16 gradients underflow without loss scaling; bfloat16 and float32 need none.
    """
    float16 = any(layer.compute_dtype == "float16" for layer in model.layers)
    if float16 and not isinstance(optimizer, keras.optimizers.LossScaleOptimizer):
        return keras.optimizers.LossScaleOptimizer(optimizer)
    return optimizer


def _penalty_name(penalty):
    return getattr(penalty, "name", None) or getattr(penalty, "__name__", type(penalty).__name__)
