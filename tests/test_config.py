"""`TrainConfig`, the one home of every training setting: each field reaches the parser and config.json, is checked
before anything is written, and a change on resume either takes effect or is refused."""

import argparse
import dataclasses
import json

import pytest

from conftest import write_digits_npz
from kgan.cli.train import add_train_arguments, config_from_args
from kgan.core.penalties import WeightPenalty
from kgan.training import MAIN_JOB, TrainConfig, train
from kgan.training.config import MATCH, UPDATE, flag_of, resume_keys

FIELDS = {f.name: f for f in dataclasses.fields(TrainConfig)}
# Settings only Python can give (objects, or the variants' own flags that fill a dict).
LIBRARY_ONLY = {"verbose", "extra_callbacks", "variant_options"}

# A valid value other than the main job's for every kind of flag, as typed and as parsed.
OTHER_VALUE = {
    "positive_int": ("3", 3),
    "positive_int_or_auto": ("3", 3),
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
    if meta["kind"] in ("switch", "precision"):  # True, False or "auto" (neither flag given)
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


# Settings that need another one set to be of use.
NEEDS = {"instance_noise_steps": dict(instance_noise=0.1), "cache": dict(dataset="folder")}


@pytest.mark.parametrize("name", sorted(set(FIELDS) - LIBRARY_ONLY))
def test_every_flag_reaches_the_config(name):
    argv, value = other_argv(FIELDS[name])
    needs = NEEDS.get(name, {})
    argv += [a for k, v in needs.items() for a in (flag_of(k), str(v))]
    config = config_from_args(main_job_parser().parse_args(argv))
    assert getattr(config, name) == value
    # ... and nothing else moved: the other settings keep the main job's values, but for those the new value
    # leaves no use for (lecture 004's loop trains the plain GAN without EMA or augmentation; another variant
    # drops InfoGAN's options).
    follows = dict(variant_options={}) if name == "variant" else {}
    if name == "trainer":
        follows = dict(variant="gan", variant_options={}, ema=None, augment=None, augment_probability=1.0)
        follows.update(ada_target=None)
    assert config == TrainConfig(**{**MAIN_JOB, **follows, **needs, name: value})


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
        (dict(trainer="classic", ema=0.99), "--ema cannot be used here: lecture 004's train_on_batch loop"),
        (dict(trainer="classic", instance_noise=0.1), "Received: instance_noise=0.1"),
        (dict(trainer="classic", steps_per_execution=2), "--steps-per-execution cannot be used here"),
        (dict(trainer="classic", variant="wgan"), "the classic trainer trains the plain GAN"),
        (dict(trainer="classic", loss="hinge"), "the classic trainer's generator costs are"),
        (dict(variant="wgan", label_smoothing=0.1), "the wgan variant's D has no real target to smooth"),
        (dict(loss="hinge", label_smoothing=0.1), "the hinge loss has no real target to smooth"),
        (dict(variant="began", loss="non_saturating"), "--loss cannot be used here: the began variant has its own"),
        (dict(optimizer="rmsprop", beta_2=0.9), "--beta-2 cannot be used here: it is Adam's"),
        (dict(variant="wgan", beta_1=0.5), "and the optimizer is rmsprop. Received: beta_1=0.5"),
        (dict(instance_noise_steps=10), "instance_noise is 0"),
        (dict(cache="memory"), "--cache cannot be used here: it keeps a folder's decoded images"),
        (dict(variant="pggan", arch="lecture004"), "--arch cannot be used here: the pggan variant builds its paper's"),
        (dict(variant="pggan", init="dcgan"), "--init cannot be used here: the pggan variant builds its paper's"),
        (dict(ada_target=0.6), "--ada-target cannot be used here: it adapts the augmentation's probability"),
        (dict(variant="wgan", augment="color", ada_target=0.6), "D's real/fake verdict"),
        (dict(augment_probability=0.5), "--augment-probability cannot be used here: augment is off"),
        (dict(optimizer="sgd"), "`optimizer` must be one of ('adam', 'rmsprop')"),
        (dict(grid_size=0), "`grid_size` must be a positive integer"),
        (dict(beta_2=1.0), "`beta_2` must be in [0, 1)"),
        (dict(variant_options={"gp_weight": 5.0}), "--gp-weight does not apply to the gan variant"),
        (dict(variant_options={"label_smoothing": 0.1}), "`label_smoothing` is a setting of its own"),
        (dict(variant_options={"d_steps": 2}), "`d_steps` is a setting of its own"),
        # Values a variant checks without its networks (`check_options`): 0 is PGGAN's "no code", not InfoGAN's.
        (dict(variant="infogan", variant_options={"categories": 0}), "Received: categories=0"),
        (dict(variant="pggan", variant_options={"categories": 1}), "Received: categories=1"),
    ],
)
def test_bad_settings_are_refused_on_construction(settings, message):
    with pytest.raises(ValueError) as error:
        TrainConfig(**settings)
    assert message in str(error.value)


def test_pggan_takes_categories_0_for_no_code():
    assert TrainConfig(variant="pggan", variant_options={"categories": 0}).variant_options == {"categories": 0}


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
        (dict(label_smoothing=0.1), "--label-smoothing 0.1"),
        (dict(optimizer="rmsprop"), "--optimizer 'rmsprop'"),
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
    assert config.augment is None and config.ada_target is None and config.augment_probability == 1.0


