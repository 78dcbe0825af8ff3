"""BEGAN: Boundary Equilibrium GAN (Berthelot et al. 2017; lecture 000's BEGAN row).

D is an autoencoder; its loss on a batch is the mean L1 reconstruction error
`L(v) = |v - AE(v)|`. D minimises `L(x) - k_t L(G(z))`, G minimises
`L(G(z))`, and the equilibrium term `k_t` keeps `L(G(z)) = gamma L(x)`:

    k_{t+1} = clip(k_t + lambda_k (gamma L(x) - L(G(z))), 0, 1)

The convergence measure `M = L(x) + |gamma L(x) - L(G(z))|` falls as
training converges; it is logged as the metric `convergence`, with `k_t`.
"""

import keras
from keras import layers, ops

from kgan.core import GAN
from kgan.core.distribute import cross_replica_mean
from kgan.core.utils import check_positive_int
from kgan.models import build_models
from kgan.models.dcgan import _check_image_shape, _conv_initializers
from kgan.variants.registry import register_variant


def build_began_discriminator(
    image_shape=(28, 28, 1),
    *,
    filters=(32, 64),
    hidden_dim=32,
    kernel_size=3,
    init="default",
    seed=None,
    name="began_discriminator",
):
    """Builds BEGAN's autoencoder discriminator: image -> reconstruction of the same shape.

    An encoder of strided conv blocks (Conv2D, ELU) down to a `hidden_dim`
    code, and a mirrored decoder (nearest upsampling, Conv2D, ELU) with a
    linear output conv, as in Berthelot et al. 2017 (Fig. 1), smaller.

    Args:
        image_shape: `(height, width, channels)`; height and width must be
            divisible by `2 ** len(filters)`.
        filters: channels of each encoder block (the decoder mirrors them).
        hidden_dim: size of the bottleneck code `h`.
        kernel_size: kernel size of every conv.
        init: `"default"` or `"dcgan"` (conv kernels N(0, 0.02)).
        seed: seed of the initializers.
        name: model name.

    Returns:
        A functional `keras.Model` from images to images.

    Raises:
        ValueError: if the image size is not divisible by the total stride.

    Example:
        >>> d = build_began_discriminator((28, 28, 1))
        >>> d.output_shape
        (None, 28, 28, 1)
    """
    height, width, channels = _check_image_shape(image_shape)
    check_positive_int("hidden_dim", hidden_dim)
    stride = 2 ** len(filters)
    if height % stride or width % stride:
        raise ValueError(
            f"The image size must be divisible by {stride} (2 ** len(filters)). Received: image_shape={image_shape!r}"
        )
    kernel_init, _ = _conv_initializers(init, seed)
    h0, w0 = height // stride, width // stride

    images = keras.Input(image_shape, name="images")
    x = images
    for i, n in enumerate(filters, start=1):
        x = layers.Conv2D(
            n,
            kernel_size,
            strides=2,
            padding="same",
            activation="elu",
            kernel_initializer=kernel_init,
            name=f"encoder{i}_conv",
        )(x)
    x = layers.Flatten(name="encoder_flatten")(x)
    code = layers.Dense(hidden_dim, name="code")(x)
    x = layers.Dense(h0 * w0 * filters[-1], activation="elu", name="decoder_project")(code)
    x = layers.Reshape((h0, w0, filters[-1]), name="decoder_reshape")(x)
    for i, n in enumerate(reversed(filters), start=1):
        x = layers.UpSampling2D(2, interpolation="nearest", name=f"decoder{i}_upsample")(x)
        x = layers.Conv2D(
            n, kernel_size, padding="same", activation="elu", kernel_initializer=kernel_init, name=f"decoder{i}_conv"
        )(x)
    reconstruction = layers.Conv2D(
        channels, kernel_size, padding="same", kernel_initializer=kernel_init, dtype="float32", name="reconstruction"
    )(x)
    return keras.Model(images, reconstruction, name=name)


