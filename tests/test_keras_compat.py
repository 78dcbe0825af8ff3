"""The Keras behaviour kgan relies on without Keras promising it (kgan/core/_keras_compat.py), checked one by one.

Each test fails when Keras changes what a workaround relies on: a renamed hook,
an object it no longer accepts, a behaviour that is gone. Some also check that
the workaround is still needed; when one of those fails, Keras has fixed the
issue it names and the workaround can go.
"""

import json
import os
import signal
import subprocess
import sys
import textwrap
import warnings
import zipfile

import h5py
import keras
import numpy as np
import pytest
import tensorflow as tf

from conftest import tiny_discriminator, tiny_generator
from kgan.core import _keras_compat as compat
from kgan.core.distribute import local_tf_configs
from kgan.core.gan import GAN
from kgan.core.heads import head_kind, logit_reader

# -- the version guard ---------------------------------------------------------


@pytest.mark.parametrize("version", ["4.0.0", "3.99.1", "3.2.0", "nightly"])
def test_version_guard_warns_once_for_a_keras_outside_the_tested_range(version, monkeypatch):
    monkeypatch.setattr(compat, "_warned", False)
    with pytest.warns(compat.KerasVersionWarning, match=r"kgan/core/_keras_compat\.py.*SkipSymbolicBuild"):
        assert compat.check_keras_version(version) is False
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert compat.check_keras_version(version) is False  # once per process


