"""Callbacks write their pictures, curves and checkpoints; TensorBoard works alongside."""

import keras
import numpy as np
import pytest
from PIL import Image

from conftest import tiny_discriminator, tiny_generator
from kgan.callbacks import Checkpoint, HistoryLog, SampleGrid
from kgan.core import GAN


def make_gan(num_classes=None):
    gan = GAN(tiny_generator(num_classes), tiny_discriminator(num_classes), seed=0)
    gan.compile(jit_compile=False)
    return gan


def test_sample_grid_writes_a_png_per_epoch_and_a_montage(tiny_dataset, tmp_path):
    gan = make_gan()
    gan.fit(tiny_dataset.take(1), epochs=3, verbose=0, callbacks=[SampleGrid(tmp_path, num_images=16)])
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["epoch_0001.png", "epoch_0002.png", "epoch_0003.png", "montage.npz", "montage.png"]
    with Image.open(tmp_path / "epoch_0001.png") as image:
        assert image.format == "PNG" and image.size[0] >= 4 * 8
    with Image.open(tmp_path / "montage.png") as image:
        assert image.size[1] > image.size[0] / 10  # three rows, one per epoch


def test_sample_grid_uses_the_same_latent_batch_every_epoch(tiny_dataset, tmp_path):
    gan = make_gan()
    grid = SampleGrid(tmp_path, num_images=4)
    gan.fit(tiny_dataset.take(1), epochs=1, verbose=0, callbacks=[grid])
    first = grid.generate()
    np.testing.assert_array_equal(first, grid.generate())


def test_sample_grid_every_n_epochs_still_saves_the_last(tiny_dataset, tmp_path):
    gan = make_gan()
    gan.fit(tiny_dataset.take(1), epochs=5, verbose=0, callbacks=[SampleGrid(tmp_path, num_images=4, every=2)])
    assert sorted(p.name for p in tmp_path.glob("epoch_*")) == ["epoch_0002.png", "epoch_0004.png", "epoch_0005.png"]


def test_sample_grid_for_a_conditional_gan_has_one_row_per_class(tiny_dataset, tmp_path):
    gan = make_gan(num_classes=3)
    grid = SampleGrid(tmp_path, num_images=6, num_classes=3)
    gan.fit(tiny_dataset.take(1), epochs=1, verbose=0, callbacks=[grid])
    assert grid._labels.tolist() == [0, 0, 1, 1, 2, 2]
    assert (tmp_path / "epoch_0001.png").exists()


def test_history_log_writes_a_csv_row_per_epoch_and_a_plot(tiny_dataset, tmp_path):
    gan = make_gan()
    history = gan.fit(tiny_dataset.take(1), epochs=2, verbose=0, callbacks=[HistoryLog(tmp_path)]).history
    with Image.open(tmp_path / "history.png") as image:
        assert image.format == "PNG"
    header, *rows = (tmp_path / "history.csv").read_text().splitlines()
    assert header.split(",") == ["epoch", "d_fake_acc", "d_loss", "d_real_acc", "g_loss"]
    assert [r.split(",")[0] for r in rows] == ["1", "2"]
    assert float(rows[1].split(",")[2]) == pytest.approx(history["d_loss"][1], rel=1e-5)


def test_checkpoint_saves_atomically_keeps_the_newest_and_reloads(tiny_dataset, tmp_path):
    gan = make_gan()
    gan.fit(tiny_dataset.take(1), epochs=4, verbose=0, callbacks=[Checkpoint(tmp_path, keep=2)])
    assert [p.name for _, p in Checkpoint.list(tmp_path)] == ["epoch_0003.keras", "epoch_0004.keras"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".tmp")]
    loaded = keras.saving.load_model(Checkpoint.latest(tmp_path))
    assert int(loaded.g_optimizer.iterations) == 4


def test_checkpoint_skips_a_non_finite_loss_but_not_a_score_another_callback_left_unevaluated(tmp_path):
    gan = make_gan()
    checkpoint = Checkpoint(tmp_path)
    checkpoint.set_model(gan)
    checkpoint.set_params({"epochs": 10})
    checkpoint.on_epoch_end(0, {"d_loss": float("nan"), "g_loss": 1.0})
    assert Checkpoint.list(tmp_path) == []
    # GANMetrics logs NaN scores on the epochs it does not evaluate: the model is fine, save it.
    checkpoint.on_epoch_end(1, {"d_loss": 0.5, "g_loss": 1.0, "classifier_score": float("nan")})
    assert [p.name for _, p in Checkpoint.list(tmp_path)] == ["epoch_0002.keras"]


def test_standard_tensorboard_callback_works(tiny_dataset, tmp_path):
    gan = make_gan()
    gan.fit(tiny_dataset.take(1), epochs=1, verbose=0, callbacks=[keras.callbacks.TensorBoard(str(tmp_path))])
    assert list(tmp_path.rglob("events.out.tfevents.*"))


def test_history_log_and_montage_continue_after_a_resume(tiny_dataset, tmp_path):
    gan = make_gan()
    gan.fit(
        tiny_dataset.take(1),
        epochs=3,
        verbose=0,
        callbacks=[HistoryLog(tmp_path), SampleGrid(tmp_path / "samples", num_images=4)],
    )
    # A crash after epoch 3 whose last checkpoint was epoch 2: resume at epoch 2 (0-based) with new callbacks.
    gan.fit(
        tiny_dataset.take(1),
        initial_epoch=2,
        epochs=4,
        verbose=0,
        callbacks=[HistoryLog(tmp_path), SampleGrid(tmp_path / "samples", num_images=4)],
    )
    rows = (tmp_path / "history.csv").read_text().splitlines()[1:]
    assert [r.split(",")[0] for r in rows] == ["1", "2", "3", "4"]
    with np.load(tmp_path / "samples" / "montage.npz") as saved:
        assert sorted(saved.files) == ["epoch_0001", "epoch_0002", "epoch_0003", "epoch_0004"]


def test_sample_grids_appear_in_tensorboard(tiny_dataset, tmp_path):
    import tensorflow as tf

    gan = make_gan()
    gan.fit(
        tiny_dataset.take(1),
        epochs=2,
        verbose=0,
        callbacks=[SampleGrid(tmp_path / "samples", num_images=4, tensorboard_dir=tmp_path / "tb")],
    )
    events = list((tmp_path / "tb").glob("events.out.tfevents.*"))
    steps = [
        value.tag
        for e in events
        for record in tf.compat.v1.train.summary_iterator(str(e))
        for value in record.summary.value
    ]
    assert steps.count("samples") == 2
