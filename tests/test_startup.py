"""`kgan --help`, `kgan train --help` and a bad flag answer without TensorFlow; load_model still finds kgan's classes.

Each check runs in a fresh interpreter (the test process has TensorFlow loaded already). The time bound is generous
(the machine is shared); benchmarks/startup.py measures the real figures.
"""

import json
import os
import pathlib
import subprocess
import sys
import time

import keras
import pytest

import kgan
from conftest import tiny_discriminator, tiny_generator
from kgan.core import catalog

ROOT = pathlib.Path(__file__).resolve().parents[1]
BOUND_SECONDS = 3.0


def run_python(code, *args):
    """Runs `code` in a fresh interpreter with this tree first on the path; returns (result, wall seconds)."""
    env = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    start = time.perf_counter()
    result = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, timeout=120)
    return result, time.perf_counter() - start


# Code for a fresh interpreter: runs `{run}`, then prints its exit status and which heavy modules it imported.
REPORT = """
import json, runpy, sys
status = 0
try:
    {run}
except SystemExit as exit:
    status = exit.code
heavy = sorted(m for m in ("tensorflow", "keras", "kgan.core.gan", "kgan.variants") if m in sys.modules)
print(json.dumps({{"status": status, "heavy": heavy}}))
"""
# The `kgan` command's main on argv; a script as `python scripts/NAME.py ARGV` runs it (argv: its path, ARGV).
KGAN = REPORT.format(run="from kgan.cli import main; status = main(sys.argv[1:])")
SCRIPT = REPORT.format(run="sys.argv = sys.argv[1:]; runpy.run_path(sys.argv[0], run_name='__main__')")


@pytest.mark.parametrize(
    "argv, status",
    [
        (["--help"], 0),
        (["train", "--help"], 0),
        (["sample", "--help"], 0),
        (["info"], 0),
        (["train", "--epochs", "0"], 2),
        (["train", "--variant", "nope"], 2),
        (["train", "--augment", "color,blur"], 2),
        (["train", "--no-such-flag"], 2),
        (["sample", "out", "--num", "-1"], 2),
        (["sample", "out", "--output", "grid.jpg"], 2),  # kgan's own check of the flags, before TensorFlow
    ],
)
def test_the_command_answers_without_tensorflow(argv, status):
    result, seconds = run_python(KGAN, *argv)
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report == {"status": status, "heavy": []}, result.stderr
    assert seconds < BOUND_SECONDS, f"kgan {' '.join(argv)} took {seconds:.2f} s"
    if status == 2:
        assert len(result.stderr.strip().splitlines()[-1]) > 0 and "Traceback" not in result.stderr


SCRIPTS = sorted(path.stem for path in (ROOT / "scripts").glob("*.py"))


@pytest.mark.parametrize(
    "script, argv, status",
    [(script, ["--help"], 0) for script in SCRIPTS]
    + [(script, ["--no-such-flag"], 2) for script in SCRIPTS]
    + [("train_cyclegan", ["--epochs", "0"], 2), ("train_stackgan", ["--size", "huge"], 2)],
)
def test_the_scripts_answer_help_and_a_bad_flag_without_tensorflow(script, argv, status):
    result, seconds = run_python(SCRIPT, str(ROOT / "scripts" / f"{script}.py"), *argv)
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report == {"status": status, "heavy": []}, result.stderr
    assert seconds < BOUND_SECONDS, f"{script} {' '.join(argv)} took {seconds:.2f} s"
    if status == 2:
        assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr, result.stderr


def test_the_script_list_is_read_from_the_scripts_folder():
    assert {"train_mnist_gan", "train_classifier", "lecture000_usps", "ring_of_gaussians"} <= set(SCRIPTS)


