"""The GAN family: every variant fits on tiny data, saves, reloads and keeps training; conditioning works."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from conftest import TINY_LATENT, TINY_SHAPE, tiny_discriminator, tiny_generator
from kgan.callbacks import SampleGrid
from kgan.core import GAN, penalties
from kgan.serving import export_generator, load_generator
from kgan.variants import (
    ACGAN,
    BEGAN,
    CGAN,
    DRAGAN,
    LSGAN,
    WGAN,
    WGANGP,
    InfoGAN,
    RaGAN,
    UnrolledGAN,
    build_acgan_discriminator,
    build_began_discriminator,
    build_variant,
)

NUM_CLASSES = 3


def tiny_acgan_discriminator():
    return build_acgan_discriminator(TINY_SHAPE, NUM_CLASSES, filters=(4, 8), strides=(2, 2), seed=2)


MAKERS = {
    "wgan": lambda: WGAN(tiny_generator(), tiny_discriminator(), d_steps=2, seed=0),
    "wgan_gp": lambda: WGANGP(tiny_generator(), tiny_discriminator(), d_steps=2, seed=0),
    "dragan": lambda: DRAGAN(tiny_generator(), tiny_discriminator(), seed=0),
    "lsgan": lambda: LSGAN(tiny_generator(), tiny_discriminator(), seed=0),
    "began": lambda: BEGAN(
        tiny_generator(), build_began_discriminator(TINY_SHAPE, filters=(4, 8), hidden_dim=4), seed=0
    ),
    "cgan": lambda: CGAN(tiny_generator(NUM_CLASSES), tiny_discriminator(NUM_CLASSES), seed=0),
    "acgan": lambda: ACGAN(tiny_generator(NUM_CLASSES), tiny_acgan_discriminator(), validity_weight=0.5, seed=0),
    "infogan": lambda: InfoGAN(
        tiny_generator(categorical_code=NUM_CLASSES), tiny_acgan_discriminator(), info_weight=0.5, seed=0
    ),
    "ragan": lambda: RaGAN(tiny_generator(), tiny_discriminator(), seed=0),
    "unrolled": lambda: UnrolledGAN(tiny_generator(), tiny_discriminator(), unroll_steps=2, seed=0),
}
OWN_METRICS = {
    "wgan": set(),
    "wgan_gp": {"gradient_penalty"},
    "dragan": {"dragan_penalty", "d_real_acc", "d_fake_acc"},
    "lsgan": {"d_real_acc", "d_fake_acc"},
    "began": {"k_t", "convergence"},
    "cgan": {"d_real_acc", "d_fake_acc"},
    "acgan": {"d_real_acc", "d_fake_acc", "d_class_acc", "g_class_acc"},
    "infogan": {"d_real_acc", "d_fake_acc", "info_acc"},
    "ragan": {"d_real_acc", "d_fake_acc"},
    "unrolled": {"d_real_acc", "d_fake_acc"},
}


def settings(model):
    return {k: v for k, v in model.get_config().items() if k not in ("generator", "discriminator")}


def compiled(name, **compile_kwargs):
    model = MAKERS[name]()
    model.compile(jit_compile=False, **compile_kwargs)
    return model


@pytest.mark.parametrize("name", sorted(MAKERS))
def test_each_variant_fits_saves_reloads_and_keeps_training(name, tiny_dataset, tmp_path):
    model = compiled(name)
    history = model.fit(tiny_dataset.take(2), verbose=0).history
    assert set(history) == {"d_loss", "g_loss"} | OWN_METRICS[name]
    assert all(np.isfinite(v[-1]) for v in history.values())

    path = tmp_path / f"{name}.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert type(loaded) is type(model) and settings(loaded) == settings(model)
    assert int(loaded.d_optimizer.iterations) == 2
    assert type(loaded.d_optimizer) is type(model.d_optimizer)
    for a, b in zip(
        model.d_optimizer.variables + model.g_optimizer.variables,
        loaded.d_optimizer.variables + loaded.g_optimizer.variables,
    ):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    for a, b in zip(model.discriminator.weights, loaded.discriminator.weights):
        np.testing.assert_array_equal(a.numpy(), b.numpy())

    history = loaded.fit(tiny_dataset.take(1), verbose=0).history
    assert all(np.isfinite(v[-1]) for v in history.values())
    assert int(loaded.d_optimizer.iterations) == 3


def test_variants_pick_their_papers_losses_and_defaults():
    assert MAKERS["wgan"]().gan_loss.name == "wasserstein"
    assert MAKERS["wgan_gp"]().gan_loss.name == "wasserstein" and MAKERS["wgan_gp"]().gp_weight == 10.0
    assert MAKERS["lsgan"]().gan_loss.name == "least_squares"
    assert MAKERS["dragan"]().gan_loss.name == "non_saturating"
    wgan = compiled("wgan")
    assert isinstance(wgan.d_optimizer, keras.optimizers.RMSprop)
    assert float(wgan.d_optimizer.learning_rate) == pytest.approx(5e-5)


def test_wgan_clips_the_critic_after_every_step(tiny_dataset):
    model = compiled("wgan")
    model.fit(tiny_dataset.take(1), verbose=0)
    assert max(float(np.abs(v.numpy()).max()) for v in model.discriminator.trainable_variables) <= 0.01 + 1e-7


def test_wgan_gp_trains_g_once_per_d_steps_critic_steps(tiny_dataset):
    model = compiled("wgan_gp")
    model.fit(tiny_dataset.repeat(), steps_per_epoch=4, verbose=0)
    assert int(model.d_optimizer.iterations) == 4 and int(model.g_optimizer.iterations) == 2


def test_began_updates_k_t_towards_equilibrium(tiny_dataset):
    model = compiled("began")
    model.k_t.assign(0.5)
    logs = {"real_error": tf.constant(0.4), "fake_error": tf.constant(0.1)}
    model.after_discriminator_step(logs)  # k += 0.001 * (0.5 * 0.4 - 0.1)
    assert float(model.k_t) == pytest.approx(0.5 + 0.001 * 0.1)
    model.k_t.assign(1.0)
    model.after_discriminator_step(logs)
    assert float(model.k_t) == 1.0  # clipped to [0, 1]


def test_began_k_t_is_saved_with_the_model(tiny_dataset, tmp_path):
    model = compiled("began")
    model.k_t.assign(0.25)
    model.save(tmp_path / "began.keras")
    assert float(keras.saving.load_model(tmp_path / "began.keras").k_t) == 0.25


def test_began_requires_an_autoencoder_discriminator():
    with pytest.raises(ValueError, match="autoencoder"):
        BEGAN(tiny_generator(), tiny_discriminator())


@pytest.mark.parametrize("name", ["dragan", "acgan", "began"])
def test_tricks_plug_into_any_variant(name, tiny_dataset, tmp_path):
    options = dict(instance_noise=0.1, instance_noise_steps=10, penalties=[penalties.WeightPenalty(1e-3)])
    if name != "began":
        options["label_smoothing"] = 0.1
    model = {
        "lsgan": lambda: LSGAN(tiny_generator(), tiny_discriminator(), seed=0, **options),
        "dragan": lambda: DRAGAN(tiny_generator(), tiny_discriminator(), seed=0, **options),
        "cgan": lambda: CGAN(tiny_generator(NUM_CLASSES), tiny_discriminator(NUM_CLASSES), seed=0, **options),
        "acgan": lambda: ACGAN(tiny_generator(NUM_CLASSES), tiny_acgan_discriminator(), seed=0, **options),
        "began": lambda: BEGAN(
            tiny_generator(), build_began_discriminator(TINY_SHAPE, filters=(4, 8), hidden_dim=4), seed=0, **options
        ),
    }[name]()
    model.compile(jit_compile=False)
    history = model.fit(tiny_dataset.take(2), verbose=0).history
    assert np.isfinite(history["weight_penalty"][-1]) and history["weight_penalty"][-1] > 0
    model.save(tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras")
    assert loaded.instance_noise == 0.1 and loaded.instance_noise_steps == 10
    assert "WeightPenalty" in [type(p).__name__ for p in loaded.penalties]
    assert float(loaded.instance_noise_stddev()) == pytest.approx(0.1 * (1 - 2 / 10))


def test_instance_noise_anneals_to_zero_and_is_off_by_default(tiny_images):
    gan = GAN(tiny_generator(), tiny_discriminator(), instance_noise=0.2, instance_noise_steps=4, seed=0)
    gan.compile(jit_compile=False)
    assert float(gan.instance_noise_stddev()) == pytest.approx(0.2)
    gan.d_optimizer.iterations.assign(2)
    assert float(gan.instance_noise_stddev()) == pytest.approx(0.1)
    gan.d_optimizer.iterations.assign(10)
    assert float(gan.instance_noise_stddev()) == 0.0
    plain = GAN(tiny_generator(), tiny_discriminator(), seed=0)
    assert plain.discriminator_inputs(tiny_images) is tiny_images


@pytest.mark.parametrize("name", ["cgan", "acgan"])
def test_conditional_models_generate_the_requested_number_of_images_per_label_shape(name):
    model = compiled(name)
    latent = model.sample_latent(4)
    for labels in (np.array([0, 1, 2, 1]), np.array([[0], [1], [2], [1]]), [2, 2, 2, 2]):
        assert model.generate(latent, labels).shape == (4, *TINY_SHAPE)
    with pytest.raises(ValueError, match=r"shape \(4,\)"):
        model.generate(latent, np.array([0, 1]))


@pytest.mark.parametrize("name", ["cgan", "acgan"])
@pytest.mark.parametrize("labels", [[0, 1, 2, 3], [-1, 0, 0, 0]])
def test_labels_outside_the_class_range_are_refused(name, labels):
    model = compiled(name)
    with pytest.raises(ValueError, match=r"must lie in \[0, 3\)"):
        model.generate(model.sample_latent(4), np.array(labels))


def test_conditional_variants_refuse_unconditional_networks():
    with pytest.raises(ValueError, match="conditional generator"):
        CGAN(tiny_generator(), tiny_discriminator())
    with pytest.raises(ValueError, match=r"\[images, labels\]"):
        CGAN(tiny_generator(NUM_CLASSES), tiny_discriminator())
    with pytest.raises(ValueError, match="validity"):
        ACGAN(tiny_generator(NUM_CLASSES), tiny_discriminator())


def test_fake_labels_random_draws_every_class_and_data_reuses_the_batch():
    model = compiled("cgan")
    drawn = model.sample_fake_labels(None, 300).numpy()
    assert set(drawn.tolist()) == {0, 1, 2}
    data = GAN(tiny_generator(NUM_CLASSES), tiny_discriminator(NUM_CLASSES), seed=0)
    labels = tf.constant([2, 0])
    assert data.sample_fake_labels(labels, 2) is labels


def test_acgan_weights_validity_against_classification(tiny_images):
    labels = np.array([0, 1, 2, 0, 1, 2, 0, 1])
    fake = tiny_images[8:16]
    losses = {}
    model = ACGAN(tiny_generator(NUM_CLASSES), tiny_acgan_discriminator(), seed=0)
    for w in (1.0, 0.0):
        model.validity_weight = w
        losses[w], _ = model.generator_loss(fake, labels)
    validity, classes = model.discriminate_and_classify(fake)
    ce = float(np.mean(keras.losses.sparse_categorical_crossentropy(labels, classes, from_logits=True)))
    assert float(losses[0.0]) == pytest.approx(ce, rel=1e-5)
    nsgan = float(np.mean(np.logaddexp(0, -validity.numpy())))
    assert float(losses[1.0]) == pytest.approx(ce + nsgan, rel=1e-5)


@pytest.mark.parametrize("name", ["cgan", "acgan"])
def test_conditional_export_takes_latent_and_labels(name, tmp_path):
    model = compiled(name)
    path = export_generator(model.generator, tmp_path, name, metadata={"num_classes": NUM_CLASSES})
    generate = load_generator(path)
    assert generate.conditional
    latent = np.random.default_rng(0).normal(size=(3, TINY_LATENT)).astype("float32")
    labels = np.array([2, 0, 1])
    np.testing.assert_allclose(generate(latent, labels), model.generate(latent, labels), atol=1e-5)
    with pytest.raises(ValueError, match=r"\[0, 3\)"):
        generate(latent, np.array([0, 1, 3]))


@pytest.mark.parametrize("name", ["cgan", "acgan"])
def test_per_class_sample_grid_puts_label_i_on_row_i(name, tiny_dataset, tmp_path):
    model = compiled(name)
    grid = SampleGrid(tmp_path, num_images=6, num_classes=NUM_CLASSES)
    model.fit(tiny_dataset.take(1), callbacks=[grid], verbose=0)
    assert (tmp_path / "epoch_0001.png").is_file()
    np.testing.assert_array_equal(grid._labels, [0, 0, 1, 1, 2, 2])
    expected = model.generate(grid._latent, grid._labels)
    np.testing.assert_allclose(grid.generate(), expected, atol=1e-6)


def test_build_variant_builds_every_variant_from_a_preset():
    for name in ("gan", "wgan", "wgan_gp", "dragan", "lsgan", "began"):
        model = build_variant(name, "dcgan", (8, 8, 1), 4, seed=0)
        assert model.generate(model.sample_latent(2)).shape == (2, 8, 8, 1)
    for name in ("cgan", "acgan"):
        model = build_variant(name, "dcgan", (8, 8, 1), 4, num_classes=NUM_CLASSES, seed=0)
        assert model.conditional and model.num_classes == NUM_CLASSES
    with pytest.raises(ValueError, match="num_classes=None"):
        build_variant("acgan", "dcgan", (8, 8, 1))
    model = build_variant("infogan", "dcgan", (8, 8, 1), 4, categories=3, seed=0)
    assert not model.conditional and model.categories == 3
    with pytest.raises(ValueError, match="variant='nope'"):
        build_variant("nope")


def test_cgan_builds_on_lecture003s_mlp_with_normal_label_embeddings():
    cgan = build_variant("cgan", "mlp_lecture003", num_classes=10, seed=0)
    embedding = cgan.generator.get_layer("label_embedding").embeddings.numpy()
    assert 0.7 < embedding.std() < 1.3  # nn.Embedding's N(0, 1), not Keras' U(-0.05, 0.05)
    assert cgan.conditional and cgan.num_classes == 10


def test_acgan_on_an_mlp_architecture_is_refused():
    with pytest.raises(ValueError, match="Received: arch='mlp_lecture002'"):
        build_variant("acgan", "mlp_lecture002", num_classes=10)


def test_check_arch_serves_train_and_build_variant_alike():
    from kgan.training import train
    from kgan.variants import check_variant_arch

    check_variant_arch("cgan", "mlp_lecture003")  # lecture 003's conditional MLPs are a cgan preset
    with pytest.raises(ValueError, match=r"Received: arch='mlp_lecture003'"):
        check_variant_arch("gan", "mlp_lecture003")
    with pytest.raises(ValueError, match=r"must be one of .*Received: arch='nope'"):
        train(arch="nope", epochs=1)  # refused before any data is read or any folder made


def test_variants_register_themselves_and_declare_their_traits():
    from kgan.variants import VARIANTS, get_variant, register_variant

    assert set(VARIANTS) == {
        "gan",
        "wgan",
        "wgan_gp",
        "dragan",
        "lsgan",
        "began",
        "cgan",
        "acgan",
        "infogan",
        "ragan",
        "unrolled",
        "pggan",
    }
    assert all(cls.variant_name == name for name, cls in VARIANTS.items())
    assert {n for n, c in VARIANTS.items() if c.needs_labels} == {"cgan", "acgan"}
    assert {n for n, c in VARIANTS.items() if c.toy} == {
        "gan",
        "wgan",
        "wgan_gp",
        "dragan",
        "lsgan",
        "ragan",
        "unrolled",
    }
    assert {n: c.default_loss for n, c in VARIANTS.items() if c.default_loss != "non_saturating"} == {
        "wgan": "wasserstein",
        "wgan_gp": "wasserstein",
        "lsgan": "least_squares",
        "ragan": "relativistic_average",
        "pggan": "wasserstein",
    }
    with pytest.raises(ValueError, match="variant='nope'"):
        get_variant("nope")
    with pytest.raises(ValueError, match="registered already"):
        register_variant("wgan")(LSGAN)

    @register_variant("hinge_gan_for_this_test")
    class HingeGAN(GAN):
        default_loss = "hinge"

    try:  # a new variant is one class: build_variant, its default loss and the toy trainer's list take it
        model = build_variant("hinge_gan_for_this_test", "dcgan", (8, 8, 1), 4, seed=0)
        assert type(model) is HingeGAN and model.gan_loss.name == "hinge"
    finally:
        del VARIANTS["hinge_gan_for_this_test"]


def test_an_explicit_loss_overrides_the_variants_own_even_the_base_default():
    wgan = build_variant("wgan", "dcgan", (8, 8, 1), 4, seed=0, loss="non_saturating")
    assert wgan.gan_loss.name == "non_saturating"
    assert build_variant("wgan", "dcgan", (8, 8, 1), 4, seed=0).gan_loss.name == "wasserstein"