def test_a_recipe_default_is_dropped_where_it_has_no_use_but_a_given_setting_never_is():
    classic = TrainConfig.from_recipe(MAIN_JOB, trainer="classic")
    assert (classic.variant, classic.ema, classic.augment, classic.variant_options) == ("gan", None, None, {})
    assert classic.lr_d == MAIN_JOB["lr_d"]  # what still applies stays
    # WGAN's critic gives ADA no verdict to read: the recipe's ADA goes, and its augmentation at probability 0 too.
    wgan = TrainConfig.from_recipe(MAIN_JOB, variant="wgan")
    assert (wgan.ada_target, wgan.augment, wgan.ema) == (None, None, MAIN_JOB["ema"])
    with pytest.raises(ValueError, match="--ema cannot be used here"):
        TrainConfig.from_recipe(MAIN_JOB, trainer="classic", ema=0.99)
    with pytest.raises(ValueError, match="--variant cannot be used here"):
        TrainConfig.from_recipe(MAIN_JOB, trainer="classic", variant="infogan")


def test_the_classic_trainer_on_the_command_line_says_what_it_left_out():
    from kgan.cli.train import given_settings, left_out

    args = main_job_parser().parse_args(["--trainer", "classic"])
    config = config_from_args(args)
    assert config.trainer == "classic" and config.variant == "gan"
    assert given_settings(args) == {"trainer": "classic", "variant_options": {}}
    expected = ["variant='infogan'", "ema=0.999", "augment='color,translation,cutout'", "augment_probability=0.0"]
    assert left_out(args, config) == expected + ["ada_target=0.6"]
    assert left_out(main_job_parser().parse_args([]), config_from_args(main_job_parser().parse_args([]))) == []


@pytest.mark.parametrize("variant", ["gan", "wgan", "lsgan", "infogan"])
def test_an_explicit_loss_is_honoured_also_when_it_is_the_variants_default(variant):
    from kgan.variants import get_variant

    default = get_variant(variant).default_loss
    args = main_job_parser().parse_args(["--variant", variant, "--loss", default])
    assert config_from_args(args).loss == default  # given, so not "the variant's": None
    other = "hinge" if default != "hinge" else "least_squares"
    gan = build_gan_of(config_from_args(main_job_parser().parse_args(["--variant", variant, "--loss", other])))
    assert gan.gan_loss.name == other


def build_gan_of(config):
    from kgan.data import DatasetInfo
    from kgan.training.main_job import _build_gan

    info = DatasetInfo(name="npz", num_examples=64, image_shape=(28, 28, 1), num_classes=10, class_names=None)
    return _build_gan(config, info)


def test_the_optimizer_and_grid_flags_reach_the_trained_gan(interrupted):
    root, settings = interrupted
    # WGAN's paper's optimizer by default: RMSprop at 5e-5 (Arjovsky et al. 2017) ...
    args = main_job_parser().parse_args(["--variant", "wgan", "--arch", "dcgan", "--ema", "0", "--grid-size", "3"])
    config = dataclasses.replace(config_from_args(args), **{**settings, "variant": "wgan", "epochs": 1})
    gan = train(config, output_dir=root / "wgan").gan
    assert type(gan.d_optimizer).__name__ == type(gan.g_optimizer).__name__ == "RMSprop"
    assert float(gan.d_optimizer.learning_rate) == pytest.approx(5e-5)
    assert json.loads((root / "wgan" / "config.json").read_text())["optimizer"] == "rmsprop"
    # ... the samples drawn as a 3 x 3 grid ...
    import numpy as np

    with np.load(root / "wgan" / "samples" / "montage.npz") as montage:
        assert montage["epoch_0001"].shape[0] == 9
    # ... and Adam with the betas given.
    argv = ["--variant", "wgan", "--optimizer", "adam", "--beta-1", "0.1", "--beta-2", "0.8"]
    args = main_job_parser().parse_args(argv)
    config = dataclasses.replace(config_from_args(args), **{**settings, "variant": "wgan", "ema": None})
    gan = train(config, output_dir=root / "adam").gan
    assert type(gan.d_optimizer).__name__ == "Adam"
    assert (gan.d_optimizer.beta_1, gan.d_optimizer.beta_2, gan.g_optimizer.beta_2) == (0.1, 0.8, 0.8)


def test_label_smoothing_reaches_ds_loss():
    import numpy as np

    args = ["--variant", "gan", "--arch", "dcgan", "--ema", "0", "--augment", "off"]
    config = config_from_args(main_job_parser().parse_args(args))
    plain = build_gan_of(config)
    smoothed = build_gan_of(dataclasses.replace(config, label_smoothing=0.3))
    smoothed.set_weights(plain.get_weights())
    assert smoothed.label_smoothing == 0.3
    real = np.random.default_rng(0).uniform(-1, 1, (8, 28, 28, 1)).astype("float32")
    fake = -real
    loss = lambda gan: float(gan.discriminator_loss(real, fake)[0])  # noqa: E731
    assert loss(smoothed) != pytest.approx(loss(plain))


@pytest.mark.parametrize(
    "trick, received",
    [
        (dict(instance_noise=0.1), "instance_noise=0.1"),
        (dict(ema=0.9), "ema=0.9"),
        (dict(augment="color"), "augment='color'"),
        (dict(penalties=[WeightPenalty(1e-4)]), "penalties=['WeightPenalty']"),
    ],
)
def test_the_classic_loop_refuses_a_gan_with_a_trick_it_would_drop(trick, received):
    from conftest import tiny_discriminator, tiny_generator
    from kgan.core import GAN
    from kgan.training.classic import ClassicGAN

    gan = GAN(tiny_generator(), tiny_discriminator(), seed=0, **trick)
    gan.compile(jit_compile=False)
    with pytest.raises(ValueError, match="trains the plain kgan.GAN, without penalties") as error:
        ClassicGAN.from_gan(gan)
    assert str(error.value).endswith(f"Received: {received}")
