"""PGGAN (Karras et al. 2018): its layers by hand, the fade-in, the schedule, resume, the export and the script."""

import math

import keras
import numpy as np
import pytest
import tensorflow as tf

from conftest import load_script, write_digits_npz
from kgan.core import GAN
from kgan.models.pggan import (
    EqualizedConv2D,
    EqualizedDense,
    MinibatchStdDev,
    PixelNorm,
    build_pggan_discriminator,
    build_pggan_generator,
    progressive_resolutions,
    real_images_at_level,
    stage_networks,
)
from kgan.serving import export_generator, load_generator
from kgan.variants import PGGAN, build_variant
from kgan.variants.pggan import growth_schedule

SHAPE = (16, 16, 1)  # grows 4 -> 8 -> 16
LATENT = 4


def tiny_pggan(categories=None, **kwargs):
    code = dict(base_filters=8, min_filters=4, categorical_code=categories)
    generator = build_pggan_generator(LATENT, SHAPE, seed=1, **code)
    discriminator = build_pggan_discriminator(SHAPE, seed=2, **code)
    options = {"fade_images": 16, "stable_images": 16, "seed": 0, **kwargs}
    return PGGAN(generator, discriminator, **options)


def tiny_data(count=32, batch=8):
    images = np.random.default_rng(0).uniform(-1, 1, (count, *SHAPE)).astype("float32")
    return tf.data.Dataset.from_tensor_slices(images).batch(batch, drop_remainder=True)


def set_level(model, level):
    model.get_layer("level").level.assign(level)


def nearest(images, factor):
    return np.repeat(np.repeat(images, factor, axis=1), factor, axis=2)


def test_pixel_norm_divides_by_the_root_mean_square_over_channels():
    x = np.array([[[[3.0, 4.0]]], [[[1.0, -1.0]]]], "float32")
    expected = x / np.sqrt(np.array([12.5, 1.0]) + 1e-8)[:, None, None, None]
    np.testing.assert_allclose(PixelNorm()(x), expected, rtol=1e-6)


def test_minibatch_stddev_appends_each_groups_mean_standard_deviation():
    x = np.array([1.0, 3.0, 0.0, 10.0, 5.0], "float32").reshape(5, 1, 1, 1) * np.ones((1, 2, 2, 1), "float32")
    out = np.asarray(MinibatchStdDev(group_size=2, epsilon=0.0)(x))
    assert out.shape == (5, 2, 2, 2)
    np.testing.assert_allclose(out[..., 0], x[..., 0])
    # Groups {1, 3}, {0, 10} and {5} (the last one alone): population standard deviations 1, 5 and 0.
    np.testing.assert_allclose(out[:, 0, 0, 1], [1.0, 1.0, 5.0, 5.0, 0.0], atol=1e-6)
    assert np.all(out[..., 1] == out[:, :1, :1, 1])


def test_equalized_layers_scale_their_unit_normal_weights_by_he_constant():
    x = np.random.default_rng(0).normal(size=(3, 5)).astype("float32")
    dense = EqualizedDense(2, gain=2.0, seed=0)
    y = dense(x)
    w, b = dense.kernel.numpy(), dense.bias.numpy()
    np.testing.assert_allclose(y, x @ (w * 2.0 / math.sqrt(5)) + b, rtol=1e-5)
    assert abs(w.std() - 1.0) < 0.6 and np.all(b == 0)
    images = np.random.default_rng(1).normal(size=(2, 4, 4, 3)).astype("float32")
    conv = EqualizedConv2D(2, 1, seed=0)
    y = conv(images)
    expected = np.einsum("bhwc,cf->bhwf", images, conv.kernel.numpy()[0, 0]) * math.sqrt(2.0) / math.sqrt(3)
    np.testing.assert_allclose(y, expected, rtol=1e-5, atol=1e-6)


def test_resolutions_grow_by_doubling_from_the_image_size():
    assert progressive_resolutions((28, 28, 1)) == [(7, 7), (14, 14), (28, 28)]
    assert progressive_resolutions((32, 32, 3)) == [(4, 4), (8, 8), (16, 16), (32, 32)]
    assert progressive_resolutions((16, 8, 1)) == [(8, 4), (16, 8)]
    for shape in [(15, 15, 1), (7, 7, 1), (6, 6, 1)]:
        with pytest.raises(ValueError, match=r"halves at least once.*Received: image_shape"):
            build_pggan_generator(LATENT, shape)


