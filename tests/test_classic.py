"""The lecture 004 loop: DG with D frozen, alternating train_on_batch, correct under Keras 3."""

import warnings

import keras
import numpy as np
import pytest

from conftest import tiny_discriminator, tiny_generator
from kgan import callbacks as kcallbacks
from kgan.core import GAN, losses
from kgan.training.classic import ClassicGAN
from kgan.training.combined import GENERATOR_COSTS, build_combined_model, generator_cost, targets


def make_classic(head="softmax2", num_classes=None, **kwargs):
    gan = ClassicGAN(tiny_generator(num_classes), tiny_discriminator(num_classes, head=head), seed=0, **kwargs)
    gan.compile(jit_compile=False)
    return gan


def weights(model):
    # Every weight of a model that is not trainable now (frozen D); else its
    # trainable weights (G's BatchNorm statistics move whenever it makes fakes).
    variables = model.trainable_weights if model.trainable else model.weights
    return [v.numpy().copy() for v in variables]


def changed(before, model):
    variables = model.trainable_weights if model.trainable else model.weights
    assert len(before) == len(variables) > 0
    return any(not np.array_equal(a, b.numpy()) for a, b in zip(before, variables))


def test_combined_model_is_d_of_g_with_d_frozen():
    generator, discriminator = tiny_generator(), tiny_discriminator(head="softmax2")
    combined = build_combined_model(generator, discriminator)
    assert combined.name == "DG"
    assert combined.layers[-2] is generator and combined.layers[-1] is discriminator
    assert combined.output_shape == (None, 2)
    assert discriminator.trainable is False
    assert {id(v) for v in combined.trainable_weights} == {id(v) for v in generator.trainable_weights}
    z = np.zeros((3, generator.input_shape[-1]), "float32")
    np.testing.assert_allclose(combined(z), discriminator(generator(z)), rtol=1e-6)


def test_discriminator_frozen_during_generator_step(tiny_images):
    gan = make_classic()
    d_before, g_before = weights(gan.discriminator), weights(gan.generator)
    gan.train_generator(8)
    assert not changed(d_before, gan.discriminator)
    assert changed(g_before, gan.generator)


def test_generator_unchanged_during_discriminator_step_and_discriminator_learns(tiny_images):
    gan = make_classic()
    d_before, g_before = weights(gan.discriminator), weights(gan.generator)
    gan.train_discriminator(tiny_images[:8])
    assert not changed(g_before, gan.generator)
    assert changed(d_before, gan.discriminator)


def test_freeze_holds_after_many_alternations_and_retraces(tiny_images):
    gan = make_classic("softmax2")
    # Batch sizes change, so Keras retraces both train functions mid-run: each
    # retrace reads `trainable` again, and must still see the right value.
    for step, batch_size in enumerate([8, 8, 5, 8, 3, 8]):
        d_before, g_before = weights(gan.discriminator), weights(gan.generator)
        gan.train_discriminator(tiny_images[:batch_size])
        assert changed(d_before, gan.discriminator), f"D did not learn in its step {step}"
        assert not changed(g_before, gan.generator), f"G changed in D's step {step}"
        d_before, g_before = weights(gan.discriminator), weights(gan.generator)
        gan.train_generator(batch_size)
        assert not changed(d_before, gan.discriminator), f"D changed in DG's step {step}"
        assert changed(g_before, gan.generator), f"G did not learn in DG's step {step}"
    assert int(gan.d_optimizer.iterations) == 6 and int(gan.g_optimizer.iterations) == 6


def test_conditional_models_stay_frozen_and_learn(tiny_images):
    gan = make_classic("logit", num_classes=3)
    labels = np.arange(8) % 3
    d_before, g_before = weights(gan.discriminator), weights(gan.generator)
    gan.train_discriminator(tiny_images[:8], labels)
    assert changed(d_before, gan.discriminator) and not changed(g_before, gan.generator)
    d_before, g_before = weights(gan.discriminator), weights(gan.generator)
    gan.train_generator(8, labels)
    assert not changed(d_before, gan.discriminator) and changed(g_before, gan.generator)


@pytest.mark.parametrize("head", ["softmax2", "sigmoid", "logit"])
@pytest.mark.parametrize("cost", GENERATOR_COSTS)
def test_dg_loss_is_the_kgan_generator_loss_of_ds_logits(head, cost):
    gan = GAN(tiny_generator(), tiny_discriminator(head=head))
    fakes = gan.generate(np.random.default_rng(0).normal(size=(6, gan.latent_dim)))
    loss_fn, real_target = generator_cost(cost, head)
    dg_loss = loss_fn(targets(head, 6, real=real_target), gan.discriminator(fakes))
    expected = getattr(losses, f"{cost}_generator_loss")(gan.discriminate(fakes))
    np.testing.assert_allclose(float(dg_loss), float(expected), rtol=1e-4, atol=1e-5)


def test_fit_trains_both_and_prints_the_lectures_log(tiny_dataset, capsys):
    gan = make_classic()
    d_before, g_before = weights(gan.discriminator), weights(gan.generator)
    history = gan.fit(tiny_dataset, epochs=2, verbose=2)
    assert set(history.history) == {"d_loss", "g_loss"}
    assert all(len(v) == 2 and np.all(np.isfinite(v)) for v in history.history.values())
    assert changed(d_before, gan.discriminator) and changed(g_before, gan.generator)
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].startswith("0: [D loss: ") and "] [DG loss: " in lines[0]
    assert lines[1].startswith("1: [D loss: ")


