"""Conditional GANs: cGAN (lecture 003) and ACGAN (lecture 001).

Both condition the generator on integer class labels through a learned class
embedding (lecture 001's tip: `Embedding` projects integers into vectors;
`kgan.models.build_dcgan_generator(num_classes=...)` multiplies the latent
vector by it, which keeps the noise's randomness and the class information).
They differ in how D uses the labels:

- cGAN (Mirza & Osindero 2014): D takes `(image, label)` and judges the pair.
- ACGAN (Odena et al. 2017): D takes the image only and has two heads, a
  validity logit and a classifier over the classes.
"""

import keras
from keras import layers, ops

from kgan.core import GAN
from kgan.core.layers import spectral_normalized
from kgan.core.utils import check_positive_int
from kgan.models import ARCHITECTURES, build_dcgan_generator, preset_kwargs
from kgan.models.dcgan import build_dcgan_discriminator
from kgan.variants.registry import register_variant


def _check_conditional(gan, name):
    if not gan.conditional or gan.num_classes is None:
        raise ValueError(
            f"{name} needs a conditional generator: inputs [latent, labels] and a label Embedding "
            f"(e.g. build_models(..., num_classes=10)). Received: generator inputs "
            f"{[tuple(i.shape) for i in gan.generator.inputs]}"
        )


@register_variant("cgan")
@keras.saving.register_keras_serializable(package="kgan")
class CGAN(GAN):
    """Conditional GAN (Mirza & Osindero 2014; lecture 003): labels condition both G and D.

    `min_G max_D E[log D(x|y)] + E[log(1 - D(G(z|y')|y'))]`. As in lecture
    003's training loop, the generated batch is conditioned on labels `y'`
    drawn uniformly over the classes (`fake_labels="random"`), and D judges
    real images with their own labels and fakes with `y'`.

    Args:
        generator: a generator with inputs `[latent, labels]`.
        discriminator: a discriminator with inputs `[images, labels]`
            (`kgan.models.build_models(arch, num_classes=...)` builds both).
        fake_labels: `"random"` (lecture 003) or `"data"` (the real batch's labels).
        **kwargs: any other `kgan.GAN` argument.

    Raises:
        ValueError: if G or D does not take labels.

    Example:
        >>> g, d = kgan.build_models("dcgan", num_classes=10)
        >>> cgan = CGAN(g, d, seed=0)
        >>> cgan.generate(cgan.sample_latent(3), [7, 7, 7])  # three sevens, once trained
    """

    needs_labels = True
    toy = False
    options = ("label_smoothing", "fake_labels")

    def __init__(self, generator, discriminator, *, fake_labels="random", **kwargs):
        super().__init__(generator, discriminator, fake_labels=fake_labels, **kwargs)
        _check_conditional(self, "CGAN")
        if len(discriminator.inputs) != 2:
            raise ValueError(
                "CGAN's discriminator must take [images, labels]. "
                f"Received: discriminator inputs {[tuple(i.shape) for i in discriminator.inputs]}"
            )


def build_acgan_discriminator(image_shape=(28, 28, 1), num_classes=10, *, name="acgan_discriminator", **kwargs):
    """Builds ACGAN's discriminator: image -> (validity logit, class logits).

    The conv trunk of `kgan.models.build_dcgan_discriminator` with two heads
    on its features, as in Odena et al. 2017 and lecture 001: `validity`
    (one logit, real or fake) and `classes` (`num_classes` logits, an
    auxiliary classifier).

    Args:
        image_shape: `(height, width, channels)`.
        num_classes: number of classes of the auxiliary classifier.
        name: model name.
        **kwargs: trunk arguments of `build_dcgan_discriminator` (`filters`,
            `strides`, `kernel_size`, `dropout`, `batchnorm`, `init`, `seed`, ...).
            With `spectral_norm=True` both heads are spectrally normalised too.

    Returns:
        A functional `keras.Model` with outputs `[validity (batch, 1), classes (batch, num_classes)]`.

    Example:
        >>> d = build_acgan_discriminator((28, 28, 1), 10)
        >>> [tuple(o.shape) for o in d.outputs]
        [(None, 1), (None, 10)]
    """
    check_positive_int("num_classes", num_classes)
    trunk = build_dcgan_discriminator(image_shape, head="logit", **kwargs)
    hidden = kwargs.get("hidden_units", ())
    features = trunk.get_layer(f"hidden{len(hidden)}_act" if hidden else "flatten").output
    spectral_norm = kwargs.get("spectral_norm", False)
    validity = spectral_normalized(layers.Dense(1, dtype="float32", name="validity"), spectral_norm)(features)
    classes = spectral_normalized(layers.Dense(num_classes, dtype="float32", name="classes"), spectral_norm)(features)
    return keras.Model(trunk.input, [validity, classes], name=name)