@register_variant("began")
@keras.saving.register_keras_serializable(package="kgan")
class BEGAN(GAN):
    """Boundary Equilibrium GAN (Berthelot et al. 2017) on the base train step.

    Args:
        generator: an unconditional generator (e.g. `kgan.models.build_dcgan_generator`).
        discriminator: an autoencoder from images to images of the same shape
            (`build_began_discriminator`).
        gamma: the diversity ratio `E[L(G(z))] / E[L(x)]` the equilibrium aims at.
        lambda_k: the learning rate of `k_t` (0.001 in the paper).
        **kwargs: any other `kgan.GAN` argument (`seed`, `instance_noise`, ...;
            `loss` and `label_smoothing` are not used).

    Raises:
        ValueError: if D's output shape differs from its input shape, or
            `gamma` / `lambda_k` is out of range.

    Example:
        >>> began = BEGAN(build_dcgan_generator(64), build_began_discriminator(), seed=0)
        >>> began.compile()
        >>> began.fit(dataset, epochs=1)  # doctest: +SKIP  (logs k_t and convergence)
    """

    logs_accuracy = False  # D reconstructs; it gives no real/fake verdict
    toy = False  # D is a convolutional autoencoder
    options = ()
    takes_loss = False  # D's loss is its reconstruction error, balanced by k_t

    @classmethod
    def build_networks(
        cls, arch, image_shape, latent_dim, *, num_classes=None, init=None, seed=None, spectral_norm=False, **options
    ):
        """The preset's G and an autoencoder D (`build_began_discriminator`); returns `(G, D, options)`."""
        if spectral_norm:
            raise ValueError(
                "BEGAN's discriminator is an autoencoder; spectral normalisation is for classifier Ds. "
                "Received: variant='began', spectral_norm=True"
            )
        generator, _ = build_models(arch, image_shape, latent_dim, init=init, seed=seed)
        discriminator = build_began_discriminator(tuple(image_shape), init=init or "default", seed=seed)
        return generator, discriminator, options

    def __init__(self, generator, discriminator, *, gamma=0.5, lambda_k=0.001, **kwargs):
        super().__init__(generator, discriminator, **kwargs)
        if self.conditional:
            raise ValueError(
                "BEGAN is unconditional; give it a generator without a labels input. "
                f"Received: generator inputs {[tuple(i.shape) for i in generator.inputs]}"
            )
        if not 0.0 < gamma <= 1.0:
            raise ValueError(f"`gamma` must be in (0, 1]. Received: gamma={gamma!r}")
        if not lambda_k >= 0.0:
            raise ValueError(f"`lambda_k` must be >= 0. Received: lambda_k={lambda_k!r}")
        self.gamma = float(gamma)
        self.lambda_k = float(lambda_k)
        self.k_t = self.add_weight(shape=(), initializer="zeros", trainable=False, name="k_t")
        self.add_metric_tracker("k_t")
        self.add_metric_tracker("convergence")

    def _discriminator_head(self, discriminator):
        if tuple(discriminator.output.shape[1:]) != tuple(discriminator.input.shape[1:]):
            raise ValueError(
                "BEGAN's discriminator must be an autoencoder (output shape == input shape). "
                f"Received: input {tuple(discriminator.input.shape)}, output {tuple(discriminator.output.shape)}"
            )
        return "autoencoder"

    def reconstruction_loss(self, images, training=True):
        """`L(v) = mean |v - AE(v)|`, D's L1 reconstruction error on a batch."""
        inputs = self.discriminator_inputs(images)
        return ops.mean(ops.abs(inputs - self.discriminator(inputs, training=training)))

    def discriminator_loss(self, real_images, fake_images, labels=None, fake_labels=None):
        """`L(x) - k_t L(G(z))`; logs both errors, `k_t` and the convergence measure."""
        real_error = self.reconstruction_loss(real_images)
        fake_error = self.reconstruction_loss(fake_images)
        k_t = ops.convert_to_tensor(self.k_t)
        loss = real_error - k_t * fake_error
        logs = {
            "real_error": real_error,
            "fake_error": fake_error,
            "k_t": k_t,
            "convergence": self.convergence(real_error, fake_error),
        }
        return self.add_penalties(loss, logs, real_images, fake_images, labels)

    def convergence(self, real_error, fake_error):
        """BEGAN's convergence measure `L(x) + |gamma L(x) - L(G(z))|` of the global batch."""
        # Of the errors' global means, not a mean of per-replica measures (it is not linear).
        real_error = cross_replica_mean(ops.stop_gradient(real_error))
        fake_error = cross_replica_mean(ops.stop_gradient(fake_error))
        return real_error + ops.abs(self.gamma * real_error - fake_error)

    def generator_loss(self, fake_images, labels=None, real_images=None, real_labels=None):
        """`L(G(z))`: G wants its samples reconstructed as well as real ones."""
        return self.reconstruction_loss(fake_images), {}

    def after_discriminator_step(self, logs):
        balance = self.gamma * ops.stop_gradient(logs["real_error"]) - ops.stop_gradient(logs["fake_error"])
        # Every replica must apply the same update: that of the global batch.
        balance = cross_replica_mean(balance)
        self.k_t.assign(ops.clip(self.k_t + self.lambda_k * balance, 0.0, 1.0))

    def get_config(self):
        return {**super().get_config(), "gamma": self.gamma, "lambda_k": self.lambda_k}
