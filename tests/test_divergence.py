"""DivergenceMonitor: NaN losses, a perfect discriminator and collapsed samples stop or warn."""

import keras
import numpy as np
import pytest

from conftest import tiny_discriminator, tiny_generator
from kgan.callbacks import Checkpoint, DivergenceMonitor, DivergenceWarning
from kgan.core import GAN


def make_gan(**kwargs):
    gan = GAN(tiny_generator(), tiny_discriminator(), seed=0, **kwargs)
    gan.compile(jit_compile=False)
    return gan


def poison_after(steps, gan):
    """A callback that sets one D weight to NaN after `steps` batches: a run that blows up mid-way."""

    def poison(batch, logs):
        if int(gan.d_optimizer.iterations) == steps:
            kernel = gan.discriminator.get_layer("score").kernel
            kernel.assign(np.full(kernel.shape, np.nan, "float32"))

    return keras.callbacks.LambdaCallback(on_train_batch_end=poison)


def test_nan_loss_stops_training_and_names_the_last_good_checkpoint(tiny_dataset, tmp_path):
    gan = make_gan()
    monitor = DivergenceMonitor(checkpoint_dir=tmp_path)
    history = gan.fit(
        tiny_dataset.take(2).repeat(),
        epochs=5,
        steps_per_epoch=2,
        verbose=0,
        callbacks=[poison_after(2, gan), Checkpoint(tmp_path), monitor],
    ).history
    assert len(history["d_loss"]) == 2  # stopped during epoch 2
    assert "d_loss is nan at epoch 2, batch 1" in monitor.reason
    assert "Last good checkpoint: " + str(tmp_path / "epoch_0001.keras") in monitor.reason
    # The NaN epoch was not checkpointed, so the good one is still the newest.
    assert Checkpoint.latest(tmp_path).name == "epoch_0001.keras"


def test_warn_action_warns_and_keeps_training(tiny_dataset):
    gan = make_gan()
    with pytest.warns(DivergenceWarning, match="d_loss is nan"):
        history = gan.fit(
            tiny_dataset.take(2).repeat(),
            epochs=3,
            steps_per_epoch=2,
            verbose=0,
            callbacks=[poison_after(2, gan), DivergenceMonitor(action="warn")],
        ).history
    assert len(history["d_loss"]) == 3


def test_a_discriminator_perfect_for_patience_batches_is_reported():
    monitor = DivergenceMonitor(action="warn", patience=3)
    monitor.set_model(make_gan())
    for batch in range(2):
        monitor.on_train_batch_end(batch, {"d_loss": 0.01, "d_real_acc": 1.0, "d_fake_acc": 1.0})
    monitor.on_train_batch_end(2, {"d_loss": 0.3, "d_real_acc": 0.9, "d_fake_acc": 1.0})  # resets
    assert monitor.reason is None
    with pytest.warns(DivergenceWarning, match="perfect on real and fake for 3 batches"):
        for batch in range(3):
            monitor.on_train_batch_end(batch, {"d_loss": 0.01, "d_real_acc": 1.0, "d_fake_acc": 1.0})


def test_collapsed_generator_is_reported_at_epoch_end():
    gan = make_gan()
    output = gan.generator.get_layer("output_conv")
    output.kernel.assign(np.zeros(output.kernel.shape, "float32"))  # every latent -> the same image
    monitor = DivergenceMonitor(action="warn", collapse_start_epoch=3)
    monitor.set_model(gan)
    monitor.on_epoch_end(0)  # too early to judge a young generator
    assert monitor.reason is None
    with pytest.warns(DivergenceWarning, match="collapsed after epoch 3"):
        monitor.on_epoch_end(2)


def test_healthy_run_is_left_alone(tiny_dataset):
    monitor = DivergenceMonitor()
    make_gan().fit(tiny_dataset.take(2), epochs=2, verbose=0, callbacks=[monitor])
    assert monitor.reason is None


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="action='halt'"):
        DivergenceMonitor(action="halt")
    with pytest.raises(ValueError, match="patience=0"):
        DivergenceMonitor(patience=0)
