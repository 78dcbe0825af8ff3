"""InfoGAN's categorical code (Chen et al. 2016): an unconditional G that must make a discrete choice visible.

G starts with `kgan.core.layers.CategoricalCode`, which reads a category `c` from
the first entries of its N(0, I) latent vector (their argmax: uniform over
the categories). D has a second head, Q, that must tell `c` from the image;
G and Q both minimise Q's cross-entropy (the variational lower bound on the
mutual information `I(c; G(z, c))`, weighted by `info_weight`). On digits G
learns to spend the code on the digit's class without ever seeing a label,
so fewer of its samples fall between two classes.

The exported generator is unconditional: it takes the latent vector only.
"""

import keras
from keras import ops

from kgan.variants.conditional import AuxiliaryHeadGAN, _accuracy, _cross_entropy
from kgan.variants.registry import register_variant


def with_code(latent, codes, categories):
    """`latent` with the largest of its first `categories` entries moved to position `codes`.

    Swapping two entries of an i.i.d. Gaussian vector keeps its distribution,
    so with `codes` uniform the result is still N(0, I), and
    `argmax(result[:, :categories]) == codes`: the train step chooses the
    code G is asked for without changing the latent contract.
    """
    head, tail = latent[:, :categories], latent[:, categories:]
    largest = ops.one_hot(ops.argmax(head, axis=-1), categories, dtype=latent.dtype)
    wanted = ops.one_hot(ops.reshape(ops.cast(codes, "int32"), (-1,)), categories, dtype=latent.dtype)
    top = ops.sum(head * largest, axis=-1, keepdims=True)
    at_wanted = ops.sum(head * wanted, axis=-1, keepdims=True)
    head = ops.where(wanted > 0, top, ops.where(largest > 0, at_wanted, head))
    return ops.concatenate([head, tail], axis=-1)


@register_variant("infogan")
@keras.saving.register_keras_serializable(package="kgan")
class InfoGAN(AuxiliaryHeadGAN):
    """InfoGAN with a categorical code (Chen et al. 2016), on the one train step of `kgan.GAN`.

    D minimises `L_adv + info_weight * CE(Q(G(z, c)), c)` and G minimises
    `L_adv_G + info_weight * CE(Q(G(z, c)), c)`, with `c` uniform over the
    categories (the paper's `lambda = 1` for discrete codes). Q is D's second
    head; real images are not classified (no labels are used). Q's accuracy
    on the fakes is logged as `info_acc`.

    Args:
        generator: an unconditional generator that starts with a
            `kgan.core.layers.CategoricalCode` layer
            (`build_dcgan_generator(..., categorical_code=10)`).
        discriminator: a model from images to `[validity (batch, 1), code
            logits (batch, categories)]` (`build_acgan_discriminator(shape, categories)`).
        info_weight: the weight of the mutual-information term (>= 0).
        **kwargs: any other `kgan.GAN` argument (`ema`, `augment`, `loss`, ...).

    Raises:
        ValueError: if G is conditional or has no categorical code, Q's size
            differs from the code's, or `info_weight` is negative.

    Example:
        >>> info = build_variant("infogan", "dcgan_fc", seed=0)
        >>> info.generate(info.sample_latent(4)).shape  # unconditional: latent only
        TensorShape([4, 28, 28, 1])
    """

    options = ("label_smoothing", "info_weight", "categories")

    @classmethod
    def build_networks(
        cls,
        arch,
        image_shape,
        latent_dim,
        *,
        num_classes=None,
        init=None,
        seed=None,
        spectral_norm=False,
        categories=10,
        **options,
    ):
        """The preset's G starting with a `categories`-way code and a D with a Q head; returns `(G, D, options)`."""
        generator, discriminator = cls.two_headed_networks(
            arch,
            image_shape,
            latent_dim,
            categories,
            categorical_code=categories,
            init=init,
            seed=seed,
            spectral_norm=spectral_norm,
        )
        return generator, discriminator, options

    def __init__(self, generator, discriminator, *, info_weight=1.0, **kwargs):
        super().__init__(generator, discriminator, **kwargs)
        self.categories = self.spec.categories
        if self.conditional or self.categories is None:
            raise ValueError(
                "InfoGAN needs an unconditional generator that starts with a CategoricalCode layer "
                "(build_dcgan_generator(..., categorical_code=10)). Received: generator layers "
                f"{[layer.name for layer in generator.layers[:3]]}"
            )
        q_size = int(discriminator.outputs[1].shape[-1])
        if q_size != self.categories:
            raise ValueError(f"InfoGAN's Q head must have categories={self.categories} outputs. Received: {q_size}")
        if not info_weight >= 0.0:
            raise ValueError(f"`info_weight` must be >= 0. Received: info_weight={info_weight!r}")
        self.info_weight = float(info_weight)
        self.add_metric_tracker("info_acc")

    def sample_fake_labels(self, labels, batch_size):
        """The codes of a generated batch: uniform over the categories (the real labels are never used)."""
        return self.uniform_labels(batch_size, self.categories)

    def generate(self, latent, labels=None, training=False):
        """Runs G on `latent`; with `labels`, on `latent` rearranged so that its code is `labels`."""
        if labels is not None:
            latent = with_code(ops.convert_to_tensor(latent, "float32"), labels, self.categories)
        return super().generate(latent, training=training)

    def discriminator_loss(self, real_images, fake_images, labels=None, fake_labels=None):
        real_validity, _ = self.discriminate_and_classify(self.discriminator_inputs(real_images), True)
        fake_validity, fake_codes = self.discriminate_and_classify(self.discriminator_inputs(fake_images), True)
        loss = self.gan_loss.discriminator(real_validity, fake_validity, label_smoothing=self.label_smoothing)
        loss = loss + self.info_weight * _cross_entropy(fake_labels, fake_codes)
        logs = {
            "d_real_acc": ops.mean(ops.cast(real_validity >= 0.0, "float32")),
            "d_fake_acc": ops.mean(ops.cast(fake_validity < 0.0, "float32")),
        }
        return self.add_penalties(loss, logs, real_images, fake_images)

    def generator_loss(self, fake_images, labels=None, real_images=None, real_labels=None):
        validity, codes = self.discriminate_and_classify(self.discriminator_inputs(fake_images), True)
        adversarial = self.adversarial_generator_loss(validity, real_images)
        loss = adversarial + self.info_weight * _cross_entropy(labels, codes)
        return loss, {"info_acc": _accuracy(labels, codes)}

    def get_config(self):
        return {**super().get_config(), "info_weight": self.info_weight}