def test_fade_in_gives_the_old_resolution_upsampled_at_alpha_0_and_the_new_block_at_alpha_1():
    g = build_pggan_generator(LATENT, SHAPE, base_filters=8, min_filters=4, seed=1)
    latent = np.random.default_rng(0).normal(size=(3, LATENT)).astype("float32")
    rgb = {k: keras.Model(g.inputs, g.get_layer(f"to_rgb{k}").output)(latent).numpy() for k in range(3)}
    set_level(g, 1.0)  # stage 2, alpha 0
    np.testing.assert_allclose(g(latent), np.tanh(nearest(rgb[1], 2)), atol=1e-6)
    set_level(g, 2.0)  # stage 2, alpha 1
    np.testing.assert_allclose(g(latent), np.tanh(rgb[2]), atol=1e-6)
    set_level(g, 1.25)  # a quarter of the way
    np.testing.assert_allclose(g(latent), np.tanh(0.75 * nearest(rgb[1], 2) + 0.25 * rgb[2]), atol=1e-6)
    set_level(g, 0.0)  # stage 0: the first resolution, upsampled to the final size
    np.testing.assert_allclose(g(latent), np.tanh(nearest(rgb[0], 4)), atol=1e-6)


def test_discriminator_at_level_0_reads_only_the_image_at_the_first_resolution():
    d = build_pggan_discriminator(SHAPE, base_filters=8, min_filters=4, seed=2)
    images = np.random.default_rng(0).uniform(-1, 1, (4, *SHAPE)).astype("float32")
    coarse = np.asarray(real_images_at_level(images, 0.0, 3))
    np.testing.assert_allclose(coarse, nearest(images.reshape(4, 4, 4, 4, 4, 1).mean(axis=(2, 4)), 4), atol=1e-6)
    np.testing.assert_allclose(d(images), d(coarse), atol=1e-5)
    set_level(d, 2.0)
    assert not np.allclose(d(images), d(coarse), atol=1e-3)
    np.testing.assert_allclose(real_images_at_level(images, 2.0, 3), images)


def test_stage_networks_compute_what_the_full_networks_do_up_to_their_stage_with_their_layers():
    g = build_pggan_generator(LATENT, SHAPE, base_filters=8, min_filters=4, seed=1)
    d = build_pggan_discriminator(SHAPE, base_filters=8, min_filters=4, seed=2)
    generators, discriminators = stage_networks(g, d)
    latent = np.random.default_rng(0).normal(size=(3, LATENT)).astype("float32")
    images = np.random.default_rng(1).uniform(-1, 1, (3, *SHAPE)).astype("float32")
    for level in (0.0, 0.5, 1.0, 1.5, 2.0):
        set_level(g, level)
        set_level(d, level)
        for stage in range(math.ceil(level), 3):
            np.testing.assert_allclose(generators[stage](latent), g(latent), atol=1e-6)
            np.testing.assert_allclose(discriminators[stage](images), d(images), atol=1e-5)
    # Stage 0 leaves out both blocks; the last stage is the whole network, on the same variables.
    assert {id(w) for w in generators[0].weights} < {id(w) for w in g.weights}
    assert "to_rgb1" not in [layer.name for layer in generators[0].layers]
    assert "from_rgb2" not in [layer.name for layer in discriminators[1].layers]
    assert {id(w) for w in discriminators[2].weights} == {id(w) for w in d.weights}
    with pytest.raises(ValueError, match="without a layer 'level'"):
        stage_networks(
            keras.Sequential([keras.Input((LATENT,)), keras.layers.Dense(256), keras.layers.Reshape(SHAPE)]), d
        )


def test_training_on_the_stage_networks_equals_training_the_full_networks():
    fast, full = tiny_pggan(ema=0.9), tiny_pggan(ema=0.9)
    full.make_train_function = lambda force=False: GAN.make_train_function(full, force)  # every step: all blocks
    for gan in (fast, full):
        gan.compile(jit_compile=False)
        gan.fit(tiny_data(count=64), epochs=1, verbose=0)  # stage 0, 14 x 14 fading in and alone, 28 x 28 fading in
    assert int(fast.stage) == 2 and fast._training_stage == 2 and full._training_stage is None
    for network in ("generator", "discriminator", "ema_generator"):
        for a, b in zip(getattr(fast, network).weights, getattr(full, network).weights):
            np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-5, atol=1e-6, err_msg=a.path)


