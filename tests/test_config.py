"""`TrainConfig`, the one home of every training setting: each field reaches the parser and config.json, is checked
before anything is written, and a change on resume either takes effect or is refused."""

import argparse
import dataclasses
import json

import pytest

from conftest import write_digits_npz
from kgan.cli.train import add_train_arguments, config_from_args
from kgan.training import MAIN_JOB, TrainConfig, train
from kgan.training.config import MATCH, UPDATE, flag_of, resume_keys

FIELDS = {f.name: f for f in dataclasses.fields(TrainConfig)}
# Settings only Python can give (objects, or the variants' own flags that fill a dict).
LIBRARY_ONLY = {"verbose", "extra_callbacks", "variant_options"}

# A valid value other than the main job's for every kind of flag, as typed and as parsed.
OTHER_VALUE = {
    "positive_int": ("3", 3),
    "positive_float": ("0.003", 0.003),
    "non_negative_float": ("0.2", 0.2),
    "probability": ("0.3", 0.3),
    "probability_or_off": ("0.3", 0.3),
    "decay_or_off": ("0.9", 0.9),
    "augment_policy": ("color", "color"),
    "fraction": ("0.3", 0.3),
    "non_negative_int": ("7", 7),
    "int": ("7", 7),
    "str": ("other", "other"),
    "path": ("/tmp/somewhere", "/tmp/somewhere"),
    "image_size": ("32x48", (32, 48)),
}


def main_job_parser():
    return add_train_arguments(argparse.ArgumentParser(), **MAIN_JOB)


def other_argv(field):
    """Flags that set `field` to a valid value other than the main job's default, and that value."""
    meta = field.metadata
    flag = flag_of(field.name)
    default = MAIN_JOB.get(field.name, field.default)
    if isinstance(field.default, bool):
        return ([flag] if not default else ["--no-" + flag[2:]]), not default
    if meta["kind"] == "switch":  # True, False or "auto" (neither flag given)
        return ["--no-" + flag[2:]], False
    if meta["choices"] is not None:
        choices = meta["choices"]() if callable(meta["choices"]) else meta["choices"]
        value = next(c for c in choices if c != default and c != "mlp_lecture003")
        return [flag, str(value)], value
    text, value = OTHER_VALUE[meta["kind"]]
    return [flag, text], value


def test_every_setting_has_a_flag_or_is_library_only_and_says_how_it_resumes():
    parser = main_job_parser()
    dests = {action.dest for action in parser._actions}
    for name, field in FIELDS.items():
        assert field.metadata["resume"] in (MATCH, UPDATE), name
        assert field.metadata["help"], name
        assert (name in dests) == (name not in LIBRARY_ONLY), name


@pytest.mark.parametrize("name", sorted(set(FIELDS) - LIBRARY_ONLY))
def test_every_flag_reaches_the_config(name):
    argv, value = other_argv(FIELDS[name])
    # Lecture 004's loop has no EMA generator or augmentation: the main job's are turned off with it.
    fit_only = dict(ema=None, augment=None, ada_target=None) if name == "trainer" else {}
    argv += ["--ema", "0", "--augment", "off"] if fit_only else []
    config = config_from_args(main_job_parser().parse_args(argv))
    assert getattr(config, name) == value
    # ... and nothing else moved: the other settings keep the main job's values (another variant drops InfoGAN's
    # options).
    follows = dict(variant_options={}) if name == "variant" else {}
    assert config == TrainConfig(**{**MAIN_JOB, **fit_only, **follows, name: value})


def test_every_setting_reaches_config_json_form():
    config = TrainConfig(**MAIN_JOB)
    record = config.record(num_examples=5000)
    assert set(FIELDS) <= set(record) and record["num_examples"] == 5000
    assert json.loads(json.dumps(record)) == record
    for name in set(FIELDS) - {"extra_callbacks"}:
        assert record[name] == json.loads(json.dumps(getattr(config, name))), name


@pytest.mark.parametrize(
    "settings,message",
    [
        (dict(epochs=0), "`epochs` must be a positive integer. Received: epochs=0"),
        (dict(lr_d=-1.0), "`lr_d` must be a positive number. Received: lr_d=-1.0"),
        (dict(beta_1=1.0), "`beta_1` must be in [0, 1). Received: beta_1=1.0"),
        (dict(trainer="loop"), "`trainer` must be one of ('fit', 'classic'). Received: trainer='loop'"),
        (dict(loss="nope"), "`loss` must be one of"),
        (dict(arch="resnet"), "Received: arch='resnet'"),
        (dict(variant="stylegan"), "stylegan"),
        (dict(export_name="a/b"), "Received: name='a/b'"),
        (dict(trainer="classic", ema=0.99), "need the fit trainer"),
        (dict(variant_options={"d_steps": 2}), "`d_steps` is a setting of its own"),
    ],
)
def test_bad_settings_are_refused_on_construction(settings, message):
    with pytest.raises(ValueError) as error:
        TrainConfig(**settings)
    assert message in str(error.value)


