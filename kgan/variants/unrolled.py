"""The unrolled GAN (Metz et al. 2017, arXiv 1611.02163): G steps against D as it will be a few D steps later.

Lecture 000 names it among the remedies for mode collapse. G's loss is read
from a copy of D advanced `unroll_steps` steps with D's own optimizer rule
(`kgan.core._keras_compat.stateless_optimizer_step`: Adam stays Adam, with
its moments), on the
current real batch and G's fakes; the gradient flows through those steps into
G (the paper's method, second order), so G sees how D would answer a move and
gains nothing by hopping to the mode D forgot. D itself takes its ordinary
step; the unrolled copy is thrown away.
"""

import keras
import tensorflow as tf

from kgan.core import GAN
from kgan.core._keras_compat import stateless_optimizer_step
from kgan.core.utils import check_positive_int
from kgan.variants.registry import register_variant


@register_variant("unrolled")
@keras.saving.register_keras_serializable(package="kgan")
class UnrolledGAN(GAN):
    """Unrolled GAN (Metz et al. 2017): G's loss on D unrolled `unroll_steps` steps ahead.

    Args:
        generator, discriminator: as for `kgan.GAN`.
        unroll_steps: k, the D steps G looks ahead (the paper's 5 for the ring
            of Gaussians). Each costs a D forward and backward pass inside G's
            step, and G's gradient goes back through all of them.
        **kwargs: any other `kgan.GAN` argument.

    Example:
        >>> gan = kgan.variants.build_variant("unrolled", "dcgan", seed=0, unroll_steps=3)
        >>> gan.unroll_steps
        3
    """

    options = ("label_smoothing", "unroll_steps")

    def __init__(self, generator, discriminator, *, unroll_steps=5, **kwargs):
        super().__init__(generator, discriminator, **kwargs)
        self.unroll_steps = check_positive_int("unroll_steps", unroll_steps)

    def generator_loss(self, fake_images, labels=None, real_images=None, real_labels=None):
        """G's loss read from D advanced `unroll_steps` steps on this batch (`real_images`, `fake_images`)."""
        if real_images is None:
            raise ValueError("The unrolled GAN advances D on the real batch in G's step. Received: real_images=None")
        if not self.d_optimizer.built:
            self.d_optimizer.build(self.discriminator.trainable_variables)
        d_variables = self.discriminator.trainable_variables
        others = self.discriminator.non_trainable_variables
        state = dict(
            weights=[v.value for v in d_variables],
            others=[v.value for v in others],
            optimizer=[v.value for v in self.d_optimizer.variables],
        )
        for _ in range(self.unroll_steps):
            state = self._unrolled_discriminator_step(state, d_variables, others, real_images, fake_images, labels)
        mapping = list(zip(d_variables, state["weights"])) + list(zip(others, state["others"]))
        with keras.StatelessScope(state_mapping=mapping):
            return super().generator_loss(fake_images, labels, real_images, real_labels)

    def _unrolled_discriminator_step(self, state, d_variables, others, real_images, fake_images, labels):
        """One step of D's copy: D's loss (fakes not stopped: G's gradient flows through) and D's optimizer rule."""
        mapping = list(zip(d_variables, state["weights"])) + list(zip(others, state["others"]))
        with tf.GradientTape() as tape:
            tape.watch(state["weights"])
            with keras.StatelessScope(state_mapping=mapping) as scope:
                d_loss, _ = self.discriminator_loss(real_images, fake_images, labels)
                # BatchNorm's moving statistics move in the copy too (every variable is mapped: never None).
                moved = [scope.get_current_value(v) for v in others]
        grads = tape.gradient(d_loss, state["weights"])
        replica = tf.distribute.get_replica_context()
        if replica is not None and replica.num_replicas_in_sync > 1:
            # D's real step averages the replicas' gradients (its loss is scaled to the global mean): so does its copy.
            grads = replica.all_reduce(tf.distribute.ReduceOp.MEAN, grads)
        weights, optimizer = stateless_optimizer_step(
            self.d_optimizer, d_variables, state["weights"], state["optimizer"], grads
        )
        return dict(weights=weights, others=moved, optimizer=optimizer)

    def get_config(self):
        return {**super().get_config(), "unroll_steps": self.unroll_steps}