def test_several_steps_per_call_hold_the_level_at_the_called_stage_until_the_next_call():
    gan = tiny_pggan()
    gan.compile(jit_compile=False, steps_per_execution=4)
    gan.fit(tiny_data(count=32), epochs=1, verbose=0)  # one call from stage 0; its last step is at level 0.5
    assert (int(gan.stage), float(gan.alpha)) == (1, 0.5)
    assert float(gan.generator.get_layer("level").level) == 0.0
    gan.fit(tiny_data(count=8), epochs=1, verbose=0)  # the next call runs stage 1
    assert gan._training_stage == 1 and float(gan.generator.get_layer("level").level) == 1.0


def test_growth_schedule_fades_each_stage_in_after_a_stable_phase():
    schedule = [growth_schedule(n, 3, fade_images=100, stable_images=50) for n in (0, 49, 50, 100, 150, 200, 250, 1e6)]
    assert schedule == [(0, 1.0), (0, 1.0), (1, 0.0), (1, 0.5), (1, 1.0), (2, 0.0), (2, 0.5), (2, 1.0)]


def test_stage_and_alpha_advance_with_the_images_seen_in_training():
    gan = tiny_pggan()
    gan.compile(jit_compile=False)
    assert (int(gan.stage), float(gan.alpha), float(gan.level)) == (0, 1.0, 0.0)
    gan.fit(tiny_data(count=32), epochs=1, verbose=0)  # 4 steps of 8: the step sees 0, 8, 16, 24 images
    assert int(gan.images_seen) == 32
    stage, alpha = growth_schedule(24, 3, 16, 16)
    assert (stage, alpha) == (1, 0.5) and (int(gan.stage), float(gan.alpha)) == (stage, alpha)
    for network in (gan.generator, gan.discriminator):
        assert float(network.get_layer("level").level) == 0.5
    history = gan.fit(tiny_data(count=64), epochs=1, verbose=0).history
    assert int(gan.images_seen) == 96 and int(gan.stage) == 2 and float(gan.alpha) == 1.0
    assert set(history) == {"d_loss", "g_loss", "gradient_penalty", "drift", "level"}
    assert 1.0 < history["level"][0] < 2.0
    assert gan.progress_caption() == "16 x 16"
    gan.set_images_seen(24)
    assert gan.progress_caption() == "8 x 8 fading in (alpha 0.50)" and gan._training_stage is None


def test_gp_weight_0_leaves_the_penalty_out_and_r1_with_the_non_saturating_loss_trains():
    from kgan.core.penalties import R1Penalty

    gan = tiny_pggan(gp_weight=0.0, loss="non_saturating", penalties=[R1Penalty(1.0)])
    assert gan.gp_weight == 0.0 and gan.get_config()["gp_weight"] == 0.0
    gan.compile(jit_compile=False)
    history = gan.fit(tiny_data(count=32), epochs=1, verbose=0).history
    assert set(history) == {"d_loss", "g_loss", "r1_penalty", "drift", "level"}  # no gradient_penalty
    assert all(np.isfinite(values[0]) for values in history.values())
    assert int(gan.stage) == 1 and float(gan.alpha) == 0.5  # the growth does not depend on the loss


def test_gp_weight_flag_takes_0_and_refuses_a_negative_weight_in_one_line(capsys):
    import argparse

    from kgan.cli.train import add_train_arguments
    from kgan.cli.variants import variant_options

    parser = add_train_arguments(argparse.ArgumentParser(), "pggan")
    assert variant_options(parser.parse_args(["--gp-weight", "0"]))["gp_weight"] == 0.0
    with pytest.raises(SystemExit) as exit:
        parser.parse_args(["--gp-weight", "-1"])
    assert exit.value.code == 2 and "--gp-weight" in capsys.readouterr().err


