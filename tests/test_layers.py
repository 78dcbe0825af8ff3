"""kgan.core.layers.Dropout: Keras' Dropout with a fast mask under XLA and its own mask per replica."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from kgan.core.layers import Dropout


@pytest.mark.parametrize("jit_compile", [False, True])
def test_dropout_draws_the_same_mask_as_keras_dropout_on_one_device(jit_compile):
    x = tf.random.stateless_normal((4, 6, 6, 3), seed=[1, 2])
    ours, theirs = Dropout(0.3, seed=7), keras.layers.Dropout(0.3, seed=7)
    for _ in range(2):  # the seed advances the same way
        a = tf.function(lambda x: ours(x, training=True), jit_compile=jit_compile)(x).numpy()
        b = tf.function(lambda x: theirs(x, training=True), jit_compile=jit_compile)(x).numpy()
        np.testing.assert_allclose(a, b, rtol=1e-6)
    assert 0.15 < (a == 0).mean() < 0.45
    np.testing.assert_array_equal(ours(x, training=False), x)


def test_dropout_gives_each_replica_its_own_mask(mirrored):
    strategy = mirrored
    with strategy.scope():
        layer = Dropout(0.5, seed=3)
    ones = tf.ones((8, 16))

    @tf.function
    def step():
        return strategy.run(lambda: layer(ones[:4], training=True))

    first, second = (m.numpy() for m in strategy.experimental_local_results(step()))
    assert not np.array_equal(first == 0, second == 0)


def test_dropout_round_trips_through_a_saved_model(tmp_path):
    inputs = keras.Input((4,))
    model = keras.Model(inputs, Dropout(0.2, seed=1, name="drop")(inputs))
    model.save(tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras")
    assert isinstance(loaded.get_layer("drop"), Dropout) and loaded.get_layer("drop").rate == 0.2
