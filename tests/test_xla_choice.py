"""XLA chosen by measurement (`jit_compile="auto"`): the faster step wins, flags force it, the cache skips the probe,
determinism turns XLA off, and the probe leaves the run exactly as it found it."""

import argparse
import json
import time

import numpy as np
import pytest

from conftest import TINY_SHAPE, tiny_discriminator, tiny_generator
from kgan.cli.train import add_train_arguments, config_from_args
from kgan.core import GAN, distribute
from kgan.training import MAIN_JOB, TrainConfig, xla_choice
from kgan.training.xla_choice import XlaChoice, choose_for_run, choose_jit_compile, time_steps

KEY = {"arch": "dcgan", "batch_size": 8}


def fake_steps(xla_seconds, no_xla_seconds, calls=None):
    """`make_step` whose steps sleep: a stand-in for two compiled train steps of known speed."""

    def make_step(jit_compile):
        if calls is not None:
            calls.append(jit_compile)
        seconds = xla_seconds if jit_compile else no_xla_seconds
        return lambda: time.sleep(seconds)

    return make_step


def never(jit_compile):
    raise AssertionError("the probe ran")


@pytest.mark.parametrize("xla, off, expected", [(0.001, 0.006, True), (0.006, 0.001, False)])
def test_auto_picks_the_faster_of_two_steps(xla, off, expected):
    choice = choose_jit_compile("auto", fake_steps(xla, off))
    assert choice.jit_compile is expected and choice.how == "probe"
    assert choice.seconds["xla"] == pytest.approx(xla, abs=0.004)
    assert choice.seconds["no_xla"] == pytest.approx(off, abs=0.004)


def test_the_probe_interleaves_and_builds_each_step_once():
    calls = []
    time_steps(fake_steps(0, 0, calls), rounds=3)
    assert calls == [False, True]
    calls.clear()
    time_steps(fake_steps(0, 0, calls), rounds=3, rebuild=True)  # the classic trainer: built again every round
    assert calls == [False, True, True, False, False, True]


@pytest.mark.parametrize("setting", [True, False])
def test_jit_and_no_jit_force_the_choice_without_a_probe(setting, tmp_path):
    choice = choose_jit_compile(setting, never, key=KEY, cache_dir=tmp_path)
    assert choice == XlaChoice(setting, "flag")
    assert not (tmp_path / xla_choice.CACHE_FILE).exists()


@pytest.mark.parametrize("setting", [True, False, "auto"])
def test_deterministic_runs_without_xla_and_without_a_probe(setting):
    assert choose_jit_compile(setting, never, key=KEY, deterministic=True) == XlaChoice(False, "deterministic")


def test_several_replicas_run_without_xla_and_without_a_probe():
    assert choose_jit_compile("auto", never, key=KEY, replicas=2) == XlaChoice(False, "replicas")


@pytest.mark.parametrize("setting", ["yes", 1, None])
def test_a_bad_setting_is_refused(setting):
    with pytest.raises(ValueError, match="must be True, False or 'auto'. Received: jit_compile="):
        choose_jit_compile(setting, never)
    if setting is not None:  # None is no setting's value: TrainConfig checks only what is set
        with pytest.raises(ValueError, match="must be True, False or 'auto'. Received: jit_compile="):
            TrainConfig(jit_compile=setting)


def test_a_cache_hit_skips_the_probe_and_the_env_var_measures_again(tmp_path, monkeypatch):
    monkeypatch.delenv("KGAN_XLA_CACHE", raising=False)
    first = choose_jit_compile("auto", fake_steps(0.001, 0.004), key=KEY, cache_dir=tmp_path)
    assert first.how == "probe" and first.jit_compile
    again = choose_jit_compile("auto", never, key=KEY, cache_dir=tmp_path)
    assert again == XlaChoice(True, "cache", first.seconds)
    other = choose_jit_compile("auto", fake_steps(0.004, 0.001), key={**KEY, "batch_size": 16}, cache_dir=tmp_path)
    assert other.how == "probe" and not other.jit_compile  # another key: measured
    monkeypatch.setenv("KGAN_XLA_CACHE", "off")
    fresh = choose_jit_compile("auto", fake_steps(0.004, 0.001), key=KEY, cache_dir=tmp_path)
    assert fresh.how == "probe" and not fresh.jit_compile
    monkeypatch.delenv("KGAN_XLA_CACHE")
    assert choose_jit_compile("auto", never, key=KEY, cache_dir=tmp_path).jit_compile is False  # the new figure
    cached = json.loads((tmp_path / xla_choice.CACHE_FILE).read_text())["choices"]
    assert len(cached) == 2


def test_a_damaged_cache_is_measured_again_and_rewritten(tmp_path):
    (tmp_path / xla_choice.CACHE_FILE).write_text("{not json")
    choice = choose_jit_compile("auto", fake_steps(0.001, 0.004), key=KEY, cache_dir=tmp_path)
    assert choice.how == "probe"
    assert choose_jit_compile("auto", never, key=KEY, cache_dir=tmp_path).how == "cache"


