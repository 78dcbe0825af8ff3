"""`TrainStep`: the one train step of `kgan.core.gan.GAN`, Goodfellow's Algorithm 1 (lecture 002).

D on a real and a generated batch, then G against D's "real" verdict; `d_steps`
D steps per G step; under `tf.distribute`, losses scaled to the global mean and
the G step decided in the cross-replica context. The pieces it calls
(`generate`, `discriminator_loss`, `generator_loss`, ...) are `GANHooks`'.
"""

import keras
import tensorflow as tf
from keras import ops

from kgan.core._keras_compat import reducible_logs
from kgan.core.distribute import cross_replica_mean


class TrainStep:
    """The train step of `GAN` (a mixin of `keras.Model`; see `GAN` for the attributes)."""

    def train_step(self, data):
        real_images, labels = self._unpack(data)
        batch_size = ops.shape(real_images)[0]
        # Under tf.distribute each replica sees its share of the global batch and
        # the optimizers sum the replicas' gradients: scale to the global mean.
        replicas = tf.distribute.get_strategy().num_replicas_in_sync

        fake_labels = self.sample_fake_labels(labels, batch_size)
        with tf.GradientTape() as g_tape:
            fake_images = self.generate(self.sample_latent(batch_size), fake_labels, training=True)
            with g_tape.stop_recording():
                self._discriminator_step(real_images, ops.stop_gradient(fake_images), labels, replicas, fake_labels)
            if self.d_steps == 1:
                # G's step reuses the batch it made for D's step (judged by the
                # updated D), as the PyTorch DCGAN example does: one G forward
                # pass less per step.
                g_loss, g_logs = self.generator_loss(
                    fake_images, fake_labels, real_images=real_images, real_labels=labels
                )
        if self.d_steps == 1:
            self._apply_generator_gradients(g_tape, g_loss, g_logs, replicas)
        else:
            # Algorithm 1 (lecture 002): k D steps, each on a fresh real batch, then one G step.
            g_turn = ops.equal(self.d_optimizer.iterations % self.d_steps, 0)
            if replicas == 1:
                tf.cond(
                    g_turn,
                    lambda: self._generator_step(batch_size, labels, replicas, real_images),
                    lambda: ops.convert_to_tensor(0.0),
                )
            else:
                self._distributed_generator_step(g_turn, batch_size, labels, replicas, real_images)
        # Under MultiWorkerMirroredStrategy Keras averages the workers' logs along an axis they lack.
        return reducible_logs({m.name: m.result() for m in self.metrics}, tf.distribute.get_strategy())

    def _distributed_generator_step(self, g_turn, batch_size, labels, replicas, real_images):
        """The G step of every `d_steps`-th step, under a strategy with several replicas.

        A `tf.cond` in a replica context may not hold a branch that
        synchronises the replicas (synchronised BatchNorm, the optimizer's
        gradient all-reduce); so the decision is taken in the cross-replica
        context and the G step runs on every replica from there, the way
        `keras.optimizers.LossScaleOptimizer` skips non-finite steps.
        """

        def generator_step(batch_size, labels, real_images):
            self._generator_step(batch_size, labels, replicas, real_images)

        def cross_replica(strategy, g_turn, batch_size, labels, real_images):
            # Every replica computed the same decision (from the mirrored step counter).
            decision = strategy.experimental_local_results(g_turn)[0]
            ops.cond(
                decision,
                lambda: strategy.extended.call_for_each_replica(generator_step, args=(batch_size, labels, real_images)),
                lambda: None,
            )

        tf.distribute.get_replica_context().merge_call(cross_replica, args=(g_turn, batch_size, labels, real_images))

    def _discriminator_step(self, real_images, fake_images, labels, replicas, fake_labels=None):
        with tf.GradientTape() as tape:
            d_loss, d_logs = self.discriminator_loss(real_images, fake_images, labels, fake_labels)
            # Loss scaling for mixed precision (a no-op unless the optimizer is a LossScaleOptimizer).
            scaled_loss = self.d_optimizer.scale_loss(d_loss / replicas)
        d_vars = self.discriminator.trainable_variables
        self.d_optimizer.apply(tape.gradient(scaled_loss, d_vars), d_vars)
        if self.ada_target is not None:
            self._adapt_augment_probability(d_logs, ops.shape(real_images)[0] * replicas)
        self.after_discriminator_step(d_logs)
        self.d_loss_tracker.update_state(d_loss)
        self._update_trackers(d_logs)

    def _adapt_augment_probability(self, logs, global_batch):
        """ADA's controller (Karras et al. 2020, Sec. 3): `p += sign(r_t - target) * batch / (kimg * 1000)`.

        `r_t = E[sign(D(real))] = 2 * d_real_acc - 1`, averaged over the replicas
        so every replica moves its copy of `p` the same way.
        """
        r_t = 2.0 * cross_replica_mean(logs["d_real_acc"]) - 1.0
        step = ops.sign(r_t - self.ada_target) * ops.cast(global_batch, "float32") / (self.ada_kimg * 1000.0)
        self.augment_p.assign(ops.clip(self.augment_p + step, 0.0, 1.0))
        self.augment_p_tracker.update_state(self.augment_p)

    def _update_trackers(self, logs):
        for tracker in (self.d_real_acc_tracker, self.d_fake_acc_tracker, *self.penalty_trackers, *self.extra_trackers):
            if tracker.name in logs:
                tracker.update_state(logs[tracker.name])

    def _generator_step(self, batch_size, labels, replicas, real_images=None):
        with tf.GradientTape() as tape:
            fake_labels = self.sample_fake_labels(labels, batch_size)
            fake_images = self.generate(self.sample_latent(batch_size), fake_labels, training=True)
            # The real batch is the last D step's: losses such as the relativistic ones compare with it.
            g_loss, g_logs = self.generator_loss(fake_images, fake_labels, real_images=real_images, real_labels=labels)
        return self._apply_generator_gradients(tape, g_loss, g_logs, replicas)

    def _apply_generator_gradients(self, tape, g_loss, g_logs, replicas):
        g_vars = self.generator.trainable_variables
        with tape:
            scaled_loss = self.g_optimizer.scale_loss(g_loss / replicas)
        self.g_optimizer.apply(tape.gradient(scaled_loss, g_vars), g_vars)
        if self.ema_generator is not None:
            self.update_ema()
        self.g_loss_tracker.update_state(g_loss)
        self._update_trackers(g_logs)
        return g_loss

    def _unpack(self, data):
        images, labels, _ = keras.utils.unpack_x_y_sample_weight(data)
        if self.conditional and labels is None:
            raise ValueError(
                "This GAN's generator is conditional, so the dataset must yield (images, labels). Received: images only"
            )
        return images, labels if self.conditional else None

    def test_step(self, data):
        raise NotImplementedError("GAN.evaluate is not defined; use kgan metrics callbacks to score a GAN.")