def test_the_help_read_from_source_shows_what_the_imported_modules_hold():
    import inspect

    from kgan.cli import source
    from kgan.lectures import conv_notebooks, usps
    from kgan.models.cyclegan import GENERATOR_SIZES
    from kgan.models.stackgan import NETWORK_SIZES
    from kgan.training.combined import GENERATOR_COSTS
    from kgan.training.cyclegan import train_cyclegan
    from kgan.training.stackgan import train_stackgan

    for function in (train_cyclegan, train_stackgan):
        parameters = inspect.signature(function).parameters.values()
        expected = {p.name: p.default for p in parameters if p.default is not inspect.Parameter.empty}
        assert source.defaults_of(function.__module__, function.__name__) == expected
    assert source.keys_of("kgan.models.cyclegan", "GENERATOR_SIZES") == list(GENERATOR_SIZES)
    assert source.keys_of("kgan.models.stackgan", "NETWORK_SIZES") == list(NETWORK_SIZES)
    assert source.value_of("kgan.lectures.usps", "USPS_RECIPE") == usps.USPS_RECIPE  # a dict(...) call
    assert source.value_of("kgan.lectures.usps", "CLASSIFIER_EPOCHS") == usps.CLASSIFIER_EPOCHS  # a literal
    assert source.value_of("kgan.training.combined", "GENERATOR_COSTS") == GENERATOR_COSTS  # lecture 004's --loss
    settings = source.value_of("kgan.lectures.conv_notebooks", "NOTEBOOK_SETTINGS")
    assert settings == conv_notebooks.NOTEBOOK_SETTINGS
    with pytest.raises(LookupError, match="CONV_NOTEBOOKS is not a literal"):
        source.value_of("kgan.lectures.conv_notebooks", "CONV_NOTEBOOKS")  # ConvNotebook(...) calls
    with pytest.raises(LookupError, match="no top-level 'nope'"):
        source.defaults_of("kgan.training.cyclegan", "nope")


def test_a_variant_option_another_variant_does_not_take_is_refused_without_tensorflow():
    code = """
import argparse, json, sys
from kgan.cli.train import add_train_arguments, config_from_args
from kgan.training import MAIN_JOB
args = add_train_arguments(argparse.ArgumentParser(), **MAIN_JOB).parse_args(["--variant", "wgan", "--categories", "5"])
from kgan.cli.variants import variant_options
try:
    variant_options(args)
except ValueError as error:
    print(json.dumps({"error": str(error), "tensorflow": "tensorflow" in sys.modules}))
"""
    result, _ = run_python(code)
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert "--categories does not apply to the wgan variant" in report["error"]
    assert report["tensorflow"] is False


def test_import_kgan_is_light_and_its_names_load_on_first_use():
    code = """
import json, sys
import kgan
light = "tensorflow" not in sys.modules
names = {name: type(getattr(kgan, name)).__name__ for name in ("GAN", "train", "data", "datasets", "losses")}
print(json.dumps({"light": light, "names": names, "same": kgan.data is kgan.datasets, "dir": "GAN" in dir(kgan)}))
"""
    result, _ = run_python(code)
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["light"] is True, result.stderr
    assert report["names"] == {
        "GAN": "type",
        "train": "function",
        "data": "module",
        "datasets": "module",
        "losses": "module",
    }
    assert report["same"] and report["dir"]


def test_an_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="has no attribute 'nope'"):
        kgan.nope  # noqa: B018


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    """A saved WGAN-GP (a variant, with a penalty object) and the class name load_model must give back."""
    from kgan.variants import WGANGP

    gan = WGANGP(tiny_generator(), tiny_discriminator())
    gan.compile()
    path = tmp_path_factory.mktemp("startup") / "gan.keras"
    gan.save(path)
    return path


LOAD = """
import sys
{imports}
import keras
gan = keras.saving.load_model(sys.argv[1])
print(type(gan).__name__, type(gan.penalties[0]).__name__ if gan.penalties else None)
"""


@pytest.mark.parametrize(
    "imports",
    [
        "import kgan",  # the documented way: kgan registers its classes once Keras is imported
        "import kgan.core.catalog",  # any kgan import does
        "import keras\nimport kgan",  # Keras first: kgan registers at once
        "from kgan.core import GAN",  # a kgan module that imports Keras itself: registered after it finishes
    ],
)
def test_load_model_finds_kgan_classes_after_importing_kgan(checkpoint, imports):
    result, _ = run_python(LOAD.format(imports=imports), str(checkpoint))
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["WGANGP", "GradientPenalty"]


