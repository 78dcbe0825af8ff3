"""CycleGAN (Zhu et al. 2017, arXiv 1703.10593): unpaired image-to-image translation between domains A and B.

Not a latent-vector GAN, so it has its own `train_step` instead of `kgan.core`'s one (docs/variants.md): two
generators `G: A -> B` (`generator_ab`) and `F: B -> A` (`generator_ba`), two PatchGAN discriminators, the
least-squares adversarial losses of `kgan.core.losses`, the cycle-consistency loss `lambda (|F(G(a)) - a|_1 +
|G(F(b)) - b|_1)` and the identity loss `identity_weight * lambda (|F(a) - a|_1 + |G(b) - b|_1)`. D sees a pool
of 50 past fakes (`ImagePool`), and the learning rates decay linearly to 0 over the second half of training
(`LinearDecay`), as in the paper.
"""

import keras
import tensorflow as tf
from keras import ops

from kgan.core._keras_compat import DatasetsShuffleThemselves, SavesSeedState
from kgan.core.losses import least_squares_discriminator_loss, least_squares_generator_loss
from kgan.core.optimizers import TwoOptimizers


def cycle_loss(real, cycled):
    """Cycle-consistency loss of one direction: the mean absolute error `E[|F(G(x)) - x|]` (the paper's L1)."""
    return ops.mean(ops.abs(ops.cast(cycled, "float32") - ops.cast(real, "float32")))


def identity_loss(real, same):
    """Identity loss of one direction: `E[|G(y) - y|]` for a generator into `y`'s domain (the paper's 5.2)."""
    return ops.mean(ops.abs(ops.cast(same, "float32") - ops.cast(real, "float32")))


@keras.saving.register_keras_serializable(package="kgan")
class ImagePool(SavesSeedState, keras.layers.Layer):
    """The paper's history of generated images (Shrivastava et al. 2017), as a `tf.Variable` buffer.

    `pool(images)` goes through the batch one image at a time, as the paper's pool does: while the pool holds
    fewer than `pool_size` images, the image is stored and returned; once it is full, with probability 0.5 a
    random stored image is returned and replaced by the new one, otherwise the new image is returned. The
    buffer and its fill count are weights and the random state is saved with them, so a checkpoint keeps all
    three. `pool_size=0`
    returns the images unchanged.
    """

    def __init__(self, pool_size=50, seed=None, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(pool_size, int) or isinstance(pool_size, bool) or pool_size < 0:
            raise ValueError(f"`pool_size` must be an int >= 0. Received: pool_size={pool_size!r}")
        self.pool_size = pool_size
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def build(self, input_shape):
        shape = (max(self.pool_size, 1), *input_shape[1:])
        self.images = self.add_weight(shape=shape, initializer="zeros", trainable=False, name="images")
        self.count = self.add_weight(shape=(), initializer="zeros", dtype="int32", trainable=False, name="count")

    def call(self, images):
        if self.pool_size == 0:
            return images
        images = tf.cast(images, self.images.dtype)
        n = tf.shape(images)[0]
        coins = keras.random.uniform((n,), seed=self.seed_generator)
        slots = keras.random.randint((n,), 0, self.pool_size, seed=self.seed_generator)

        def one_image(i, buffer, count, returned):
            image = images[i]
            filling = count < self.pool_size
            swap = tf.logical_and(tf.logical_not(filling), coins[i] > 0.5)
            slot = tf.where(filling, count, slots[i])
            out = tf.where(swap, buffer[slot], image)
            keep = tf.logical_or(filling, swap)
            buffer = tf.tensor_scatter_nd_update(buffer, [[slot]], [tf.where(keep, image, buffer[slot])])
            return i + 1, buffer, count + tf.cast(filling, tf.int32), returned.write(i, out)

        returned = tf.TensorArray(images.dtype, size=n, element_shape=images.shape[1:])
        _, buffer, count, returned = tf.while_loop(
            lambda i, *_: i < n, one_image, (0, tf.convert_to_tensor(self.images), self.count.value, returned)
        )
        self.images.assign(buffer)
        self.count.assign(count)
        return returned.stack()

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "pool_size": self.pool_size, "seed": self.seed}


