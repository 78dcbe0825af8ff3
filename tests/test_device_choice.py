"""GPU readiness: mixed precision where a GPU is present, steps per call from the step time (never crossing an epoch
end), and an input pipeline that prepares the next batches while a step runs."""

import argparse
import json
import re
import time

import keras
import numpy as np
import pytest
import tensorflow as tf

from conftest import TINY_SHAPE, tiny_discriminator, tiny_generator, write_digits_npz
from kgan.cli.train import add_train_arguments, config_from_args
from kgan.core import GAN
from kgan.data.pipeline import _epoch_indexed
from kgan.training import TrainConfig, device_choice, main_job
from kgan.training.device_choice import choose_mixed_precision, choose_steps_per_execution, step_seconds
from kgan.training.xla_choice import XlaChoice

FAKE_GPU = tf.config.PhysicalDevice(name="/physical_device:GPU:0", device_type="GPU")


@pytest.mark.parametrize(
    "setting, gpus, expected",
    [
        ("auto", [], False),
        ("auto", [FAKE_GPU], True),
        (True, [], True),
        (False, [FAKE_GPU], False),
        ("bfloat16", [], "bfloat16"),  # never auto's choice, always the user's
        ("bfloat16", [FAKE_GPU], "bfloat16"),
    ],
)
def test_mixed_precision_is_on_where_a_gpu_is_present_unless_forced(setting, gpus, expected):
    assert choose_mixed_precision(setting, gpus) is expected
    assert (
        device_choice.POLICIES[expected] == {False: None, True: "mixed_float16", "bfloat16": "mixed_bfloat16"}[expected]
    )


@pytest.mark.parametrize("bad", ["on", 1, None, "float32", "mixed_bfloat16"])
def test_a_bad_mixed_precision_setting_is_refused(bad):
    expected = "`mixed_precision` must be True (float16), False, 'auto' or 'bfloat16'. Received"
    with pytest.raises(ValueError, match=re.escape(expected)):
        choose_mixed_precision(bad, [])
    if bad is not None:  # TrainConfig leaves None to train(), whose choose_mixed_precision refuses it (above)
        with pytest.raises(ValueError, match=re.escape(expected)):
            TrainConfig(mixed_precision=bad)


@pytest.mark.parametrize(
    "seconds, steps_per_epoch, expected",
    [
        (None, 78, 1),  # nothing timed: one step per call
        (0.036, 78, 1),  # the main job's step on a CPU: long enough
        (0.005, 78, 1),  # at the threshold
        (0.002, 78, 6),  # wants 10; the largest divisor of 78 up to 10
        (0.002, 80, 10),
        (0.0001, 1024, device_choice.MAX_STEPS_PER_EXECUTION),  # wants 200: capped
        (0.001, 7, 7),  # wants 20: the whole (prime) epoch
        (0.003, 13, 1),  # wants 7: 13 is prime, so one
    ],
)
def test_auto_steps_per_execution_follows_the_step_time_and_divides_the_epoch(seconds, steps_per_epoch, expected):
    chosen = choose_steps_per_execution("auto", seconds, steps_per_epoch)
    assert chosen == expected and steps_per_epoch % chosen == 0


def test_a_forced_steps_per_execution_is_kept_whatever_the_step_time():
    assert choose_steps_per_execution(3, 0.0001, 78) == 3
    assert choose_steps_per_execution(1, 0.0001, 78) == 1


def test_a_forced_steps_per_execution_that_would_cross_epoch_ends_is_refused():
    with pytest.raises(ValueError, match=r"must divide the 78 steps of an epoch.*Received: steps_per_execution=5"):
        choose_steps_per_execution(5, None, 78)


@pytest.mark.parametrize("bad", [0, -2, True, "fast", 2.0])
def test_a_bad_steps_per_execution_is_refused(bad):
    with pytest.raises(ValueError, match="positive integer or 'auto'. Received"):
        choose_steps_per_execution(bad, None, 78)


def test_the_step_time_is_the_chosen_xla_settings():
    seconds = {"xla": 0.003, "no_xla": 0.002}
    assert step_seconds(XlaChoice(True, "probe", seconds)) == 0.003
    assert step_seconds(XlaChoice(False, "cache", seconds)) == 0.002
    assert step_seconds(XlaChoice(False, "short run")) is None


def test_keras_runs_whole_calls_so_a_count_that_does_not_divide_the_epoch_takes_the_next_epochs_batches():
    # Why the count must divide the epoch: kgan's data is one stream of epoch-indexed batches, and Keras runs
    # ceil(steps_per_epoch / N) calls of N steps. If Keras stops doing so, the divisor rule can be relaxed.
    class Counter(keras.Model):
        def __init__(self):
            super().__init__()
            self.seen = keras.Variable(0, dtype="int64", trainable=False)

        def train_step(self, data):
            self.seen.assign_add(1)
            return {"seen": self.seen.value}

    for count, batches in ((3, 6), (4, 8)):  # 6 steps per epoch, 2 epochs: 3 divides, 4 overshoots
        model = Counter()
        model.compile(steps_per_execution=count)
        model.fit(tf.data.Dataset.range(100).batch(1), epochs=2, steps_per_epoch=6, verbose=0)
        assert int(model.seen.numpy()) == 2 * batches


