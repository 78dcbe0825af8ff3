"""StackGAN (Zhang et al. 2017): captions, conditioning augmentation, the matching-aware D, both stages, export."""

import numpy as np
import pytest

from conftest import load_script, run_entry
from kgan.data.captions import (
    HELD_OUT_TEMPLATES,
    TRAIN_TEMPLATES,
    all_captions,
    caption_dataset,
    caption_vectorizer,
    make_captions,
)


def test_train_and_held_out_templates_are_disjoint_and_name_the_digit():
    assert not set(TRAIN_TEMPLATES) & set(HELD_OUT_TEMPLATES)
    for digit in range(10):
        train, held_out = set(all_captions(digit, "train")), set(all_captions(digit, "held_out"))
        assert not train & held_out
        for caption in train | held_out:
            words = [word.strip(",") for word in caption.split()]
            assert str(digit) in words or _word(digit) in words


def _word(digit):
    return ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")[digit]


def test_captions_are_deterministic_given_the_seed_and_varied():
    labels = np.arange(100) % 10
    first, again, other = make_captions(labels, seed=3), make_captions(labels, seed=3), make_captions(labels, seed=4)
    assert list(first) == list(again) and list(first) != list(other)
    assert len(set(first)) > 50  # templates and names vary
    assert all(caption in all_captions(label) for caption, label in zip(first, labels))
    assert all(c in all_captions(label, "held_out") for c, label in zip(make_captions(labels, "held_out"), labels))


