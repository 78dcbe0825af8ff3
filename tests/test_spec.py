"""`GeneratorSpec`: one contract read from the generator, carried by the GAN, its checkpoints and its exports."""

import json
import pathlib
import zipfile

import keras
import numpy as np
import pytest

import kgan
from conftest import TINY_LATENT, TINY_SHAPE, tiny_discriminator, tiny_generator
from kgan import serving
from kgan.core import GAN, GeneratorSpec
from kgan.core.latent import fixed_latent, latent_from_seed, sample_latent
from kgan.models import build_mlp_generator
from kgan.serving import explore
from kgan.variants import build_variant

SHIPPED = pathlib.Path(__file__).parent.parent / "saved_models" / "mnist_infogan" / "1"


# Reading the spec from a generator ---------------------------------------------------------------------------


def test_spec_of_a_plain_generator():
    spec = GeneratorSpec.from_generator(tiny_generator())
    assert spec == GeneratorSpec(TINY_LATENT, "normal", None, None, TINY_SHAPE, (-1.0, 1.0), None)
    assert not spec.conditional


def test_spec_of_a_conditional_generator_reads_its_label_embedding():
    spec = GeneratorSpec.from_generator(tiny_generator(num_classes=3), "uniform")
    assert spec.conditional and spec.num_classes == 3 and spec.label_shape == (1,)
    assert spec.latent_distribution == "uniform"


def test_spec_of_infogans_generator_records_the_categorical_code_and_stays_unconditional():
    info = build_variant("infogan", "dcgan", TINY_SHAPE, TINY_LATENT, categories=3, seed=0)
    assert info.spec.categories == 3 and info.categories == 3
    assert not info.spec.conditional and info.spec.num_classes is None


def test_spec_of_a_toy_generator_has_its_sample_shape_and_no_range():
    spec = GeneratorSpec.from_generator(build_mlp_generator(3, (2,), output_activation=None))
    assert spec.image_shape == (2,) and spec.value_range is None


def test_num_classes_for_an_unconditional_generator_is_refused():
    with pytest.raises(ValueError, match="Received: num_classes=3"):
        GeneratorSpec.from_generator(tiny_generator(), num_classes=3)
    with pytest.raises(ValueError, match="latent_distribution='gauss'"):
        GeneratorSpec(4, "gauss")


def test_gan_builds_its_spec_once_and_reads_its_attributes_from_it():
    gan = GAN(tiny_generator(num_classes=3), tiny_discriminator(num_classes=3), latent_distribution="uniform")
    assert gan.spec == GeneratorSpec.from_generator(gan.generator, "uniform")
    assert (gan.latent_dim, gan.latent_distribution, gan.conditional, gan.num_classes) == (4, "uniform", True, 3)


# Round trips: config, checkpoint, kgan.json --------------------------------------------------------------------


def test_config_round_trip_is_json():
    spec = GeneratorSpec.from_generator(tiny_generator(num_classes=3), "uniform01")
    config = json.loads(json.dumps(spec.to_config()))
    assert GeneratorSpec.from_config(config) == spec
    with pytest.raises(ValueError, match="Received: generator_spec="):
        GeneratorSpec.from_config({**config, "colour": "blue"})


def _saved(gan, path):
    gan.compile(jit_compile=False)
    gan.save(path)
    return path


def _rewrite_config(path, edit):
    """Rewrites the GAN's config inside a .keras file (as an older kgan, or a tampered file, would have it)."""
    with zipfile.ZipFile(path) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    config = json.loads(files["config.json"])
    edit(config["config"])
    files["config.json"] = json.dumps(config).encode()
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)


def test_checkpoint_stores_the_spec_and_reloads_it(tmp_path):
    gan = GAN(tiny_generator(num_classes=3), tiny_discriminator(num_classes=3), latent_distribution="uniform", seed=0)
    path = _saved(gan, tmp_path / "gan.keras")
    with zipfile.ZipFile(path) as archive:
        stored = json.loads(archive.read("config.json"))["config"]["generator_spec"]
    assert GeneratorSpec.from_config(stored) == gan.spec
    assert keras.saving.load_model(path).spec == gan.spec