class AuxiliaryHeadGAN(GAN):
    """A GAN whose D has two heads on one trunk: a validity logit and a classifier (ACGAN, InfoGAN).

    `discriminate` reads the validity head, so the losses, penalties and
    callbacks of `kgan.GAN` work unchanged; `discriminate_and_classify`
    reads both.
    """

    conv_only = True  # the heads sit on a conv preset's trunk
    toy = False

    @classmethod
    def two_headed_networks(
        cls,
        arch,
        image_shape,
        latent_dim,
        heads,
        *,
        num_classes=None,
        categorical_code=None,
        init=None,
        seed=None,
        spectral_norm=False,
    ):
        """The preset's generator and `build_acgan_discriminator` with `heads` classes on the preset's trunk."""
        g_kwargs, d_kwargs = preset_kwargs(arch, init)
        generator = build_dcgan_generator(
            latent_dim or ARCHITECTURES[arch]["latent_dim"],
            tuple(image_shape),
            num_classes=num_classes,
            categorical_code=categorical_code,
            seed=seed,
            **g_kwargs,
        )
        d_kwargs = {k: v for k, v in d_kwargs.items() if k not in ("head", "name")}
        discriminator = build_acgan_discriminator(
            tuple(image_shape),
            heads,
            seed=seed,
            spectral_norm=spectral_norm,
            name=f"{cls.variant_name}_discriminator",
            **d_kwargs,
        )
        return generator, discriminator

    def _discriminator_head(self, discriminator):
        outputs = discriminator.outputs
        if len(discriminator.inputs) != 1 or len(outputs) != 2 or outputs[0].shape[-1] != 1:
            raise ValueError(
                f"{type(self).__name__}'s discriminator must take images only and output [validity (batch, 1), classes "
                f"(batch, num_classes)]. Received: inputs {[tuple(i.shape) for i in discriminator.inputs]}, "
                f"outputs {[tuple(o.shape) for o in outputs]}"
            )
        return "logit"

    def discriminate_and_classify(self, images, training=False):
        """D's validity logits `(batch,)` and class logits `(batch, num_classes)`."""
        validity, classes = self.discriminator(images, training=training)
        return ops.reshape(ops.cast(validity, "float32"), (-1,)), ops.cast(classes, "float32")

    def discriminate(self, images, labels=None, training=False):
        """D's validity logits `(batch,)`; labels are not D's input here."""
        return self.discriminate_and_classify(images, training=training)[0]