def test_the_vocabulary_is_adapted_on_training_captions_only():
    vocabulary = set(caption_vectorizer().get_vocabulary())
    assert {"handwritten", "seven", "7", "digit"} <= vocabulary
    assert "drawing" not in vocabulary  # a held-out template's word


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: make_captions([3, 10]), "digits 0-9"),
        (lambda: make_captions([]), "non-empty"),
        (lambda: make_captions([1], templates="test"), "templates"),
        (lambda: caption_vectorizer(0), "sequence_length"),
    ],
)
def test_bad_caption_arguments_are_refused(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_caption_dataset_pairs_each_image_with_a_caption_of_its_label():
    images = np.arange(10, dtype="float32").reshape(10, 1, 1, 1)  # the image's value is its label
    images_batch, captions, _ = next(iter(caption_dataset(images, np.arange(10), 10, seed=0)))
    for value, caption in zip(images_batch.numpy().ravel(), captions.numpy()):
        assert caption.decode() in all_captions(int(value))


def _caption_digit(caption):
    return next(digit for digit in range(10) if caption in all_captions(digit))


def test_mismatched_captions_never_name_the_image_digit_and_cover_every_other_digit():
    images = np.arange(10, dtype="float32").reshape(10, 1, 1, 1)  # the image's value is its label
    others = {digit: set() for digit in range(10)}
    for images_batch, _, mismatched in caption_dataset(images, np.arange(10), 10, seed=3).take(60):
        for value, caption in zip(images_batch.numpy().ravel(), mismatched.numpy()):
            digit = _caption_digit(caption.decode())  # a training caption of some digit
            assert digit != int(value), f"{caption!r} names its own image's digit {int(value)}"
            others[int(value)].add(digit)
    assert all(seen == set(range(10)) - {digit} for digit, seen in others.items())


def test_caption_dataset_is_deterministic_given_the_seed():
    images, labels = np.zeros((20, 1, 1, 1), "float32"), np.arange(20) % 10

    def batches(seed):
        return [[t.numpy().tolist() for t in batch] for batch in caption_dataset(images, labels, 5, seed).take(6)]

    assert batches(7) == batches(7)
    assert batches(7) != batches(8)


# --- the networks and the model ------------------------------------------------------------------------------


def _tiny_stackgan(stage=1, seed=0, pull_weight=0.0):
    """A StackGAN for 8 x 8 digits (stage I at 4 x 4), latent size 4, small text embeddings."""
    from kgan.models.stackgan import (
        build_matching_discriminator,
        build_stage1_generator,
        build_stage2_generator,
        build_text_encoder,
    )
    from kgan.variants.stackgan import StackGAN

    encoder = build_text_encoder(caption_vectorizer(), embedding_dim=8, text_dim=8)
    return StackGAN(
        encoder,
        build_stage1_generator(4, 8, (4, 4, 1), condition_dim=4, filters=8, seed=seed),
        build_matching_discriminator((4, 4, 1), 8, filters=4, downsamples=1, text_units=4),
        build_stage2_generator((4, 4, 1), 8, condition_dim=4, filters=8, residual_blocks=1, seed=seed),
        build_matching_discriminator((8, 8, 1), 8, filters=4, downsamples=2, text_units=4),
        stage=stage,
        pull_weight=pull_weight,
        seed=seed,
    )


def _tiny_data(count=32, size=8):
    from kgan.data import load_arrays

    images, labels, _ = load_arrays()
    import tensorflow as tf

    small = tf.image.resize(images[:count].astype("float32"), (size, size), antialias=True).numpy()
    return small / 127.5 - 1.0, labels[:count]


def test_kl_divergence_matches_a_hand_computed_value():
    from kgan.models.stackgan import kl_divergence

    mean = np.array([[1.0, 0.0], [0.0, 0.0]], "float32")
    log_variance = np.array([[0.0, np.log(2.0)], [0.0, 0.0]], "float32")
    # Row 0: 0.5 * ((1 + 1 - 1 - 0) + (0 + 2 - 1 - log 2)); row 1: N(0, I) itself, 0.
    expected = [0.5 * (1.0 + 1.0 - np.log(2.0)), 0.0]
    np.testing.assert_allclose(np.asarray(kl_divergence(mean, log_variance)), expected, rtol=1e-6)


def test_conditioning_augmentation_samples_in_training_and_returns_its_mean_in_inference():
    from kgan.models.stackgan import ConditioningAugmentation, kl_divergence

    layer = ConditioningAugmentation(3, seed=0)
    embedding = np.ones((5, 6), "float32")
    mean, _ = layer(embedding)
    drawn, kl = layer(embedding, training=True)
    mean_and_log_variance = np.asarray(layer.dense(embedding))
    np.testing.assert_allclose(np.asarray(mean), mean_and_log_variance[:, :3], rtol=1e-6)
    assert not np.allclose(np.asarray(drawn), np.asarray(mean))
    per_row = np.asarray(kl_divergence(mean_and_log_variance[:, :3], mean_and_log_variance[:, 3:]))
    np.testing.assert_allclose(np.asarray(kl), per_row / 3, rtol=1e-6)  # per dimension of the condition


def test_matching_aware_discriminator_loss_matches_hand_values():
    from kgan.variants.stackgan import matching_aware_discriminator_loss

    real, fake, mismatched = np.array([0.0, 2.0]), np.array([0.0, -1.0]), np.array([1.0, 1.0])
    softplus = lambda x: np.log1p(np.exp(x))  # noqa: E731
    expected = np.mean(softplus(-real)) + 0.5 * (np.mean(softplus(fake)) + np.mean(softplus(mismatched)))
    loss = float(matching_aware_discriminator_loss(real, fake, mismatched))
    assert loss == pytest.approx(expected, rel=1e-6)
    # Calling a real image with the wrong caption real costs D, as calling a fake real does.
    assert float(matching_aware_discriminator_loss(real, fake, -mismatched)) < loss


def test_g1s_correction_is_bounded_by_the_limit_and_starts_as_g0_enlarged():
    import tensorflow as tf

    from kgan.models.stackgan import ResidualRefinement, build_stackgan_networks

    base = np.array([0.0, 0.0, -0.99, 0.5], "float32").reshape(1, 2, 2, 1)
    residual = np.array([100.0, 0.5, 100.0, 0.0], "float32").reshape(1, 2, 2, 1)
    bounded = np.asarray(ResidualRefinement(limit=1.0)([base, residual])).ravel()
    # tanh(atanh(base) + tanh(residual)): a background pixel (-0.99) cannot become a stroke.
    np.testing.assert_allclose(bounded, [np.tanh(1.0), np.tanh(np.tanh(0.5)), np.tanh(-2.6467 + 1.0), 0.5], atol=1e-4)
    unbounded = np.asarray(ResidualRefinement()([base, residual])).ravel()
    np.testing.assert_allclose(unbounded[[0, 2]], [1.0, 1.0], atol=1e-6)
    assert ResidualRefinement.from_config(ResidualRefinement(limit=2.0).get_config()).limit == 2.0

    _, g0, _, g1, _ = build_stackgan_networks(caption_vectorizer(), (8, 8, 1), latent_dim=4, size="small", seed=0)
    assert g1.get_layer("images").limit == 1.0  # the default
    text = tf.ones((2, 16))
    low, _ = g0([tf.random.stateless_normal((2, 4), seed=(0, 0)), text])
    images, _ = g1([low, text])  # the correction's last convolution starts at zero
    enlarged = tf.image.resize(low, (8, 8), method="bilinear")
    np.testing.assert_allclose(np.asarray(images), np.clip(enlarged, -0.999, 0.999), atol=1e-5)


@pytest.mark.parametrize("limit", [0, -1.0, float("inf"), float("nan"), True, "1"])
def test_a_bad_correction_limit_is_refused_before_the_run_folder_is_touched(limit, tmp_path):
    from kgan.models.stackgan import ResidualRefinement
    from kgan.training.stackgan import train_stackgan

    with pytest.raises(ValueError, match="limit"):
        ResidualRefinement(limit=limit)
    with pytest.raises(ValueError, match=r"correction_limit.*Received: correction_limit="):
        train_stackgan(tmp_path / "run", correction_limit=limit)
    assert not (tmp_path / "run").exists()


def test_stage1_pull_loss_matches_a_hand_computed_value():
    from kgan.variants.stackgan import stage1_pull_loss

    # Bilinear (half-pixel centres) enlarges the rows [-1, 1] to [-1, -0.5, 0.5, 1]; G1's images are 0.
    low = np.array([[-1.0, 1.0], [-1.0, 1.0]], "float32").reshape(1, 2, 2, 1)
    images = np.zeros((1, 4, 4, 1), "float32")
    assert float(stage1_pull_loss(images, low)) == pytest.approx((1 + 0.5 + 0.5 + 1) / 4)
    assert float(stage1_pull_loss(images + 0.25, low)) == pytest.approx((1.25 + 0.75 + 0.25 + 0.75) / 4)


def test_the_pull_keeps_g1_near_g0_enlarged_and_is_logged_in_stage_two_only():
    import keras

    from kgan.data.captions import caption_dataset

    images, labels = _tiny_data()
    data = caption_dataset(images, labels, 8, seed=0)
    pulls = {}
    for weight in (0.0, 100.0):
        stackgan = _tiny_stackgan(stage=2, pull_weight=weight)
        stackgan.compile(d_optimizer=keras.optimizers.Adam(1e-2), g_optimizer=keras.optimizers.Adam(1e-2))
        pulls[weight] = stackgan.fit(data, steps_per_epoch=5, epochs=2, verbose=0).history["pull"][-1]
    assert pulls[100.0] < 0.5 * pulls[0.0], pulls
    stackgan.stage = 1
    stackgan.compile()
    assert "pull" not in stackgan.fit(data, steps_per_epoch=1, epochs=1, verbose=0).history


@pytest.mark.parametrize("weight", [-1.0, float("nan"), float("inf"), True, "1"])
def test_a_bad_pull_weight_is_refused(weight):
    from kgan.variants.stackgan import StackGAN

    with pytest.raises(ValueError, match="pull_weight"):
        StackGAN(*[None] * 5, pull_weight=weight)


def test_the_vocabulary_survives_keras_save_and_load(tmp_path):
    import keras

    from kgan.models.stackgan import build_text_encoder

    encoder = build_text_encoder(caption_vectorizer(), embedding_dim=8, text_dim=8)
    encoder.save(tmp_path / "encoder.keras")
    restored = keras.saving.load_model(tmp_path / "encoder.keras")
    captions = np.array(["a handwritten seven", "the digit 3", "an unknown word"])
    assert restored.layers[1].get_vocabulary() == encoder.layers[1].get_vocabulary()
    np.testing.assert_array_equal(np.asarray(restored(captions)), np.asarray(encoder(captions)))


def test_stage_one_trains_g0_and_stage_two_keeps_g0_and_the_encoder_frozen():
    from kgan.data.captions import caption_dataset

    images, labels = _tiny_data()
    stackgan = _tiny_stackgan(stage=1)
    stackgan.compile()
    data = caption_dataset(images, labels, 8, seed=0)
    before = [w.numpy().copy() for w in stackgan.stage1_generator.weights]
    logs = stackgan.fit(data, steps_per_epoch=2, epochs=1, verbose=0).history
    assert set(logs) == {"d_loss", "g_loss", "kl"} and all(np.isfinite(v[-1]) for v in logs.values())
    assert any(not np.array_equal(b, w.numpy()) for b, w in zip(before, stackgan.stage1_generator.weights))

    stackgan.stage = 2
    stackgan.compile()
    frozen = [w.numpy().copy() for w in stackgan.stage1_generator.weights + stackgan.text_encoder.weights]
    g1_before = [w.numpy().copy() for w in stackgan.stage2_generator.trainable_weights]
    stackgan.fit(data, steps_per_epoch=2, epochs=1, verbose=0)
    after = stackgan.stage1_generator.weights + stackgan.text_encoder.weights
    assert all(np.array_equal(b, w.numpy()) for b, w in zip(frozen, after))
    assert any(not np.array_equal(b, w.numpy()) for b, w in zip(g1_before, stackgan.stage2_generator.trainable_weights))
    images_out, low = stackgan.generate(np.array(["a handwritten seven", "digit 3"]))
    assert images_out.shape == (2, 8, 8, 1) and low.shape == (2, 4, 4, 1)


def test_a_stage_two_stackgan_saves_and_reloads_with_its_stage_weights_and_optimizer(tmp_path):
    import keras

    from kgan.data.captions import caption_dataset

    images, labels = _tiny_data()
    stackgan = _tiny_stackgan(stage=2, pull_weight=3.0)
    stackgan.compile()
    data = caption_dataset(images, labels, 8, seed=0)
    stackgan.fit(data, steps_per_epoch=1, epochs=1, verbose=0)
    stackgan.save(tmp_path / "stackgan.keras")
    restored = keras.saving.load_model(tmp_path / "stackgan.keras")
    assert restored.stage == 2 and not restored.stage1_generator.trainable and restored.pull_weight == 3.0
    for a, b in zip(stackgan.weights, restored.weights):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    for a, b in zip(stackgan.g_optimizer.variables, restored.g_optimizer.variables):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def _recording_stackgan(stage=1):
    """The tiny StackGAN whose text encoder keeps every caption batch it is called on (`.seen`)."""
    import keras

    from kgan.variants.stackgan import StackGAN

    class RecordingEncoder(keras.layers.Layer):
        def __init__(self, encoder):
            super().__init__()
            self.encoder = encoder
            self.seen = []

        def call(self, captions, training=False):
            self.seen.append([c.decode() for c in np.asarray(captions)])
            return self.encoder(captions, training=training)

    tiny = _tiny_stackgan(stage=stage)
    networks = ("stage1_generator", "stage1_discriminator", "stage2_generator", "stage2_discriminator")
    encoder = RecordingEncoder(tiny.text_encoder)
    return StackGAN(encoder, *(getattr(tiny, name) for name in networks), stage=stage, seed=0), encoder


@pytest.mark.parametrize("stage", [1, 2])
def test_the_discriminator_reads_the_batch_mismatched_captions_not_a_roll_of_its_captions(stage):
    import tensorflow as tf

    images, labels = _tiny_data(count=4)
    captions = make_captions(labels, seed=0)
    mismatched = make_captions((labels + 5) % 10, seed=1)
    stackgan, encoder = _recording_stackgan(stage)
    stackgan.compile(run_eagerly=True)  # eager, so the encoder records the strings it is given
    stackgan.fit(tf.data.Dataset.from_tensors((images, captions, mismatched)), epochs=1, verbose=0)
    assert mismatched.tolist() in encoder.seen
    assert all(batch in (captions.tolist(), mismatched.tolist()) for batch in encoder.seen)


def test_a_batch_without_mismatched_captions_is_refused():
    import tensorflow as tf

    images, labels = _tiny_data(count=4)
    stackgan = _tiny_stackgan()
    stackgan.compile()
    batches = tf.data.Dataset.from_tensors((images, make_captions(labels)))
    with pytest.raises(ValueError, match=r"mismatched_captions.*Received: a batch of 2"):
        stackgan.fit(batches, epochs=1, verbose=0)


@pytest.mark.parametrize("stage", [0, 3, "2", True])
def test_an_unknown_stage_is_refused(stage):
    with pytest.raises(ValueError, match="`stage` must be 1 or 2"):
        _tiny_stackgan(stage=stage)


# --- the run, the script, the export -------------------------------------------------------------------------

import json  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

from kgan.cli.errors import run_main  # noqa: E402

TINY_RUN = dict(image_size=8, size="small", stage1_epochs=1, stage2_epochs=1, batch_size=8, max_steps_per_epoch=2)


def _digits_npz(path, count=48):
    from tests.conftest import write_digits_npz

    return write_digits_npz(path, count)


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    from kgan.training.stackgan import train_stackgan

    folder = tmp_path_factory.mktemp("stackgan")
    data = _digits_npz(folder / "digits.npz")
    model, export = train_stackgan(folder / "run", data=str(data), verbose=0, **TINY_RUN)
    return folder / "run", data, model, export


def script_main(argv):
    return run_main(load_script("train_stackgan").main, argv)


def test_one_epoch_of_each_stage_writes_a_kgan_run_with_grids_checkpoints_and_export(tiny_run):
    run_dir, _, model, export = tiny_run
    for name in ("kgan-run.json", "config.json", "finished.json"):
        assert (run_dir / name).is_file()
    for stage in (1, 2):
        assert (run_dir / "checkpoints" / f"stage{stage}" / "epoch_0001.keras").is_file()
        assert (run_dir / "samples" / f"stage{stage}" / "epoch_0001.png").is_file()
        assert (run_dir / "samples" / f"stage{stage}" / "history.csv").is_file()
    assert model.stage == 2 and export == run_dir / "saved_models" / "stackgan" / "1"
    assert json.loads((export / "assets.extra" / "kgan.json").read_text())["kind"] == "text_to_image"


def test_a_finished_run_is_refused_without_overwrite_and_a_foreign_folder_always(tiny_run, tmp_path):
    from kgan.training.stackgan import train_stackgan

    run_dir, data, _, _ = tiny_run
    with pytest.raises(FileExistsError, match="finished run"):
        train_stackgan(run_dir, data=str(data), verbose=0, **TINY_RUN)
    (tmp_path / "mine.txt").write_text("not kgan's")
    with pytest.raises(FileExistsError, match="not a kgan run"):
        train_stackgan(tmp_path, data=str(data), verbose=0, **TINY_RUN)


def test_an_interrupted_run_resumes_each_stage_from_its_checkpoint(tiny_run, tmp_path):
    from kgan.training.stackgan import train_stackgan

    run_dir, data, _, _ = tiny_run
    resumed = tmp_path / "run"
    shutil.copytree(run_dir, resumed)
    for name in ("finished.json", "saved_models"):
        shutil.rmtree(resumed / name) if (resumed / name).is_dir() else (resumed / name).unlink()
    shutil.rmtree(resumed / "checkpoints" / "stage2")  # killed during stage II's first epoch
    stage1 = resumed / "checkpoints" / "stage1" / "epoch_0001.keras"
    written = stage1.stat().st_mtime_ns
    model, export = train_stackgan(resumed, data=str(data), verbose=0, **TINY_RUN)
    assert stage1.stat().st_mtime_ns == written  # stage I was not trained again
    assert [p.name for p in (resumed / "checkpoints" / "stage2").glob("*.keras")] == ["epoch_0001.keras"]
    assert model.stage == 2 and export.is_dir()


TWO_EPOCH_RUN = {**TINY_RUN, "stage1_epochs": 2, "stage2_epochs": 2, "export_name": None}


def everything(model):
    """Every number a resumed run must get back: the weights, both optimizers and the random states."""
    rngs = [model.seed_generator.state] + [
        network.get_layer("conditioning").seed_generator.state
        for network in (model.stage1_generator, model.stage2_generator)
    ]
    optimizers = model.d_optimizer.variables + model.g_optimizer.variables
    return [np.asarray(v) for v in model.weights + optimizers + rngs]


@pytest.fixture(scope="module")
def two_epoch_run(tiny_run, tmp_path_factory):
    from kgan.training.stackgan import train_stackgan

    data = tiny_run[1]
    folder = tmp_path_factory.mktemp("two_epochs") / "run"
    return folder, data, train_stackgan(folder, data=str(data), verbose=0, **TWO_EPOCH_RUN)[0]


@pytest.mark.parametrize("stage", [1, 2])
def test_a_run_killed_after_an_epoch_of_either_stage_resumes_to_the_uninterrupted_runs_weights(
    two_epoch_run, tmp_path, stage
):
    from kgan.training.stackgan import train_stackgan

    run_dir, data, straight = two_epoch_run
    killed = tmp_path / "run"
    shutil.copytree(run_dir, killed)
    (killed / "finished.json").unlink()
    # Killed after the first epoch of `stage`: that epoch's checkpoint is the newest one.
    for later in [killed / "checkpoints" / f"stage{stage}" / "epoch_0002.keras"] + (
        [killed / "checkpoints" / "stage2"] if stage == 1 else []
    ):
        shutil.rmtree(later) if later.is_dir() else later.unlink()
    model, _ = train_stackgan(killed, data=str(data), verbose=0, **TWO_EPOCH_RUN)
    reference, resumed = everything(straight), everything(model)
    assert model.stage == 2 and len(resumed) == len(reference)
    for mine, theirs in zip(resumed, reference):
        np.testing.assert_array_equal(mine, theirs)


def test_resuming_with_other_settings_is_refused(tiny_run, tmp_path):
    from kgan.training.stackgan import train_stackgan

    run_dir, data, _, _ = tiny_run
    resumed = tmp_path / "run"
    shutil.copytree(run_dir, resumed)
    (resumed / "finished.json").unlink()
    with pytest.raises(ValueError, match="kl_weight=2.0"):
        train_stackgan(resumed, data=str(data), verbose=0, kl_weight=1.0, **TINY_RUN)


def test_export_answers_for_the_model_and_keeps_the_vocabulary(tiny_run):
    from kgan.serving.text_to_image import load_text_to_image

    _, _, model, export = tiny_run
    loaded = load_text_to_image(export)
    captions = ["a handwritten seven", "the digit 3", "a word it never saw"]
    images, low = loaded(captions, seed=5, stage1=True)
    from kgan.core.latent import latent_from_seed

    expected, expected_low = model.generate(np.array(captions), latent_from_seed(5, model.latent_dim, count=3))
    np.testing.assert_allclose(images, np.asarray(expected), atol=1e-5)
    np.testing.assert_allclose(low, np.asarray(expected_low), atol=1e-5)
    with pytest.raises(ValueError, match="non-empty"):
        loaded(["a handwritten seven", " "])


def test_export_stores_each_weight_once_and_the_vocabulary(tiny_run):
    import tensorflow as tf

    _, _, model, export = tiny_run
    reader = tf.train.load_checkpoint(str(export / "variables" / "variables"))
    shapes = reader.get_variable_to_shape_map()
    stored = sum(int(np.prod(shape)) for key, shape in shapes.items() if key.endswith("VARIABLE_VALUE"))
    networks = (model.text_encoder, model.stage1_generator, model.stage2_generator)
    assert stored == sum(network.count_params() for network in networks)  # no weight twice
    assert any(key.endswith("table-keys") for key in shapes)  # the vocabulary, a lookup table


@pytest.mark.slow  # two fresh processes import TensorFlow
def test_export_runs_in_a_tensorflow_only_process_and_answers_saved_model_cli(tiny_run):
    _, _, _, export = tiny_run
    code = (
        "import sys, tensorflow as tf\n"
        "m = tf.saved_model.load(sys.argv[1])\n"
        "out = m.signatures['serving_default'](text=tf.constant(['a handwritten three', 'digit 7']))\n"
        "print(sorted(out), tuple(out['images'].shape), tuple(out['stage1_images'].shape))\n"
        "assert 'kgan' not in sys.modules\n"
    )
    result = subprocess.run([sys.executable, "-c", code, str(export)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "['images', 'stage1_images'] (2, 8, 8, 1) (2, 4, 4, 1)" in result.stdout
    cli = shutil.which("saved_model_cli")
    if cli is None:
        pytest.skip("saved_model_cli is not installed")
    args = [cli, "run", "--dir", str(export), "--tag_set", "serve", "--signature_def", "serving_default"]
    answered = subprocess.run(
        [*args, "--input_exprs", 'text=["a handwritten three"]'], capture_output=True, text=True, timeout=120
    )
    assert answered.returncode == 0, answered.stderr[-2000:]
    assert "Result for output key images" in answered.stdout


def test_kgan_sample_text_writes_a_grid_and_refuses_an_empty_caption(tiny_run, tmp_path, capsys):
    from kgan.cli.commands import main as kgan_main

    _, _, _, export = tiny_run
    output = tmp_path / "three.png"
    status, out, _ = run_entry(
        capsys, kgan_main, "sample", export.parent, "--text", "a handwritten three", "-n", 4, "-o", output
    )
    assert status == 0 and output.is_file() and "Wrote 4 images" in out
    status, _, err = run_entry(capsys, kgan_main, "sample", export, "--text", "  ", "-o", tmp_path / "empty.png")
    assert status == 2 and len(err.strip().splitlines()) == 1 and "--text" in err


def test_kgan_sample_text_refuses_an_export_of_another_kind(tmp_path, capsys):
    from kgan.cli.commands import main as kgan_main

    shipped = Path(__file__).resolve().parents[1] / "saved_models" / "mnist_infogan"
    status, _, err = run_entry(capsys, kgan_main, "sample", shipped, "--text", "a three", "-o", tmp_path / "x.png")
    assert status == 2 and "not a text-to-image export" in err and len(err.strip().splitlines()) == 1


def test_script_one_epoch_each_and_bad_flags_exit_2_with_one_line(tiny_run, tmp_path, capsys):
    _, data, _, _ = tiny_run
    common = ["--data", data, "--image-size", 8, "--size", "small", "--batch-size", 8, "--steps-per-epoch", 1]
    epochs = ["--stage1-epochs", 1, "--stage2-epochs", 1]
    status, out, _ = run_entry(capsys, script_main, "--output-dir", tmp_path / "run", *common, *epochs)
    assert status == 0 and "export at" in out
    for flags, message, lines in (
        (["--image-size", 10], "multiple of 4", 1),
        (["--data", tmp_path / "none.txt"], "data", 1),
        (["--stage1-epochs", 0], "--stage1-epochs", None),  # argparse: its usage, then one error line
        (["--correction-limit", 0], "--correction-limit", None),
    ):
        status, _, err = run_entry(capsys, script_main, "--output-dir", tmp_path / "bad", *common, *epochs, *flags)
        assert status == 2 and message in err.strip().splitlines()[-1], err
        assert lines is None or len(err.strip().splitlines()) == lines, err


def test_caption_accuracy_reads_the_digit_each_caption_names():
    from kgan.data import load_arrays
    from kgan.training.stackgan import caption_accuracy

    images, labels, _ = load_arrays()
    by_digit = {d: images[labels == d][0].astype("float32") / 127.5 - 1.0 for d in range(10)}

    def draw(captions, seed, wrong=0):
        words = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
        named = [next(d for d in range(10) if {str(d), words[d]} & set(c.replace(",", "").split())) for c in captions]
        return np.stack([by_digit[(d + wrong) % 10] for d in named])

    right = caption_accuracy(draw, per_digit=3)
    wrong = caption_accuracy(lambda captions, seed: draw(captions, seed, wrong=1), per_digit=3)
    assert right["images"] == 30 and right["accuracy"] == 1.0 and wrong["accuracy"] == 0.0
    assert right["classifier_score"] > 5.0


def test_the_text_ops_are_allowed_only_for_a_text_to_image_export(tiny_run):
    from kgan.serving.trust import UntrustedExportError, check_export

    _, _, _, export = tiny_run
    metadata = json.loads((export / "assets.extra" / "kgan.json").read_text())
    check_export(export, metadata)
    with pytest.raises(UntrustedExportError, match="not an op of kgan's generators"):
        check_export(export, {**metadata, "kind": "generator"})


def test_the_script_leaves_flags_not_given_to_train_stackgans_defaults():
    import inspect

    from kgan.cli.stackgan import build_parser
    from kgan.training.stackgan import train_stackgan

    parser = build_parser()
    assert vars(parser.parse_args([])) == {"output_dir": "runs/stackgan"}
    given = vars(parser.parse_args(["--stage2-epochs", "3", "--steps-per-epoch", "5", "--overwrite"]))
    assert given == {"output_dir": "runs/stackgan", "stage2_epochs": 3, "max_steps_per_epoch": 5, "overwrite": True}
    defaults = {k: p.default for k, p in inspect.signature(train_stackgan).parameters.items()}
    text = " ".join(parser.format_help().split())
    assert f"(default: {defaults['stage1_epochs']})" in text and f"(default: {defaults['size']})" in text