def test_an_unwritable_cache_only_costs_a_note(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("")
    choice = choose_jit_compile("auto", fake_steps(0.001, 0.004), key=KEY, cache_dir=blocker / "cache")
    assert choice.jit_compile and "Not caching the XLA choice" in capsys.readouterr().out


def test_the_default_cache_dir_follows_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("KGAN_CACHE_DIR", str(tmp_path / "k"))
    assert xla_choice.default_cache_dir() == tmp_path / "k"
    monkeypatch.delenv("KGAN_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "x"))
    assert xla_choice.default_cache_dir() == tmp_path / "x" / "kgan"


def test_the_flags_are_jit_no_jit_and_auto_by_default():
    parser = add_train_arguments(argparse.ArgumentParser(), **MAIN_JOB)
    assert config_from_args(parser.parse_args([])).jit_compile == "auto"  # neither flag: the setting's default
    assert config_from_args(parser.parse_args(["--jit"])).jit_compile is True
    assert config_from_args(parser.parse_args(["--no-jit"])).jit_compile is False
    assert TrainConfig().jit_compile == "auto"


def test_the_record_says_what_was_chosen_and_how():
    choice = XlaChoice(False, "probe", {"xla": 0.02, "no_xla": 0.01})
    assert json.loads(json.dumps(choice.record())) == {
        "jit_compile": False,
        "how": "probe",
        "seconds": {"xla": 0.02, "no_xla": 0.01},
    }
    assert "20.0 ms per step with XLA, 10.0 ms without" in choice.describe()


def _tiny_gan():
    gan = GAN(tiny_generator(), tiny_discriminator(), seed=0)
    gan.compile(jit_compile=False)
    return gan


def _source(images):
    """The run's data as `kgan.train` opens it (`kgan.data.open_source`), from arrays."""
    from kgan.data.opening import ArraySource
    from kgan.data.sources import DatasetInfo

    return ArraySource(images, None, DatasetInfo("npz", len(images), images.shape[1:], None, None))


@pytest.mark.parametrize("trainer", ["fit", "classic"])
def test_the_probe_leaves_weights_optimizers_and_noise_as_they_were(trainer, tmp_path, monkeypatch):
    monkeypatch.setenv("KGAN_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(xla_choice, "MIN_STEPS_TO_PROBE", 1)
    images = np.random.default_rng(0).integers(0, 256, size=(32, *TINY_SHAPE), dtype=np.uint8)
    probed, untouched = _tiny_gan(), _tiny_gan()  # the same seed: the same noise stream
    variables = probed.variables + probed.d_optimizer.variables + probed.g_optimizer.variables
    before = [v.numpy().copy() for v in variables]
    config = TrainConfig(arch="dcgan", batch_size=8, trainer=trainer)
    strategy = distribute.get_strategy("default")
    choice = choose_for_run(config, probed, _source(images), strategy)
    assert choice.how == "probe" and set(choice.seconds) == {"xla", "no_xla"}
    assert int(probed.d_optimizer.iterations) == 0
    for variable, value in zip(variables, before):
        np.testing.assert_array_equal(variable.numpy(), value, err_msg=variable.path)
    np.testing.assert_array_equal(probed.sample_latent(4), untouched.sample_latent(4))
    assert choose_for_run(config, _tiny_gan(), _source(images), strategy).how == "cache"


def test_choose_for_run_is_off_under_determinism_without_probing(tmp_path, monkeypatch):
    monkeypatch.setenv("KGAN_CACHE_DIR", str(tmp_path))
    gan = _tiny_gan()
    config = TrainConfig(arch="dcgan", batch_size=8, deterministic=True)
    images = np.zeros((16, *TINY_SHAPE), np.uint8)
    choice = choose_for_run(config, gan, _source(images), distribute.get_strategy("default"))
    assert choice == XlaChoice(False, "deterministic") and gan.train_function is None
    assert not list(tmp_path.iterdir())


def test_train_records_the_setting_and_the_choice_in_config_json(tmp_path, monkeypatch):
    from conftest import write_digits_npz
    from kgan.training import train

    monkeypatch.setenv("KGAN_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(xla_choice, "MIN_STEPS_TO_PROBE", 1)
    monkeypatch.setattr(xla_choice, "time_steps", lambda make_step, **kwargs: {"xla": 0.002, "no_xla": 0.001})
    data = write_digits_npz(tmp_path / "digits.npz", 64)
    result = train(dataset="npz", data_path=str(data), epochs=1, batch_size=32, output_dir=tmp_path / "run", verbose=0)
    record = json.loads((result.run_dir / "config.json").read_text())
    assert record["jit_compile"] == "auto"
    assert record["xla"] == {"jit_compile": False, "how": "probe", "seconds": {"xla": 0.002, "no_xla": 0.001}}
    assert result.gan.jit_compile is False


def test_a_short_run_trains_without_xla_and_without_a_probe(tmp_path, monkeypatch):
    monkeypatch.setenv("KGAN_CACHE_DIR", str(tmp_path))
    images = np.zeros((64, *TINY_SHAPE), np.uint8)  # 8 steps per epoch
    epochs = xla_choice.MIN_STEPS_TO_PROBE // 8 - 1
    config = TrainConfig(arch="dcgan", batch_size=8, epochs=epochs)
    choice = choose_for_run(config, _tiny_gan(), _source(images), distribute.get_strategy("default"))
    assert choice == XlaChoice(False, "short run") and not list(tmp_path.iterdir())
