"""tf.distribute: every variant trains under MirroredStrategy as on one device, with its own noise per replica."""

import json
import pathlib

import keras
import numpy as np
import pytest
import tensorflow as tf

from conftest import tiny_discriminator, tiny_generator
from kgan.core import GAN, distribute
from test_variants import MAKERS

VARIANTS = {
    "gan": lambda: GAN(tiny_generator(), tiny_discriminator(batchnorm=True), seed=0, instance_noise=0.1),
    **MAKERS,
}


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
    _, start, single_weights, single_history = train_two_steps(
        VARIANTS[name], tf.distribute.get_strategy(), tiny_dataset.take(2)
    )
    model, _, weights, history = train_two_steps(VARIANTS[name], mirrored, tiny_dataset.take(2), initial_weights=start)
    assert model.distribute_strategy.num_replicas_in_sync == 2
    assert len(weights) == len(single_weights)
    for a, b, w in zip(weights, single_weights, model.generator.weights + model.discriminator.weights):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5, err_msg=w.path)
    # Metrics are aggregated over the replicas: the same epoch means as on one device.
    for key in single_history:
        np.testing.assert_allclose(history[key], single_history[key], rtol=1e-4, atol=1e-5, err_msg=key)


def test_each_replica_draws_its_own_rows_of_one_global_draw(mirrored):
    with mirrored.scope():
        gan = VARIANTS["gan"]()
    single = VARIANTS["gan"]()
    expected = keras.ops.convert_to_numpy(single.sample_latent(8))

    @tf.function
    def draw():
        return mirrored.run(lambda: gan.sample_latent(4))

    halves = [h.numpy() for h in mirrored.experimental_local_results(draw())]
    assert not np.allclose(halves[0], halves[1])  # independent noise per replica
    np.testing.assert_array_equal(np.concatenate(halves), expected)


def test_classic_trainer_trains_under_mirrored_strategy(mirrored, tiny_dataset):
    from kgan.training import ClassicGAN

    with mirrored.scope():
        gan = GAN(tiny_generator(), tiny_discriminator(batchnorm=True), seed=0)  # the classic loop has no noise
        gan.compile(jit_compile=False)
        classic = ClassicGAN.from_gan(gan, jit_compile=False)
    history = classic.fit(tiny_dataset.take(2), epochs=1, verbose=0).history
    assert np.isfinite(history["d_loss"][-1]) and np.isfinite(history["g_loss"][-1])


def test_jit_compile_is_turned_off_with_a_warning_under_several_replicas(mirrored):
    with mirrored.scope():
        gan = VARIANTS["gan"]()
        with pytest.warns(UserWarning, match="jit_compile=True is not supported with several replicas"):
            gan.compile(jit_compile=True)
    assert gan.jit_compile is False


@pytest.mark.parametrize(
    "tf_config, message",
    [
        (None, "needs the TF_CONFIG environment variable"),
        ("{not json", "TF_CONFIG must be JSON"),
        ('{"cluster": {"worker": ["localhost:1"]}, "task": {"type": "worker", "index": 3}}', "must name a member"),
    ],
)
def test_multi_worker_without_a_valid_tf_config_is_a_one_line_error(tf_config, message, monkeypatch):
    if tf_config is None:
        monkeypatch.delenv("TF_CONFIG", raising=False)
    else:
        monkeypatch.setenv("TF_CONFIG", tf_config)
    with pytest.raises(ValueError, match=message):
        distribute.get_strategy("multi_worker")


def test_unknown_strategy_is_refused():
    with pytest.raises(ValueError, match="Received: strategy='tpu'"):
        distribute.get_strategy("tpu")


def test_train_under_mirrored_strategy_writes_the_run_and_export(mirrored, tmp_path):
    from kgan.training import train

    data = np.load(pathlib.Path(__file__).resolve().parents[1] / "kgan" / "data" / "mnist_5k.npz")
    np.savez(tmp_path / "digits.npz", x_train=data["x"][:64], y_train=data["y"][:64])
    result = train(
        dataset="npz",
        data_path=tmp_path / "digits.npz",
        epochs=1,
        batch_size=32,
        verbose=0,
        output_dir=tmp_path / "run",
        strategy=mirrored,
    )
    config = json.loads((result.run_dir / "config.json").read_text())
    assert config["strategy"] == {"name": "mirrored", "replicas": 2}
    assert (result.export_path / "saved_model.pb").is_file()
    assert np.isfinite(result.history["d_loss"][-1])


def test_classic_trainer_across_machines_is_refused(tmp_path, monkeypatch):
    from kgan.training import train

    class FakeMultiWorker(tf.distribute.MultiWorkerMirroredStrategy):
        def __init__(self):  # no cluster: only the type matters for the check
            pass

    with pytest.raises(ValueError, match="Received: trainer='classic', strategy='multi_worker'"):
        train(trainer="classic", strategy=FakeMultiWorker(), output_dir=tmp_path / "run")
    assert not (tmp_path / "run").exists()
