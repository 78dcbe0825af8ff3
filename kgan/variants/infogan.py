"""InfoGAN's categorical code (Chen et al. 2016): an unconditional G that must make a discrete choice visible.

G starts with `kgan.core.layers.CategoricalCode`, which reads a category `c` from
the first entries of its N(0, I) latent vector (their argmax: uniform over
the categories). D has a second head, Q, that must tell `c` from the image;
G and Q both minimise Q's cross-entropy (the variational lower bound on the
mutual information `I(c; G(z, c))`, weighted by `info_weight`). On digits G
learns to spend the code on the digit's class without ever seeing a label,
so fewer of its samples fall between two classes.

The exported generator is unconditional: it takes the latent vector only.
`CategoricalCodeTerms` is the code's share of the training (the codes of a
generated batch, G run for given codes, Q's loss term), which PGGAN's
`categories` option reuses.
"""

import keras
from keras import ops

from kgan.core.layers import check_categories
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


class CategoricalCodeTerms:
    """InfoGAN's categorical code as a mixin of `kgan.GAN`: the fake codes, G run for them, Q's loss term.

    For a GAN whose G starts with a `kgan.core.layers.CategoricalCode` layer
    and whose D has a second head, Q, with one logit per category (InfoGAN;
    PGGAN with `categories`). The constructor calls `init_code(info_weight,
    q_size)` after `kgan.GAN`'s; without a code in G (`categories` None) the
    mixin changes nothing.
    """

    code_optional = False  # `categories` 0 leaves the code out (PGGAN's, kgan's addition to its paper)

    @classmethod
    def check_options(cls, options):
        """Refuses a `categories` option that is no code's size before a run starts (the layer checks it again)."""
        super().check_options(options)
        categories = options.get("categories")
        if categories is not None and not (cls.code_optional and categories == 0):
            check_categories(categories)

    def init_code(self, info_weight, q_size):
        """Reads the code's size from G and checks Q's (`q_size`: D's Q logits, None without a Q head)."""
        self.categories = self.spec.categories
        if q_size != self.categories:
            wanted = "no Q head (G has no code)"
            if self.categories is not None:
                wanted = f"a Q head of categories={self.categories} outputs"
            received = "no Q head" if q_size is None else f"{q_size} Q outputs"
            raise ValueError(f"{type(self).__name__}'s D must have {wanted}. Received: {received}")
        if not info_weight >= 0.0:
            raise ValueError(f"`info_weight` must be >= 0. Received: info_weight={info_weight!r}")
        self.info_weight = float(info_weight)
        if self.categories is not None:
            self.add_metric_tracker("info_acc")

    def sample_fake_labels(self, labels, batch_size):
        """The codes of a generated batch: uniform over the categories (the real labels are never used)."""
        if self.categories is None:
            return super().sample_fake_labels(labels, batch_size)
        return self.uniform_labels(batch_size, self.categories)

    def coded_latent(self, latent, labels):
        """`(latent, labels)` for G: with a code and `labels`, the latent rearranged to code `labels` (`with_code`)."""
        latent = ops.convert_to_tensor(latent, "float32")
        if labels is None or self.categories is None:
            return latent, labels
        return with_code(latent, labels, self.categories), None

    def generate(self, latent, labels=None, training=False):
        """Runs G on `latent`; with a code and `labels`, on `latent` rearranged so that its code is `labels`."""
        return super().generate(*self.coded_latent(latent, labels), training=training)

    def information_term(self, codes, code_logits):
        """`(info_weight * CE(Q, codes), Q's accuracy)`: the term D's and G's losses both add (Chen et al. 2016)."""
        return self.info_weight * _cross_entropy(codes, code_logits), _accuracy(codes, code_logits)


@register_variant("infogan")
@keras.saving.register_keras_serializable(package="kgan")
class InfoGAN(CategoricalCodeTerms, AuxiliaryHeadGAN):
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
        if self.conditional or self.spec.categories is None:
            raise ValueError(
                "InfoGAN needs an unconditional generator that starts with a CategoricalCode layer "
                "(build_dcgan_generator(..., categorical_code=10)). Received: generator layers "
                f"{[layer.name for layer in generator.layers[:3]]}"
            )
        self.init_code(info_weight, int(discriminator.outputs[1].shape[-1]))

    def discriminator_loss(self, real_images, fake_images, labels=None, fake_labels=None):
        real_validity, _ = self.discriminate_and_classify(self.discriminator_inputs(real_images), True)
        fake_validity, fake_codes = self.discriminate_and_classify(self.discriminator_inputs(fake_images), True)
        loss = self.gan_loss.discriminator(real_validity, fake_validity, label_smoothing=self.label_smoothing)
        loss = loss + self.information_term(fake_labels, fake_codes)[0]
        logs = {
            "d_real_acc": ops.mean(ops.cast(real_validity >= 0.0, "float32")),
            "d_fake_acc": ops.mean(ops.cast(fake_validity < 0.0, "float32")),
        }
        return self.add_penalties(loss, logs, real_images, fake_images)

    def generator_loss(self, fake_images, labels=None, real_images=None, real_labels=None):
        validity, codes = self.discriminate_and_classify(self.discriminator_inputs(fake_images), True)
        information, accuracy = self.information_term(labels, codes)
        return self.adversarial_generator_loss(validity, real_images) + information, {"info_acc": accuracy}

    def get_config(self):
        return {**super().get_config(), "info_weight": self.info_weight}
