"""tf.distribute: every variant trains under MirroredStrategy exactly as on one device, with its own noise per replica."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from conftest import tiny_discriminator, tiny_generator
from kgan import distribute
from kgan.gan import GAN
from test_variants import MAKERS

VARIANTS = {
    "gan": lambda: GAN(tiny_generator(), tiny_discriminator(batchnorm=True), seed=0, instance_noise=0.1),
    **MAKERS,
}


@pytest.fixture(scope="module")
def mirrored():
    # One strategy for the module: strategies created one after another in a process
    # can hand out the same collective instance keys to different graphs.
    return distribute.get_strategy("mirrored", devices=["/cpu:0", "/cpu:1"])


def train_two_steps(make, strategy, dataset, initial_weights=None):
    with strategy.scope():
        model = make()
        # SGD, not Adam: Adam would blow float noise in the zero gradients of biases before BatchNorm up to lr.
        model.compile(d_optimizer=keras.optimizers.SGD(0.1), g_optimizer=keras.optimizers.SGD(0.1), jit_compile=False)
    start = [w.numpy() for w in model.generator.weights + model.discriminator.weights]
    for w, value in zip(model.generator.weights + model.discriminator.weights, initial_weights or start):
        w.assign(value)
    history = model.fit(dataset, epochs=1, verbose=0).history
    weights = [w.numpy() for w in model.generator.weights + model.discriminator.weights]
    return model, start, weights, history


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_two_replicas_train_like_one_device_with_the_same_batch_and_noise(name, tiny_dataset, mirrored):
    _, start, single_weights, single_history = train_two_steps(VARIANTS[name], tf.distribute.get_strategy(),
                                                                tiny_dataset.take(2))
    model, _, weights, history = train_two_steps(VARIANTS[name], mirrored, tiny_dataset.take(2), initial_weights=start)
    assert model.distribute_strategy.num_replicas_in_sync == 2
    assert len(weights) == len(single_weights)
    for a, b, w in zip(weights, single_weights, model.generator.weights + model.discriminator.weights):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5, err_msg=w.path)
    # Metrics are aggregated over the replicas: the same epoch means as on one device.
    for key in single_history:
        np.testing.assert_allclose(history[key], single_history[key], rtol=1e-4, atol=1e-5, err_msg=key)