@register_variant("acgan")
@keras.saving.register_keras_serializable(package="kgan")
class ACGAN(AuxiliaryHeadGAN):
    """Auxiliary Classifier GAN (Odena et al. 2017; lecture 001).

    G draws an image of a requested class; D judges validity and classifies
    every image. D minimises `validity_weight * L_adv + classification_weight * L_class`
    with `L_class` the cross-entropy of its classifier on real images (their
    labels) and on fakes (the labels they were made for); G minimises
    `validity_weight * L_adv_G + classification_weight * CE(classes(G(z, y)), y)`.
    Lecture 001's tip: if G ignores the class, weight the validity loss down
    (`validity_weight=0.01`). The classifier's accuracies are logged as
    `d_class_acc` (real images) and `g_class_acc` (fakes, for their labels).

    Args:
        generator: a generator with inputs `[latent, labels]` and a label `Embedding`.
        discriminator: a model from images to `[validity (batch, 1), classes (batch, num_classes)]`
            (`build_acgan_discriminator`).
        validity_weight: weight of the real/fake loss.
        classification_weight: weight of the classification loss.
        fake_labels: `"random"` (uniform over the classes, the paper's) or `"data"`.
        **kwargs: any other `kgan.GAN` argument (`loss`, `label_smoothing`, ...).

    Raises:
        ValueError: if G is not conditional, D does not have the two heads, or
            a weight is negative.
    """

    needs_labels = True
    options = ("label_smoothing", "fake_labels", "validity_weight", "classification_weight")

    @classmethod
    def build_networks(
        cls, arch, image_shape, latent_dim, *, num_classes=None, init=None, seed=None, spectral_norm=False, **options
    ):
        """The preset's conditional G and a two-headed D classifying `num_classes`; returns `(G, D, options)`."""
        generator, discriminator = cls.two_headed_networks(
            arch,
            image_shape,
            latent_dim,
            num_classes,
            num_classes=num_classes,
            init=init,
            seed=seed,
            spectral_norm=spectral_norm,
        )
        return generator, discriminator, options

    def __init__(
        self,
        generator,
        discriminator,
        *,
        validity_weight=1.0,
        classification_weight=1.0,
        fake_labels="random",
        **kwargs,
    ):
        super().__init__(generator, discriminator, fake_labels=fake_labels, **kwargs)
        _check_conditional(self, "ACGAN")
        classes = int(discriminator.outputs[1].shape[-1])
        if classes != self.num_classes:
            raise ValueError(
                f"ACGAN's classifier head must have num_classes={self.num_classes} outputs. Received: {classes}"
            )
        for name, value in (("validity_weight", validity_weight), ("classification_weight", classification_weight)):
            if not value >= 0.0:
                raise ValueError(f"`{name}` must be >= 0. Received: {name}={value!r}")
        self.validity_weight = float(validity_weight)
        self.classification_weight = float(classification_weight)
        self.add_metric_tracker("d_class_acc")
        self.add_metric_tracker("g_class_acc")

    def discriminator_loss(self, real_images, fake_images, labels=None, fake_labels=None):
        fake_labels = labels if fake_labels is None else fake_labels
        real_validity, real_classes = self.discriminate_and_classify(self.discriminator_inputs(real_images), True)
        fake_validity, fake_classes = self.discriminate_and_classify(self.discriminator_inputs(fake_images), True)
        adversarial = self.gan_loss.discriminator(real_validity, fake_validity, label_smoothing=self.label_smoothing)
        classification = 0.5 * (_cross_entropy(labels, real_classes) + _cross_entropy(fake_labels, fake_classes))
        loss = self.validity_weight * adversarial + self.classification_weight * classification
        logs = {
            "d_real_acc": ops.mean(ops.cast(real_validity >= 0.0, "float32")),
            "d_fake_acc": ops.mean(ops.cast(fake_validity < 0.0, "float32")),
            "d_class_acc": _accuracy(labels, real_classes),
        }
        return self.add_penalties(loss, logs, real_images, fake_images, labels)

    def generator_loss(self, fake_images, labels=None, real_images=None, real_labels=None):
        validity, classes = self.discriminate_and_classify(self.discriminator_inputs(fake_images), True)
        loss = self.validity_weight * self.adversarial_generator_loss(validity, real_images)
        loss = loss + self.classification_weight * _cross_entropy(labels, classes)
        return loss, {"g_class_acc": _accuracy(labels, classes)}

    def get_config(self):
        return {
            **super().get_config(),
            "validity_weight": self.validity_weight,
            "classification_weight": self.classification_weight,
        }


def _cross_entropy(labels, logits):
    labels = ops.reshape(ops.cast(labels, "int32"), (-1,))
    return ops.mean(ops.sparse_categorical_crossentropy(labels, logits, from_logits=True))


def _accuracy(labels, logits):
    labels = ops.reshape(ops.cast(labels, "int32"), (-1,))
    return ops.mean(ops.cast(ops.equal(ops.cast(ops.argmax(logits, axis=-1), "int32"), labels), "float32"))