@keras.saving.register_keras_serializable(package="kgan")
class LinearDecay(keras.optimizers.schedules.LearningRateSchedule):
    """A constant learning rate for `decay_start` steps, then linear decay to 0 at `total_steps` (the paper's
    100 + 100 epochs: `decay_start = total_steps // 2`)."""

    def __init__(self, initial_learning_rate, total_steps, decay_start=None):
        if not initial_learning_rate > 0:
            raise ValueError(
                f"`initial_learning_rate` must be > 0. Received: initial_learning_rate={initial_learning_rate!r}"
            )
        if not isinstance(total_steps, int) or total_steps < 1:
            raise ValueError(f"`total_steps` must be an int >= 1. Received: total_steps={total_steps!r}")
        decay_start = total_steps // 2 if decay_start is None else decay_start
        if not 0 <= decay_start < total_steps:
            raise ValueError(f"`decay_start` must be in [0, total_steps). Received: decay_start={decay_start!r}")
        self.initial_learning_rate = float(initial_learning_rate)
        self.total_steps = total_steps
        self.decay_start = decay_start

    def __call__(self, step):
        step = ops.cast(step, "float32")
        left = (self.total_steps - step) / float(self.total_steps - self.decay_start)
        return self.initial_learning_rate * ops.clip(left, 0.0, 1.0)

    def get_config(self):
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "total_steps": self.total_steps,
            "decay_start": self.decay_start,
        }


def cyclegan_optimizer(learning_rate=2e-4, total_steps=None):
    """The paper's Adam (beta_1 = 0.5), with `LinearDecay` over the second half when `total_steps` is given."""
    if total_steps is not None:
        learning_rate = LinearDecay(learning_rate, total_steps)
    return keras.optimizers.Adam(learning_rate, beta_1=0.5, beta_2=0.999)