def test_a_checkpoint_without_a_spec_still_loads_and_derives_it(tmp_path):
    gan = GAN(tiny_generator(num_classes=3), tiny_discriminator(num_classes=3), seed=0)
    path = _saved(gan, tmp_path / "old.keras")
    _rewrite_config(path, lambda config: config.pop("generator_spec"))
    assert keras.saving.load_model(path).spec == gan.spec


def test_a_checkpoint_whose_spec_disagrees_with_its_generator_is_refused(tmp_path):
    path = _saved(GAN(tiny_generator(), tiny_discriminator(), seed=0), tmp_path / "bad.keras")
    _rewrite_config(path, lambda config: config["generator_spec"].update(latent_dim=7))
    with pytest.raises(ValueError, match="disagrees with the generator"):
        keras.saving.load_model(path)


def test_export_writes_the_spec_to_kgan_json_and_load_generator_reads_it(tmp_path):
    gan = GAN(tiny_generator(num_classes=3), tiny_discriminator(num_classes=3), latent_distribution="uniform")
    path = serving.export_generator(gan, tmp_path, "tiny")
    metadata = serving.read_metadata(path)
    assert GeneratorSpec.from_config(metadata["generator_spec"]) == gan.spec
    assert (metadata["latent_dim"], metadata["num_classes"], metadata["latent_distribution"]) == (4, 3, "uniform")
    assert serving.load_generator(path).spec == gan.spec


def test_export_takes_the_latent_distribution_from_the_metadata_without_a_spec(tmp_path):
    path = serving.export_generator(tiny_generator(), tmp_path, "tiny", metadata={"latent_distribution": "uniform01"})
    assert serving.load_generator(path).spec.latent_distribution == "uniform01"
    with pytest.raises(ValueError, match="generator_spec"):
        serving.export_generator(tiny_generator(), tmp_path, "tiny", metadata={"generator_spec": {}})


def test_an_export_without_a_spec_gets_one_from_its_signature_and_metadata(tmp_path):
    path = serving.export_generator(
        tiny_generator(num_classes=3), tmp_path, "tiny", metadata={"latent_distribution": "uniform"}
    )
    kgan_json = path / serving.METADATA_PATH
    kgan_json.write_text(
        json.dumps({k: v for k, v in json.loads(kgan_json.read_text()).items() if k != "generator_spec"})
    )
    spec = serving.load_generator(path).spec
    assert spec == GeneratorSpec(TINY_LATENT, "uniform", 3, (1,), TINY_SHAPE)


def test_the_shipped_export_loads_unchanged_with_a_derived_spec():
    generate = serving.load_generator(SHIPPED)
    assert "generator_spec" not in serving.read_metadata(SHIPPED)
    assert generate.spec == GeneratorSpec(64, "normal", None, None, (28, 28, 1))
    assert generate(latent_from_seed(0, 64, count=2)).shape == (2, 28, 28, 1)


# The one label check -----------------------------------------------------------------------------------------

CONDITIONAL = GeneratorSpec(4, num_classes=3, label_shape=(1,), image_shape=TINY_SHAPE)
UNCONDITIONAL = GeneratorSpec(4, image_shape=TINY_SHAPE)


@pytest.mark.parametrize(
    "spec, labels, match",
    [
        (CONDITIONAL, None, r"conditional; pass integer labels in \[0, 3\) of shape \(2,\). Received: labels=None"),
        (CONDITIONAL, [0, 3], r"`labels` must lie in \[0, 3\). Received: labels=\[0, 3\]"),
        (CONDITIONAL, 5, r"must lie in \[0, 3\). Received: labels=\[5, 5\]"),
        (CONDITIONAL, [0.0, 1.0], "must be integer class ids. Received: labels.dtype=float64"),
        (CONDITIONAL, [0, 1, 2], r"must have shape \(2,\) or \(2, 1\).*Received: labels.shape=\(3,\)"),
        (UNCONDITIONAL, [0, 1], r"unconditional and takes no labels. Received: labels=\[0, 1\]"),
    ],
)
def test_check_labels_names_the_bad_value_in_one_line(spec, labels, match):
    with pytest.raises(ValueError, match=match) as error:
        spec.check_labels(labels, 2)
    assert "\n" not in str(error.value)


def test_check_labels_returns_int32_ids_one_per_sample():
    np.testing.assert_array_equal(CONDITIONAL.check_labels([[1], [2]], 2), [1, 2])
    assert CONDITIONAL.check_labels(np.int64(2), 3).dtype == np.int32
    assert UNCONDITIONAL.check_labels(None, 2) is None