def test_version_guard_is_silent_inside_the_tested_range(monkeypatch):
    monkeypatch.setattr(compat, "_warned", False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert compat.check_keras_version(f"{compat.TESTED_KERAS}.9") is True
        assert compat.check_keras_version(f"{compat.OLDEST_TESTED_KERAS}.0") is True


# -- SkipSymbolicBuild -----------------------------------------------------------


def test_fit_still_calls_the_symbolic_build_hook_that_gan_overrides(tiny_dataset, monkeypatch):
    calls = []
    monkeypatch.setattr(
        compat.SkipSymbolicBuild,
        "_maybe_symbolic_build",
        lambda self, iterator=None, data_batch=None: calls.append(iterator),
    )
    gan = GAN(tiny_generator(), tiny_discriminator(), seed=0)
    gan.compile(jit_compile=False)
    gan.fit(tiny_dataset.take(1), epochs=1, verbose=0)
    assert calls, "Keras' fit no longer calls `_maybe_symbolic_build`: SkipSymbolicBuild overrides nothing"


def test_keras_own_symbolic_build_would_call_a_gan_made_under_a_strategy(mirrored, tiny_images, monkeypatch):
    with mirrored.scope():
        gan = GAN(tiny_generator(), tiny_discriminator(), seed=0)
    built = []
    monkeypatch.setattr(gan, "_symbolic_build", lambda data_batch=None, **kwargs: built.append(data_batch))
    keras.Model._maybe_symbolic_build(gan, data_batch=(tiny_images[:2], None, None))
    assert built, "Keras no longer builds a model made under a strategy before fit: SkipSymbolicBuild can go"
    built.clear()
    gan._maybe_symbolic_build(data_batch=(tiny_images[:2], None, None))
    assert not built


# -- reducible_logs ----------------------------------------------------------------


def test_reducible_logs_leaves_logs_alone_outside_multi_worker(mirrored):
    logs = {"d_loss": tf.constant(1.0)}
    assert compat.reducible_logs(logs, tf.distribute.get_strategy()) is logs
    assert compat.reducible_logs(logs, mirrored) is logs


def test_keras_multi_worker_reduce_needs_the_axis_reducible_logs_gives():
    # Two workers on 127.0.0.1 (one worker alone is not "multi-worker" to Keras), each its own process.
    script = textwrap.dedent("""
        import json, os
        import tensorflow as tf
        from keras.src.backend.tensorflow.trainer import reduce_per_replica
        from kgan.core._keras_compat import reducible_logs

        strategy = tf.distribute.MultiWorkerMirroredStrategy()
        value = 1.0 + json.loads(os.environ["TF_CONFIG"])["task"]["index"]  # 1 and 2: the mean is 1.5
        step = tf.function(lambda: strategy.run(lambda: reducible_logs({"d_loss": tf.constant(value)},
                                                                        tf.distribute.get_strategy())))
        reduced = reduce_per_replica(step(), strategy, "auto")
        print("reducible mean", float(tf.reshape(reduced["d_loss"], (-1,))[0]))
        try:
            reduce_per_replica(strategy.run(lambda: {"d_loss": tf.constant(value)}), strategy, "auto")
        except (ValueError, tf.errors.InvalidArgumentError):
            print("scalar fails")
        else:
            print("scalar reduces")
    """)
    processes = []
    for config in local_tf_configs(2):
        env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", PYTHONPATH=os.pathsep.join(sys.path), TF_CONFIG=config)
        processes.append(
            subprocess.Popen(
                [sys.executable, "-c", script],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                start_new_session=True,
            )
        )
    outputs = []
    try:
        for process in processes:
            outputs.append(process.communicate(timeout=240))
    finally:
        for process in processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
    for process, (out, err) in zip(processes, outputs):
        assert process.returncode == 0, err[-3000:]
        assert "reducible mean 1.5" in out, out
        assert "scalar fails" in out, (
            "Keras now reduces scalar logs across workers (keras-team/keras#20585): reducible_logs can go"
        )


# -- hide_compile_state ------------------------------------------------------------


def _compiled_inside_a_parent():
    inputs = keras.Input((3,))
    inner = keras.Model(inputs, keras.layers.Dense(1)(inputs), name="inner")
    inner.compile(optimizer=keras.optimizers.Adam(), loss="mse")
    inner.optimizer.build(inner.trainable_variables)
    outer_inputs = keras.Input((3,))
    return inner, keras.Model(outer_inputs, inner(outer_inputs), name="outer")


def _saved_compile_state(path):
    with zipfile.ZipFile(path) as archive:
        config = json.loads(archive.read("config.json"))
        archive.extract("model.weights.h5", path.parent)
    names = []
    with h5py.File(path.parent / "model.weights.h5") as weights:
        weights.visit(names.append)
    inner = next(layer for layer in config["config"]["layers"] if layer["config"]["name"] == "inner")
    return bool(inner.get("compile_config")), any("optimizer" in name for name in names)


def test_keras_saves_a_nested_compiled_models_optimizer_and_compile_config(tmp_path):
    _, outer = _compiled_inside_a_parent()
    outer.save(tmp_path / "plain.keras")
    assert _saved_compile_state(tmp_path / "plain.keras") == (True, True), (
        "Keras no longer saves a nested model's compile state: hide_compile_state can go"
    )


def test_hide_compile_state_saves_neither_and_restores_both_even_after_an_error(tmp_path):
    inner, outer = _compiled_inside_a_parent()
    optimizer = inner.optimizer
    with compat.hide_compile_state(inner):
        outer.save(tmp_path / "hidden.keras")
    assert _saved_compile_state(tmp_path / "hidden.keras") == (False, False)
    assert inner.optimizer is optimizer and inner.compiled
    with pytest.raises(RuntimeError), compat.hide_compile_state(inner):
        raise RuntimeError
    assert inner.optimizer is optimizer and inner.compiled


# -- add_untracked_endpoint ------------------------------------------------------------


def _export(tmp_path, name, track):
    inputs = keras.Input((3,))
    model = keras.Model(inputs, keras.layers.Dense(2)(inputs))
    archive = keras.export.ExportArchive()
    if track:
        archive.track(model)
    signature = [tf.TensorSpec((None, 3), tf.float32, name="x")]
    compat.add_untracked_endpoint(archive, "serve", lambda x: model(x), signature)
    archive.write_out(str(tmp_path / name), verbose=False)
    stored = [
        key
        for key in tf.train.list_variables(str(tmp_path / name / "variables" / "variables"))
        if key[0].endswith("VARIABLE_VALUE")
    ]
    return model, stored


def test_untracked_endpoints_store_each_weight_once_and_serve_the_model(tmp_path):
    model, stored = _export(tmp_path, "untracked", track=False)
    assert len(stored) == len(model.weights)
    x = np.random.default_rng(0).normal(size=(4, 3)).astype("float32")
    reloaded = tf.saved_model.load(str(tmp_path / "untracked"))
    np.testing.assert_allclose(reloaded.serve(tf.constant(x)), model(x), rtol=1e-6)


def test_tracking_the_model_still_stores_every_weight_twice(tmp_path):
    model, stored = _export(tmp_path, "tracked", track=True)
    assert len(stored) == 2 * len(model.weights), (
        "ExportArchive.track no longer doubles the weights (keras-team/keras#23553 fixed?): "
        "add_untracked_endpoint is no longer needed"
    )


# -- callback_list --------------------------------------------------------------------


def test_callback_list_drives_keras_callbacks_for_an_object_that_is_not_a_model():
    class Trainer:
        stop_training = False

    class Seen(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            self.seen = (self.model, epoch, dict(logs))

    trainer, seen = Trainer(), Seen()
    callbacks = compat.callback_list(
        [seen, keras.callbacks.EarlyStopping("g_loss", mode="min", patience=0)], trainer, verbose=0, epochs=2, steps=1
    )
    callbacks.on_train_begin()
    for epoch, loss in enumerate([1.0, 2.0]):
        callbacks.on_epoch_begin(epoch)
        callbacks.on_train_batch_begin(0)
        callbacks.on_train_batch_end(0, {"g_loss": loss})
        callbacks.on_epoch_end(epoch, {"g_loss": loss})
    callbacks.on_train_end({"g_loss": 2.0})
    assert seen.seen == (trainer, 1, {"g_loss": 2.0})
    assert trainer.history.history == {"g_loss": [1.0, 2.0]}
    assert trainer.stop_training  # EarlyStopping set it on the object


# -- call_without_activation and D's logits -----------------------------------------------


def _sigmoid_d(**dense_kwargs):
    inputs = keras.Input((5,))
    x = keras.layers.Dense(6, activation="tanh", name="features")(inputs)
    return keras.Model(inputs, keras.layers.Dense(1, activation="sigmoid", name="score", **dense_kwargs)(x))


def _unsaturated_inputs():
    return np.random.default_rng(0).normal(scale=0.5, size=(16, 5)).astype("float32")


def _assert_logits_are_log_odds_of(d, atol=1e-4):
    reader = logit_reader(d, head_kind(d))
    x = _unsaturated_inputs()
    p = np.asarray(d(x), dtype="float64")[:, 0]
    assert np.all((p > 0.01) & (p < 0.99)), "choose inputs that do not saturate D"
    logits = np.asarray(reader(x))
    assert logits.dtype == np.float32
    np.testing.assert_allclose(logits, np.log(p) - np.log1p(-p), atol=atol)
    assert d.layers[-1].activation is keras.activations.sigmoid  # restored


def test_dense_reads_its_activation_at_call_time():
    d = _sigmoid_d()
    x = _unsaturated_inputs()
    z = compat.call_without_activation(d.get_layer("score"), d.get_layer("features")(x))
    assert np.any(np.asarray(z) < 0), "Dense applied its activation anyway: call_without_activation is broken"
    _assert_logits_are_log_odds_of(d)


def test_logits_of_a_lora_head_are_the_log_odds_of_ds_probability():
    d = _sigmoid_d()
    score = d.get_layer("score")
    score.enable_lora(2)
    # LoRA's B starts at zero; give it values so the adapted kernel differs from the frozen one.
    score.lora_kernel_b.assign(np.full(score.lora_kernel_b.shape, 0.7, "float32"))
    _assert_logits_are_log_odds_of(d)


def test_logits_of_an_int8_quantized_head_are_the_log_odds_of_ds_probability():
    d = _sigmoid_d()
    d.quantize("int8")
    assert d.get_layer("score").quantization_mode == "int8"
    _assert_logits_are_log_odds_of(d)


def test_logits_under_mixed_float16_are_the_log_odds_of_ds_probability():
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy("mixed_float16")
    try:
        d = _sigmoid_d()
    finally:
        keras.config.set_dtype_policy(previous)
    assert d.get_layer("score").compute_dtype == "float16"
    _assert_logits_are_log_odds_of(d, atol=2e-2)  # float16 probabilities hold about three digits


def test_logits_of_a_two_way_softmax_are_the_log_ratio_of_its_probabilities():
    inputs = keras.Input((5,))
    d = keras.Model(inputs, keras.layers.Dense(2, activation="softmax")(inputs))
    x = _unsaturated_inputs()
    p = np.asarray(d(x), dtype="float64")
    np.testing.assert_allclose(logit_reader(d, "softmax2")(x), np.log(p[:, 1] / p[:, 0]), atol=1e-4)


def test_call_without_activation_restores_the_activation_after_an_error():
    d = _sigmoid_d()
    with pytest.raises(ValueError):
        compat.call_without_activation(d.get_layer("score"), np.zeros((2, 3), "float32"))  # wrong width
    assert d.get_layer("score").activation is keras.activations.sigmoid
    with pytest.raises(ValueError, match="Received: Flatten"):
        compat.call_without_activation(keras.layers.Flatten(), np.zeros((2, 3), "float32"))


# -- nothing else reaches into Keras ----------------------------------------------------


def test_only_keras_compat_imports_private_keras():
    root = os.path.join(os.path.dirname(__file__), os.pardir, "kgan")
    offenders = []
    for folder, _, files in os.walk(root):
        for name in files:
            path = os.path.join(folder, name)
            if name.endswith(".py") and name != "_keras_compat.py":
                with open(path, encoding="utf-8") as source:
                    if "keras.src" in source.read():
                        offenders.append(os.path.relpath(path, root))
    assert offenders == []


class _Noisy(keras.layers.Layer):
    """A layer that draws from its own SeedGenerator, as kgan's GAN, image pool and conditioning layers do."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.seed_generator = keras.random.SeedGenerator(7)

    def call(self, inputs):
        return inputs + keras.random.normal(keras.ops.shape(inputs), seed=self.seed_generator)


@keras.saving.register_keras_serializable(package="kgan_test")
class _PlainNoisy(_Noisy):
    pass


@keras.saving.register_keras_serializable(package="kgan_test")
class _SavedNoisy(compat.SavesSeedState, _Noisy):
    pass


def _reloaded_draws(layer_class, tmp_path):
    model = keras.Sequential([keras.Input((3,)), layer_class()])
    model(np.zeros((1, 3), "float32"))  # advance the stream once, then save
    model.save(tmp_path / f"{layer_class.__name__}.keras")
    reloaded = keras.saving.load_model(tmp_path / f"{layer_class.__name__}.keras")
    return np.asarray(model(np.zeros((1, 3), "float32"))), np.asarray(reloaded(np.zeros((1, 3), "float32")))


def test_keras_does_not_save_a_seed_generators_state(tmp_path):
    # If this fails, Keras saves the state itself and SavesSeedState can go.
    continued, reloaded = _reloaded_draws(_PlainNoisy, tmp_path)
    assert not np.allclose(continued, reloaded)


def test_saves_seed_state_continues_the_same_random_stream_after_loading(tmp_path):
    continued, reloaded = _reloaded_draws(_SavedNoisy, tmp_path)
    np.testing.assert_array_equal(continued, reloaded)