@keras.saving.register_keras_serializable(package="kgan")
class CycleGAN(DatasetsShuffleThemselves, TwoOptimizers, keras.Model):
    """CycleGAN: `fit` it on a dataset of unpaired `(batch_a, batch_b)`; `cyclegan(a)` translates A to B.

    Args:
        generator_ab, generator_ba: image-to-image `keras.Model`s (`kgan.models.build_cyclegan_networks`).
        discriminator_a, discriminator_b: D of domain A (real A against `generator_ba`'s fakes) and of B; any
            output shape (a PatchGAN's map), read as linear least-squares verdicts.
        cycle_weight: lambda, the cycle loss's weight (the paper's 10); 0 turns it off.
        identity_weight: the identity loss's weight as a fraction of lambda (the paper's 0.5 for photo <->
            painting; 0 turns it off).
        pool_size: past fakes each D sees (`ImagePool`; the paper's 50).
        seed: seed of the pools' random draws.

    Logs `d_loss` (D_A + D_B), `g_loss` (everything G and F minimise), `adversarial_loss`, `cycle_loss` and
    `identity_loss` (unweighted, both directions summed).

    Example:
        >>> from kgan.models.cyclegan import build_cyclegan_networks
        >>> cyclegan = CycleGAN(*build_cyclegan_networks((28, 28, 1), size="small"))
        >>> cyclegan.compile()  # the paper's Adam(2e-4, beta_1=0.5) for both pairs
        >>> # cyclegan.fit(kgan.data.domains.unpaired_dataset(a, b, 16), steps_per_epoch=..., epochs=...)
    """

    def __init__(
        self,
        generator_ab,
        generator_ba,
        discriminator_a,
        discriminator_b,
        *,
        cycle_weight=10.0,
        identity_weight=0.5,
        pool_size=50,
        seed=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        for name, value in (("cycle_weight", cycle_weight), ("identity_weight", identity_weight)):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0:
                raise ValueError(f"`{name}` must be a number >= 0. Received: {name}={value!r}")
        shapes = {tuple(m.input_shape[1:]) for m in (generator_ab, generator_ba, discriminator_a, discriminator_b)}
        if len(shapes) != 1:
            raise ValueError(f"The four networks must take images of one shape. Received: shapes={sorted(shapes)}")
        self.generator_ab = generator_ab
        self.generator_ba = generator_ba
        self.discriminator_a = discriminator_a
        self.discriminator_b = discriminator_b
        self.cycle_weight = float(cycle_weight)
        self.identity_weight = float(identity_weight)
        self.pool_size = pool_size
        self.seed = seed
        self.image_shape = shapes.pop()
        self.pool_a = ImagePool(pool_size, seed=seed, name="pool_a")
        self.pool_b = ImagePool(pool_size, seed=None if seed is None else seed + 1, name="pool_b")
        self.pool_a.build((None, *self.image_shape))
        self.pool_b.build((None, *self.image_shape))
        self.trackers = {
            name: keras.metrics.Mean(name=name)
            for name in ("d_loss", "g_loss", "adversarial_loss", "cycle_loss", "identity_loss")
        }
        self.built = True  # the four networks are built functional models

    @property
    def metrics(self):
        return list(self.trackers.values())

    def compile(self, d_optimizer=None, g_optimizer=None, **kwargs):
        """Configures one optimizer for both discriminators and one for both generators (default: the paper's
        Adam(2e-4, beta_1=0.5), `cyclegan_optimizer`). `kwargs` go to `keras.Model.compile`."""
        super().compile(**kwargs)
        self._set_optimizers(
            keras.optimizers.get(d_optimizer or cyclegan_optimizer()),
            keras.optimizers.get(g_optimizer or cyclegan_optimizer()),
            self._d_variables(),
            self._g_variables(),
            kwargs,
        )

    def _g_variables(self):
        return self.generator_ab.trainable_variables + self.generator_ba.trainable_variables

    def _d_variables(self):
        return self.discriminator_a.trainable_variables + self.discriminator_b.trainable_variables

    def build(self, input_shape=None):
        self.built = True

    def call(self, images, training=False):
        """Translates images of domain A to domain B."""
        return self.generator_ab(images, training=training)

    def translate(self, images, direction="a_to_b"):
        """`generator_ab(images)` for `"a_to_b"`, `generator_ba(images)` for `"b_to_a"` (inference mode)."""
        generators = {"a_to_b": self.generator_ab, "b_to_a": self.generator_ba}
        if direction not in generators:
            raise ValueError(f"`direction` must be 'a_to_b' or 'b_to_a'. Received: direction={direction!r}")
        return generators[direction](images, training=False)

    def generator_losses(self, real_a, real_b, training=True):
        """`(g_loss, logs, fake_a, fake_b)`: G's and F's losses on one unpaired batch."""
        fake_b = self.generator_ab(real_a, training=training)
        fake_a = self.generator_ba(real_b, training=training)
        # The paper's E[(D(G(x)) - 1)^2]: kgan's least-squares G loss halves it.
        adversarial = 2.0 * (
            least_squares_generator_loss(self.discriminator_b(fake_b, training=training))
            + least_squares_generator_loss(self.discriminator_a(fake_a, training=training))
        )
        cycle = ops.zeros(())
        if self.cycle_weight:
            cycle = cycle_loss(real_a, self.generator_ba(fake_b, training=training)) + cycle_loss(
                real_b, self.generator_ab(fake_a, training=training)
            )
        identity = ops.zeros(())
        if self.identity_weight and self.cycle_weight:
            identity = identity_loss(real_a, self.generator_ba(real_a, training=training)) + identity_loss(
                real_b, self.generator_ab(real_b, training=training)
            )
        total = adversarial + self.cycle_weight * (cycle + self.identity_weight * identity)
        logs = {"g_loss": total, "adversarial_loss": adversarial, "cycle_loss": cycle, "identity_loss": identity}
        return total, logs, fake_a, fake_b

    def discriminator_loss(self, real_a, real_b, fake_a, fake_b):
        """D_A's plus D_B's least-squares loss (each halved, as the paper does), on pooled fakes."""
        fake_a = self.pool_a(ops.stop_gradient(fake_a))
        fake_b = self.pool_b(ops.stop_gradient(fake_b))
        loss_a = least_squares_discriminator_loss(
            self.discriminator_a(real_a, training=True), self.discriminator_a(fake_a, training=True)
        )
        loss_b = least_squares_discriminator_loss(
            self.discriminator_b(real_b, training=True), self.discriminator_b(fake_b, training=True)
        )
        return loss_a + loss_b

    def train_step(self, data):
        real_a, real_b = data
        with tf.GradientTape() as tape:
            g_loss, logs, fake_a, fake_b = self.generator_losses(real_a, real_b)
        g_variables = self._g_variables()
        self.g_optimizer.apply_gradients(zip(tape.gradient(g_loss, g_variables), g_variables))
        with tf.GradientTape() as tape:
            d_loss = self.discriminator_loss(real_a, real_b, fake_a, fake_b)
        d_variables = self._d_variables()
        self.d_optimizer.apply_gradients(zip(tape.gradient(d_loss, d_variables), d_variables))
        logs["d_loss"] = d_loss
        for name, value in logs.items():
            self.trackers[name].update_state(value)
        return {name: tracker.result() for name, tracker in self.trackers.items()}

    def get_config(self):
        networks = ("generator_ab", "generator_ba", "discriminator_a", "discriminator_b")
        return {
            **super().get_config(),
            **{name: keras.saving.serialize_keras_object(getattr(self, name)) for name in networks},
            "cycle_weight": self.cycle_weight,
            "identity_weight": self.identity_weight,
            "pool_size": self.pool_size,
            "seed": self.seed,
        }

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        for name in ("generator_ab", "generator_ba", "discriminator_a", "discriminator_b"):
            config[name] = keras.saving.deserialize_keras_object(config[name], custom_objects=custom_objects)
        return cls(**config)