def test_training_explore_and_export_share_the_label_check(tmp_path):
    generator = tiny_generator(num_classes=3)
    gan = GAN(generator, tiny_discriminator(num_classes=3))
    exported = serving.load_generator(serving.export_generator(generator, tmp_path, "tiny"))
    for model in (
        lambda: gan.generate(gan.sample_latent(2), [0, 3]),
        lambda: explore.sample(generator, 2, labels=[0, 3]),
        lambda: exported(latent_from_seed(0, 4, count=2), [0, 3]),
    ):
        with pytest.raises(ValueError, match=r"`labels` must lie in \[0, 3\). Received: labels=\[0, 3\]"):
            model()


# The latent samplers: numbers pinned, so measured scores and shipped pictures stay reproducible -------------------

KERAS_SEED_7 = {  # sample_latent((2, 3), distribution, seed=7): training's algorithm (keras.random)
    "normal": [
        [-0.6741727590560913, -0.35869255661964417, -1.8795816898345947],
        [-1.4728931188583374, -2.006253719329834, -1.133432388305664],
    ],
    "uniform": [
        [0.4941575527191162, 0.3443603515625, -0.8844408988952637],
        [0.28842639923095703, -0.8593828678131104, 0.33630967140197754],
    ],
    "uniform01": [
        [0.7470787763595581, 0.67218017578125, 0.057779550552368164],
        [0.6442131996154785, 0.07030856609344482, 0.6681548357009888],
    ],
}
NUMPY_SEED_7 = {  # latent_from_seed(7, 3, distribution, 2): kgan sample, explore and the metrics (NumPy default_rng)
    "normal": [
        [0.001230153371579945, 0.2987455427646637, -0.27413785457611084],
        [-0.8905918598175049, -0.454670786857605, -0.9916465282440186],
    ],
    "uniform": [
        [0.25019094347953796, 0.7944275736808777, 0.5513713955879211],
        [-0.5495856404304504, -0.3996674418449402, 0.7471069097518921],
    ],
    "uniform01": [
        [0.6250954866409302, 0.8972138166427612, 0.7756856679916382],
        [0.22520719468593597, 0.3001662790775299, 0.873553454875946],
    ],
}


@pytest.mark.parametrize("distribution", ["normal", "uniform", "uniform01"])
def test_keras_random_latent_values_are_pinned(distribution):
    expected = np.float32(KERAS_SEED_7[distribution])
    np.testing.assert_array_equal(sample_latent((2, 3), distribution, seed=7), expected)
    spec = GeneratorSpec(3, distribution)
    np.testing.assert_array_equal(fixed_latent(spec, 2, seed=7), expected)  # the callbacks' fixed batches


@pytest.mark.parametrize("distribution", ["normal", "uniform", "uniform01"])
def test_numpy_latent_values_are_pinned(distribution):
    expected = np.float32(NUMPY_SEED_7[distribution])
    np.testing.assert_array_equal(latent_from_seed(7, 3, distribution, 2), expected)
    np.testing.assert_array_equal(GeneratorSpec(3, distribution).latent_from_seed(7, 2), expected)
    assert explore.latent_from_seed is latent_from_seed


def test_the_training_stream_is_the_seeded_keras_draw():
    seeded = keras.random.SeedGenerator(3)
    np.testing.assert_array_equal(
        sample_latent((2, 3), "normal", seed=seeded),
        np.float32(
            [
                [-0.6715847849845886, 1.6760504245758057, -0.944245457649231],
                [0.6079389452934265, 1.252785086631775, 1.3524525165557861],
            ]
        ),
    )
    gan = GAN(tiny_generator(), tiny_discriminator(), seed=3)
    np.testing.assert_array_equal(gan.sample_latent(2), sample_latent((2, 4), "normal", keras.random.SeedGenerator(3)))


def test_fixed_latent_reads_the_models_spec():
    gan = GAN(tiny_generator(), tiny_discriminator(), latent_distribution="uniform")
    np.testing.assert_array_equal(fixed_latent(gan, 2, seed=7), sample_latent((2, 4), "uniform", seed=7))
    assert kgan.sample_latent is sample_latent