def test_a_variant_option_the_variant_does_not_take_is_refused():
    args = main_job_parser().parse_args(["--variant", "gan", "--gp-weight", "5"])
    with pytest.raises(ValueError, match="--gp-weight does not apply to the gan variant"):
        config_from_args(args)
    # The recipe's own options follow the variant: InfoGAN's categories are dropped for the plain GAN ...
    assert config_from_args(main_job_parser().parse_args(["--variant", "gan"])).variant_options == {}
    # ... and kept, or overridden, for InfoGAN.
    assert config_from_args(main_job_parser().parse_args([])).variant_options == {"categories": 20}
    args = main_job_parser().parse_args(["--categories", "12", "--info-weight", "2"])
    assert config_from_args(args).variant_options == {"categories": 12, "info_weight": 2.0}


def test_train_takes_a_config_or_settings():
    with pytest.raises(TypeError, match="kgan.training.TrainConfig"):
        train({"epochs": 1})
    with pytest.raises(ValueError, match="epochs=0"):
        train(TrainConfig(), epochs=0)  # changes to a config are checked too


def test_resume_keys_are_the_settings_that_define_the_run():
    keys = set(resume_keys())
    assert {"arch", "variant", "dataset", "batch_size", "seed", "d_steps", "ema", "variant_options"} <= keys
    assert not keys & {"epochs", "lr_d", "lr_g", "beta_1", "output_dir", "export_name"}


@pytest.fixture(scope="module")
def interrupted(tmp_path_factory):
    """A one-epoch run turned into an interrupted one (its finished marker and export removed)."""
    root = tmp_path_factory.mktemp("resume")
    data = root / "d.npz"
    write_digits_npz(data, 128)
    settings = dict(
        variant="gan",
        arch="dcgan",
        dataset="npz",
        data_path=str(data),
        batch_size=64,
        epochs=1,
        jit_compile=False,
        verbose=0,
        sample_every=100,
    )
    return root, settings


def make_interrupted(root, settings, name):
    run_dir = root / name
    train(output_dir=run_dir, **settings)
    (run_dir / "finished.json").unlink()
    return run_dir


def test_new_learning_rates_and_beta_1_take_effect_on_resume(interrupted):
    root, settings = interrupted
    run_dir = make_interrupted(root, settings, "lr")
    result = train(
        output_dir=run_dir,
        **{**settings, "epochs": 2, "lr_d": 1e-3, "lr_g": 3e-3, "beta_1": 0.25},
        export_name="resumed",
    )
    gan = result.gan
    assert float(gan.d_optimizer.learning_rate) == pytest.approx(1e-3)
    assert float(gan.g_optimizer.learning_rate) == pytest.approx(3e-3)
    assert gan.d_optimizer.beta_1 == gan.g_optimizer.beta_1 == 0.25
    assert int(gan.d_optimizer.iterations) == 4  # two epochs of two steps: the first came from the checkpoint
    config = json.loads((run_dir / "config.json").read_text())
    assert (config["lr_d"], config["lr_g"], config["beta_1"], config["epochs"]) == (1e-3, 3e-3, 0.25, 2)


@pytest.mark.parametrize(
    "change,flag",
    [
        (dict(d_steps=2), "--d-steps 2"),
        (dict(ema=0.9), "--ema 0.9"),
        (dict(variant_options={"label_smoothing": 0.1}), "variant_options={'label_smoothing': 0.1}"),
    ],
)
def test_a_change_of_a_defining_setting_on_resume_is_refused(interrupted, change, flag):
    root, settings = interrupted
    run_dir = root / "refused"
    if not run_dir.exists():
        make_interrupted(root, settings, "refused")
    with pytest.raises(ValueError) as error:
        train(output_dir=run_dir, **{**settings, "epochs": 2, **change})
    assert flag in str(error.value) and "would mix two runs" in str(error.value)


def test_every_flag_of_the_main_job_is_in_the_docs_flag_table():
    from pathlib import Path

    table = (Path(__file__).resolve().parents[1] / "docs" / "main_job.md").read_text()
    for action in main_job_parser()._actions:
        for flag in action.option_strings:
            if flag.startswith("--") and flag != "--help" and not flag.startswith("--no-"):
                assert f"`{flag}`" in table, flag


def test_augment_off_turns_the_main_jobs_ada_off_too():
    config = config_from_args(main_job_parser().parse_args(["--augment", "off"]))
    assert config.augment is None and config.ada_target is None