def test_sample_grids_are_titled_with_the_resolution_grown_to(tmp_path, monkeypatch):
    from kgan.callbacks import SampleGrid
    from kgan.core import plotting

    titles = []
    monkeypatch.setattr(plotting, "save_image_grid", lambda *args, title=None, **kwargs: titles.append(title))
    gan = tiny_pggan()
    gan.compile(jit_compile=False)
    gan.fit(tiny_data(count=32), epochs=2, verbose=0, callbacks=[SampleGrid(tmp_path, num_images=4)])
    assert titles == ["epoch 1, 8 x 8 fading in (alpha 0.50)", "epoch 2, 16 x 16 fading in (alpha 0.50)"]


@pytest.mark.parametrize("categories", [None, 3])
def test_resume_mid_fade_restores_the_growth_state_and_trains_on_identically(tmp_path, categories):
    gan = tiny_pggan(categories, ema=0.9)
    gan.compile(jit_compile=False)
    gan.fit(tiny_data(count=32), epochs=1, verbose=0)
    assert int(gan.stage) == 1 and float(gan.alpha) == 0.5
    gan.save(tmp_path / "pggan.keras")
    loaded = keras.saving.load_model(tmp_path / "pggan.keras")
    for name in ("images_seen", "stage", "alpha"):
        assert getattr(loaded, name).numpy() == getattr(gan, name).numpy()
    for network in ("generator", "discriminator", "ema_generator"):
        level = getattr(loaded, network).get_layer("level").level.numpy()
        assert level == getattr(gan, network).get_layer("level").level.numpy() == float(gan.level)
    gan.fit(tiny_data(count=16), epochs=1, verbose=0)
    loaded.fit(tiny_data(count=16), epochs=1, verbose=0)
    assert float(loaded.alpha) == float(gan.alpha) == 1.0
    for a, b in zip(
        gan.generator.weights + gan.discriminator.weights, loaded.generator.weights + loaded.discriminator.weights
    ):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-5, atol=1e-6)


def test_the_code_gives_g_a_categorical_code_and_every_stages_d_a_q_head_on_the_scores_features():
    from kgan.core.layers import CategoricalCode

    gan = build_variant("pggan", image_shape=SHAPE, latent_dim=LATENT, seed=0, categories=3)
    assert gan.categories == 3 and gan.spec.categories == 3 and gan.info_weight == 1.0
    assert isinstance(gan.generator.layers[1], CategoricalCode)  # right after the latent input
    assert [tuple(o.shape) for o in gan.discriminator.outputs] == [(None, 1), (None, 3)]
    code_layer = gan.discriminator.get_layer("code")
    assert code_layer.input is gan.discriminator.get_layer("score").input  # one D call gives both heads
    latent = np.random.default_rng(0).normal(size=(3, LATENT)).astype("float32")
    images = np.random.default_rng(1).uniform(-1, 1, (3, *SHAPE)).astype("float32")
    set_level(gan.generator, 0.5)
    set_level(gan.discriminator, 0.5)
    full_score, full_code = gan.discriminator(images)
    for stage in (1, 2):  # every stage's G reads the code, every stage's D has Q
        g, d = gan._stages.generators[stage], gan._stages.discriminators[stage]
        assert "categorical_code" in [layer.name for layer in g.layers]
        np.testing.assert_allclose(g(latent), gan.generator(latent), atol=1e-6)
        score, code = d(images)
        np.testing.assert_allclose(score, full_score, atol=1e-5)
        np.testing.assert_allclose(code, full_code, atol=1e-5)
    assert [tuple(o.shape) for o in gan._stages.discriminators[0].outputs] == [(None, 1), (None, 3)]
    without = build_variant("pggan", image_shape=SHAPE, latent_dim=LATENT, seed=0)  # the paper's, by default
    assert without.categories is None and len(without.discriminator.outputs) == 1
    assert "info_acc" not in [m.name for m in without.metrics]
    off = build_variant("pggan", image_shape=SHAPE, latent_dim=LATENT, seed=0, categories=0)  # --categories 0
    assert off.categories is None and len(off.discriminator.outputs) == 1


def test_a_step_with_the_code_logs_info_acc_and_trains_q_under_xla():
    gan = tiny_pggan(categories=3)
    q_kernel = gan.discriminator.get_layer("code").kernel.numpy().copy()
    gan.compile(jit_compile=True)
    history = gan.fit(tiny_data(count=32), epochs=1, verbose=0).history  # stage 0, then 8 x 8 fading in
    assert set(history) == {"d_loss", "g_loss", "gradient_penalty", "drift", "level", "info_acc"}
    assert all(np.isfinite(values[0]) for values in history.values()) and 0.0 <= history["info_acc"][0] <= 1.0
    assert not np.allclose(gan.discriminator.get_layer("code").kernel.numpy(), q_kernel)
    assert gan._training_stage == 1 and int(gan.stage) == 1