def test_without_importing_kgan_load_model_does_not_find_its_classes(checkpoint):
    # Keras 3 imports the module a saved class names only for its own packages (keras, keras_hub, ...):
    # a process that never imports kgan cannot read a kgan checkpoint. Fails when Keras starts importing it.
    result, _ = run_python(LOAD.format(imports=""), str(checkpoint))
    assert result.returncode != 0 and "Could not locate class" in result.stderr


def test_the_catalogue_names_what_the_registries_hold():
    from kgan.core import augment, distribute, latent, losses
    from kgan.data import DATASETS
    from kgan.data.validation import RESIZE_POLICIES
    from kgan.lectures.conv_notebooks import CONV_NOTEBOOKS
    from kgan.models import ARCHITECTURES, CONDITIONAL_ARCHITECTURES
    from kgan.serving.explore import MAX_SAMPLES
    from kgan.variants import VARIANTS

    assert set(catalog.ARCHITECTURES) == set(ARCHITECTURES)
    assert set(catalog.CONDITIONAL_ARCHITECTURES) == set(CONDITIONAL_ARCHITECTURES)
    presets = {**ARCHITECTURES, **CONDITIONAL_ARCHITECTURES}
    assert catalog.LATENT_DIMS == {name: preset["latent_dim"] for name, preset in presets.items()}
    assert catalog.VARIANT_OPTIONS == {name: tuple(cls.options) for name, cls in VARIANTS.items()}
    for name, cls in VARIANTS.items():
        assert cls.optimizer_defaults == catalog.VARIANT_OPTIMIZERS.get(name, catalog.OPTIMIZER_DEFAULTS), name
    assert set(catalog.LOSSES) == set(losses.LOSSES)
    assert catalog.DATASETS == DATASETS and catalog.RESIZE_POLICIES == RESIZE_POLICIES
    assert catalog.STRATEGIES == distribute.STRATEGIES
    assert catalog.LATENT_DISTRIBUTIONS == latent.LATENT_DISTRIBUTIONS
    assert catalog.AUGMENT_OPERATIONS == augment.OPERATIONS
    assert catalog.MAX_SAMPLES == MAX_SAMPLES
    assert catalog.CONV_NOTEBOOKS == tuple(notebook.key for notebook in CONV_NOTEBOOKS)


def test_the_registrar_imports_the_registering_module_once_keras_is_complete():
    # A kgan module that imports Keras (kgan.core.gan) is not re-entered half-way: the registering module is
    # imported after it finishes, and `from kgan.core import GAN` gives the class, not a half-made module.
    code = """
import sys
from kgan.core import GAN
print(GAN.__name__, "kgan.variants" in sys.modules, isinstance(GAN, type))
"""
    result, _ = run_python(code)
    assert result.stdout.split() == ["GAN", "True", "True"], result.stderr


def test_the_main_job_recipe_is_the_same_object_everywhere():
    from kgan.training import MAIN_JOB, main_job

    assert main_job.MAIN_JOB is MAIN_JOB and MAIN_JOB["variant"] in catalog.VARIANTS
    assert keras.saving.get_registered_object("kgan>GAN") is kgan.GAN


def test_package_resources_read_through_the_watched_loaders():
    # kgan.data and kgan.metrics read their shipped files with importlib.resources, through the loader the
    # registration hook wraps while Keras is not yet imported.
    code = """
import kgan
from kgan.data import load_arrays
from kgan.metrics.classifier import load_classifier
images, labels, info = load_arrays()
classifier, card = load_classifier("mnist")
print(len(images), type(kgan.data.__spec__.loader).__name__, classifier.count_params() > 0)
"""
    result, _ = run_python(code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["5000", "_Watched", "True"]