def test_k_discriminator_steps_per_generator_step(tiny_dataset):
    gan = make_classic(d_steps=2)
    gan.fit(tiny_dataset, epochs=1, verbose=0)  # 4 batches
    assert int(gan.d_optimizer.iterations) == 4
    assert int(gan.g_optimizer.iterations) == 2


def test_fit_drives_the_same_callbacks_as_gan_fit(tiny_dataset, tmp_path):
    gan = make_classic()
    gan.fit(
        tiny_dataset,
        epochs=2,
        verbose=0,
        callbacks=[
            kcallbacks.SampleGrid(tmp_path / "samples", num_images=4),
            kcallbacks.HistoryLog(tmp_path),
            kcallbacks.Checkpoint(tmp_path / "checkpoints"),
            keras.callbacks.CSVLogger(str(tmp_path / "log.csv")),
        ],
    )
    assert (tmp_path / "samples" / "epoch_0002.png").exists() and (tmp_path / "samples" / "montage.png").exists()
    assert (tmp_path / "history.csv").read_text().splitlines()[0] == "epoch,d_loss,g_loss"
    assert len((tmp_path / "log.csv").read_text().splitlines()) == 3
    restored = keras.saving.load_model(kcallbacks.Checkpoint.latest(tmp_path / "checkpoints"))
    assert isinstance(restored, GAN)
    z = np.zeros((2, gan.latent_dim), "float32")
    np.testing.assert_allclose(restored.generate(z), gan.generate(z), rtol=1e-5, atol=1e-6)


def test_a_callback_can_stop_the_classic_loop(tiny_dataset):
    class StopAfterFirstEpoch(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            self.model.stop_training = True

    gan = make_classic()
    history = gan.fit(tiny_dataset, epochs=5, verbose=0, callbacks=[StopAfterFirstEpoch()])
    assert len(history.history["d_loss"]) == 1


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="Received: loss='wasserstein'"):
        ClassicGAN(tiny_generator(), tiny_discriminator(), loss="wasserstein")
    with pytest.raises(ValueError, match="Received: d_steps=0"):
        ClassicGAN(tiny_generator(), tiny_discriminator(), d_steps=0)
    with pytest.raises(ValueError, match="Received: latent_distribution='gauss'"):
        ClassicGAN(tiny_generator(), tiny_discriminator(), latent_distribution="gauss")
    small_input = keras.Input((4, 4, 1))
    small_d = keras.Model(small_input, keras.layers.Dense(1)(keras.layers.Flatten()(small_input)))
    with pytest.raises(ValueError, match="must fit the discriminator's input"):
        build_combined_model(tiny_generator(), small_d)
    with pytest.raises(RuntimeError, match="compile"):
        ClassicGAN(tiny_generator(), tiny_discriminator()).train_generator(4)


def test_from_gan_trains_the_gans_networks_with_its_optimizers_and_checkpoints_the_gan(tiny_dataset, tmp_path):
    gan = GAN(tiny_generator(), tiny_discriminator(head="sigmoid"), loss="minimax", d_steps=2, seed=0)
    gan.compile(jit_compile=False)
    classic = ClassicGAN.from_gan(gan, jit_compile=False)
    assert (classic.loss, classic.d_steps, classic.head) == ("minimax", 2, "sigmoid")
    classic.fit(
        tiny_dataset.repeat(),
        epochs=2,
        steps_per_epoch=2,
        initial_epoch=1,
        verbose=0,
        callbacks=[kcallbacks.Checkpoint(tmp_path)],
    )
    assert int(gan.d_optimizer.iterations) == 2 and int(gan.g_optimizer.iterations) == 1
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        restored = keras.saving.load_model(kcallbacks.Checkpoint.latest(tmp_path))
    # D's own compile (for train_on_batch) is not saved: no "Skipping variable loading for optimizer" on reload.
    assert not [w for w in caught if "Skipping variable loading" in str(w.message)], [str(w.message) for w in caught]
    assert not restored.discriminator.compiled
    assert int(restored.d_optimizer.iterations) == 2 and int(restored.g_optimizer.iterations) == 1
    assert restored.discriminator.trainable  # D is frozen only inside DG's steps
    with pytest.raises(ValueError, match="plain kgan.GAN"):
        ClassicGAN.from_gan(GAN(tiny_generator(), tiny_discriminator(), penalties=[lambda *a: 0.0]))


def test_an_interrupted_classic_run_resumes_with_both_optimizers_and_no_warning(tmp_path, capsys):
    from kgan.data import load_arrays
    from kgan.training import train

    images, labels, _ = load_arrays()
    data = tmp_path / "small.npz"
    np.savez(data, x=images[:128, ..., 0], y=labels[:128])
    settings = dict(
        dataset="npz",
        data_path=data,
        batch_size=32,
        trainer="classic",
        seed=1,
        verbose=0,
        output_dir=tmp_path / "run",
        export_dir=tmp_path / "exports",
    )
    train(epochs=1, **settings)
    (tmp_path / "run" / "finished.json").unlink()  # what a kill after epoch 1 leaves
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = train(epochs=2, **settings)
    assert "Resuming the interrupted run" in capsys.readouterr().out
    assert not [w for w in caught if "Skipping variable loading" in str(w.message)]
    assert int(result.gan.d_optimizer.iterations) == 8 and int(result.gan.g_optimizer.iterations) == 8
    assert (tmp_path / "run" / "history.csv").read_text().splitlines()[1:][-1].startswith("2,")