def test_the_information_term_is_q_s_cross_entropy_on_the_codes_g_was_asked_for():
    gan = tiny_pggan(categories=3, info_weight=0.5)
    codes, logits = np.array([0, 2]), np.array([[2.0, 0.0, 0.0], [0.0, 1.0, 3.0]], "float32")
    expected = -np.mean([np.log(np.exp(2) / (np.exp(2) + 2)), np.log(np.exp(3) / (1 + np.exp(1) + np.exp(3)))])
    term, accuracy = gan.information_term(codes, logits)
    np.testing.assert_allclose(term, 0.5 * expected, rtol=1e-5)
    assert float(accuracy) == 1.0
    latent = np.random.default_rng(0).normal(size=(4, LATENT)).astype("float32")
    for code in range(3):  # generate(latent, codes): G reads the code it was asked for from the rearranged latent
        coded, _ = gan.coded_latent(latent, np.full(4, code))
        assert np.all(np.argmax(coded[:, :3], axis=-1) == code)
        np.testing.assert_allclose(gan.generate(latent, np.full(4, code)), gan.generate(coded), atol=1e-6)


def test_with_the_code_the_export_takes_the_latent_only_and_draws_the_models_images(tmp_path):
    gan = tiny_pggan(categories=3, ema=0.9)
    gan.compile(jit_compile=False)
    gan.fit(tiny_data(count=16), epochs=1, verbose=0)
    gan.set_images_seen(10_000)
    served = load_generator(export_generator(gan.sampler, tmp_path, "pggan_code", version=1, spec=gan.spec))
    assert served.latent_dim == LATENT and served.num_classes is None
    latent = np.random.default_rng(0).normal(size=(5, LATENT)).astype("float32")
    np.testing.assert_allclose(served(latent), gan.generate(latent), atol=1e-5)


@pytest.mark.parametrize("categories", [1, 5, 2.5, True])
def test_a_code_that_is_not_2_to_the_latent_size_is_refused_in_one_line(categories):
    with pytest.raises(ValueError, match=r"`categories` must be an integer >= 2.*Received: categories=") as error:
        build_variant("pggan", image_shape=SHAPE, latent_dim=LATENT, categories=categories)
    assert "\n" not in str(error.value)


def test_a_code_without_a_q_head_or_a_q_head_without_a_code_is_refused():
    code = build_pggan_generator(LATENT, SHAPE, base_filters=8, min_filters=4, categorical_code=3)
    plain = build_pggan_discriminator(SHAPE, base_filters=8, min_filters=4)
    with pytest.raises(ValueError, match=r"a Q head of categories=3 outputs. Received: no Q head"):
        PGGAN(code, plain)
    with_q = build_pggan_discriminator(SHAPE, base_filters=8, min_filters=4, categorical_code=2)
    with pytest.raises(ValueError, match=r"categories=3 outputs. Received: 2 Q outputs"):
        PGGAN(code, with_q)
    with pytest.raises(ValueError, match=r"no Q head \(G has no code\). Received: 2 Q outputs"):
        PGGAN(build_pggan_generator(LATENT, SHAPE, base_filters=8, min_filters=4), with_q)
    with pytest.raises(ValueError, match="info_weight=-1"):
        tiny_pggan(categories=3, info_weight=-1)


def test_categories_flag_reaches_the_variant_and_a_bad_value_is_one_line(tmp_path, capsys):
    import argparse

    from kgan.cli.train import add_train_arguments
    from kgan.cli.variants import variant_options

    parser = add_train_arguments(argparse.ArgumentParser(), "pggan")
    given = variant_options(parser.parse_args(["--categories", "20", "--info-weight", "0.5"]))
    assert given == {"categories": 20, "info_weight": 0.5}
    assert variant_options(parser.parse_args(["--categories", "0"])) == {"categories": 0}  # PGGAN without the code
    script = load_script("train_pggan")
    assert script.DEFAULTS["variant_options"]["categories"] == 20  # the default run's code (RESULTS.md, "PGGAN")
    data = write_digits_npz(tmp_path / "digits.npz", 16)
    argv = ["--dataset", "npz", "--data-path", str(data), "--epochs", "1", "--batch-size", "8", "--categories", "65"]
    capsys.readouterr()
    assert script.main([*argv, "--output-dir", str(tmp_path / "run")]) == 2
    error = capsys.readouterr().err.strip().splitlines()
    assert error[-1] == (
        "error: `categories` must be an integer >= 2 and at most the latent size 64. Received: categories=65"
    )