def test_the_settings_default_to_auto_and_the_flags_force_them():
    assert TrainConfig().mixed_precision == "auto" and TrainConfig().steps_per_execution == "auto"
    parser = add_train_arguments(argparse.ArgumentParser())
    config = config_from_args(parser.parse_args(["--no-mixed-precision", "--steps-per-execution", "4"]))
    assert config.mixed_precision is False and config.steps_per_execution == 4
    config = config_from_args(parser.parse_args(["--mixed-precision", "--steps-per-execution", "auto"]))
    assert config.mixed_precision is True and config.steps_per_execution == "auto"
    assert config_from_args(parser.parse_args(["--mixed-precision", "float16"])).mixed_precision is True
    assert config_from_args(parser.parse_args(["--mixed-precision", "bfloat16"])).mixed_precision == "bfloat16"
    for bad in (["--mixed-precision", "float32"], ["--no-mixed-precision=bfloat16"], ["--steps-per-execution", "fast"]):
        with pytest.raises(SystemExit):
            parser.parse_args(bad)
    with pytest.raises(ValueError, match="`steps_per_execution` must be a positive integer or 'auto'. Received"):
        TrainConfig(steps_per_execution="fast")


def test_train_with_a_gpu_and_a_short_step_uses_float16_and_several_steps_per_call(tmp_path, monkeypatch, capsys):
    write_digits_npz(tmp_path / "digits.npz", 64)
    list_devices = tf.config.list_physical_devices
    monkeypatch.setattr(
        main_job.tf.config,
        "list_physical_devices",
        lambda kind=None: [FAKE_GPU] if kind == "GPU" else list_devices(kind),
    )
    # A probe that found a 1 ms step: 20 wanted per call, 4 (the whole epoch of 64 // 16) chosen.
    monkeypatch.setattr(main_job, "choose_for_run", lambda *a: XlaChoice(False, "probe", {"xla": 2e-3, "no_xla": 1e-3}))
    result = main_job.train(
        dataset="npz", data_path=tmp_path / "digits.npz", epochs=2, batch_size=16, verbose=2, output_dir=tmp_path / "r"
    )
    assert "Mixed precision: mixed_float16 because a GPU is present (--no-mixed-precision: float32)." in (
        capsys.readouterr().out
    )
    assert result.gan.steps_per_execution == 4
    assert result.gan.generator.get_layer("project").compute_dtype == "float16"
    assert len(result.history["g_loss"]) == 2 and np.isfinite(result.history["g_loss"][-1])  # every epoch end
    config = json.loads((result.run_dir / "config.json").read_text())
    assert config["mixed_precision"] is True and config["steps_per_execution"] == "auto"  # as it ran; as given
    assert config["devices"] == {"gpus": 1, "mixed_precision": True, "steps_per_execution": 4, "seconds_per_step": 1e-3}


def test_the_input_pipeline_prepares_batches_while_the_step_runs():
    # A slow step (a callback sleeping before each batch) and slow batches (the pipeline's map sleeping): kgan's
    # epoch-indexed pipeline (parallel map, then prefetch) makes the next batches meanwhile, so an epoch takes
    # about the steps' time, not the steps' and the batches' time added up.
    delay, steps = 0.15, 6

    def slow_scale(x):
        def sleepy(batch):
            time.sleep(delay)
            return tf.cast(batch, tf.float32) / 127.5 - 1

        return tf.ensure_shape(tf.py_function(sleepy, [x], tf.float32), [None, *TINY_SHAPE])

    images = np.random.default_rng(0).integers(0, 256, (steps * 8, *TINY_SHAPE), dtype=np.uint8)
    data = _epoch_indexed(images, None, slow_scale, 8, 0, 0, 2)

    class SlowStep(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.began = time.perf_counter()

        def on_train_batch_begin(self, batch, logs=None):
            time.sleep(delay)

        def on_epoch_end(self, epoch, logs=None):
            self.seconds = time.perf_counter() - self.began

    gan = GAN(tiny_generator(), tiny_discriminator(), seed=0)
    gan.compile(jit_compile=False)
    slow = SlowStep()
    gan.fit(data, epochs=2, steps_per_epoch=steps, callbacks=[slow], verbose=0)  # the second epoch is timed
    assert steps * delay <= slow.seconds < 1.5 * steps * delay  # one after the other: 2 * steps * delay