def test_export_is_an_ordinary_generator_at_the_final_size(tmp_path):
    gan = tiny_pggan()
    gan.compile(jit_compile=False)
    gan.set_images_seen(10_000)
    assert float(gan.level) == 2.0
    path = export_generator(gan.sampler, tmp_path, "pggan", version=1, spec=gan.spec)
    served = load_generator(path)
    latent = np.random.default_rng(0).normal(size=(2, LATENT)).astype("float32")
    images = served(latent)
    assert images.shape == (2, *SHAPE) and served.latent_dim == LATENT
    np.testing.assert_allclose(images, gan.generate(latent), atol=1e-5)


def test_build_variant_builds_the_networks_for_the_image_size():
    gan = build_variant("pggan", image_shape=(32, 32, 3), seed=0, fade_images=1000)
    assert gan.num_stages == 4 and gan.fade_images == 1000 and gan.gan_loss.name == "wasserstein"
    assert gan.generator.output_shape == (None, 32, 32, 3) and gan.generator.get_layer("to_rgb0").output.shape[1] == 4


@pytest.mark.parametrize(
    "kwargs,message",
    [
        (dict(fade_images=0), "fade_images"),
        (dict(stable_images=-5), "stable_images"),
        (dict(drift_weight=-1.0), "drift_weight"),
    ],
)
def test_bad_settings_are_refused_in_one_line(kwargs, message):
    with pytest.raises(ValueError, match=message) as error:
        tiny_pggan(**kwargs)
    assert "\n" not in str(error.value) and "Received" in str(error.value)


def test_networks_that_cannot_grow_are_refused(tmp_path):
    from conftest import tiny_discriminator, tiny_generator

    with pytest.raises(ValueError, match="ProgressiveLevel"):
        PGGAN(tiny_generator(), tiny_discriminator())
    with pytest.raises(ValueError, match="same resolutions"):
        PGGAN(build_pggan_generator(LATENT, SHAPE), build_pggan_discriminator((32, 32, 1)))
    with pytest.raises(ValueError, match="spectral_norm"):
        build_variant("pggan", image_shape=SHAPE, spectral_norm=True)


def test_one_epoch_cli_run_on_tiny_data_exports_a_28_pixel_generator(tmp_path, capsys):
    script = load_script("train_pggan")
    data = write_digits_npz(tmp_path / "digits.npz", 64)
    argv = ["--dataset", "npz", "--data-path", str(data), "--epochs", "1", "--batch-size", "16"]
    argv += ["--fade-images", "16", "--stable-images", "16", "--output-dir", str(tmp_path / "run")]
    status = script.main([*argv, "--export-name", "pg", "--no-jit"])
    assert status == 0, capsys.readouterr().err[-2000:]
    generate = load_generator(tmp_path / "run" / "saved_models" / "pg")
    assert generate(np.zeros((2, generate.latent_dim), "float32")).shape == (2, 28, 28, 1)
    assert (tmp_path / "run" / "samples" / "epoch_0001.png").exists()  # titled "epoch 1, 28 x 28 fading in (...)"
    with pytest.raises(SystemExit) as exit:
        script.main(["--help"])
    assert exit.value.code == 0 and "--fade-images" in capsys.readouterr().out


def test_two_replicas_count_the_global_batch_and_grow_like_one_device(mirrored):
    with mirrored.scope():
        gan = tiny_pggan()
        gan.compile(jit_compile=False)
    gan.fit(tiny_data(count=32), epochs=1, verbose=0)  # 4 global batches of 8, 4 images per replica
    state = [v.numpy() for v in (gan.images_seen, gan.stage, gan.alpha, gan.generator.get_layer("level").level)]
    assert state == [32, 1, 0.5, 0.5]
