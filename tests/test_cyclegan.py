"""CycleGAN: the image pool, the losses, a run on tiny folders, the export and `kgan sample --translate`.

The run folder, resuming and the script's flags: tests/test_cyclegan_runs.py.
"""

import json
import shutil
import subprocess
import sys

import keras
import numpy as np
import pytest
from PIL import Image

from conftest import load_script, run_entry
from kgan.cli import main as kgan_main
from kgan.cli.errors import run_main
from kgan.data.domains import load_domain, load_uci_digits, prepare_domain
from kgan.models.cyclegan import build_cyclegan_networks, build_patch_discriminator, build_resnet_generator
from kgan.serving.translation import load_translator
from kgan.training.cyclegan import train_cyclegan
from kgan.variants.cyclegan import CycleGAN, ImagePool, LinearDecay, cycle_loss, identity_loss


def script_main(argv):
    return run_main(load_script("train_cyclegan").main, argv)


def write_folder(path, count, value_range, channels=1, size=8, seed=0):
    rng = np.random.default_rng(seed)
    path.mkdir(parents=True)
    for i in range(count):
        pixels = rng.integers(*value_range, size=(size, size, channels), dtype=np.uint8)
        Image.fromarray(pixels[..., 0] if channels == 1 else pixels).save(path / f"{i:03d}.png")
    return path


@pytest.fixture(scope="module")
def domains(tmp_path_factory):
    root = tmp_path_factory.mktemp("domains")
    return write_folder(root / "a", 12, (0, 100)), write_folder(root / "b", 8, (150, 256), seed=1)


@pytest.fixture(scope="module")
def tiny_run(domains, tmp_path_factory):
    output = tmp_path_factory.mktemp("runs") / "run"
    settings = dict(domain_a=str(domains[0]), domain_b=str(domains[1]), image_size=8, size="small", batch_size=4)
    model, history, export = train_cyclegan(output, epochs=1, max_steps_per_epoch=2, verbose=0, **settings)
    return output, settings, model, history, export


# -- the image pool -----------------------------------------------------------------------------------


def constant_images(values):
    return np.asarray(values, "float32")[:, None, None, None] * np.ones((1, 2, 2, 1), "float32")


def test_pool_returns_new_images_until_full_then_a_past_one_half_the_time():
    pool = ImagePool(4, seed=3)
    first = constant_images([1, 2, 3])
    np.testing.assert_array_equal(pool(first), first)  # filling: stored and returned as they are
    out = np.asarray(pool(constant_images([4, 5, 6])))[:, 0, 0, 0]
    assert out[0] == 4 and int(pool.count.numpy()) == 4  # the 4th fills the pool; 5 and 6 may swap
    seen = {1.0, 2.0, 3.0, 4.0, 5.0, 6.0}
    swapped = 0
    for start in range(100, 2100, 200):
        values = np.arange(start, start + 200, dtype="float32")
        out = np.asarray(pool(constant_images(values)))[:, 0, 0, 0]
        past = out != values
        assert set(out[past]) <= seen | set(values)  # a past fake (of an earlier batch or this one), never new
        swapped += int(past.sum())
        seen |= set(values)
        assert sorted(np.asarray(pool.images)[:, 0, 0, 0]) != [1, 2, 3, 4]  # the pool keeps changing
    assert 0.45 < swapped / 2000 < 0.55  # the paper's probability 0.5


def test_pool_of_size_zero_returns_the_images_and_bad_sizes_are_refused():
    images = constant_images([7, 8])
    np.testing.assert_array_equal(ImagePool(0)(images), images)
    with pytest.raises(ValueError, match="pool_size"):
        ImagePool(-1)


def test_pool_works_inside_a_traced_function():
    import tensorflow as tf

    pool = ImagePool(2, seed=0)
    pool.build((None, 2, 2, 1))
    traced = tf.function(lambda x: pool(x))
    np.testing.assert_array_equal(traced(constant_images([1, 2])), constant_images([1, 2]))
    assert int(pool.count.numpy()) == 2


# -- the losses and the schedule -----------------------------------------------------------------------


def test_cycle_and_identity_losses_are_mean_absolute_errors():
    real = np.array([[0.0, 1.0], [2.0, -3.0]], "float32")
    other = np.array([[0.5, 1.0], [1.0, 0.0]], "float32")
    assert float(cycle_loss(real, other)) == pytest.approx((0.5 + 0 + 1 + 3) / 4)
    assert float(identity_loss(real, other)) == pytest.approx(1.125)


def scaling_network(factor, name):
    inputs = keras.Input((4, 4, 1))
    return keras.Model(inputs, keras.layers.Rescaling(factor)(inputs), name=name)


def constant_discriminator(value, name):
    inputs = keras.Input((4, 4, 1))
    verdict = keras.layers.Conv2D(1, 1, kernel_initializer="zeros", bias_initializer=keras.initializers.Constant(value))
    return keras.Model(inputs, verdict(inputs), name=name)


def test_generator_loss_against_hand_computed_values():
    # G: x -> 0.5 x, F: x -> 1.5 x, both D say 0.25 everywhere; a = 0.4, b = -0.6.
    model = CycleGAN(
        scaling_network(0.5, "g_ab"),
        scaling_network(1.5, "g_ba"),
        constant_discriminator(0.25, "d_a"),
        constant_discriminator(0.25, "d_b"),
    )
    a, b = np.full((2, 4, 4, 1), 0.4, "float32"), np.full((2, 4, 4, 1), -0.6, "float32")
    total, logs, _, _ = model.generator_losses(a, b)
    adversarial = 2 * (0.25 - 1) ** 2  # (D(G(a)) - 1)^2 + (D(F(b)) - 1)^2, unhalved as in the paper
    cycle = abs(0.75 * 0.4 - 0.4) + abs(0.75 * -0.6 + 0.6)  # F(G(a)) = G(F(b)) = 0.75 x
    identity = abs(1.5 * 0.4 - 0.4) + abs(0.5 * -0.6 + 0.6)  # F(a) and G(b)
    assert float(logs["adversarial_loss"]) == pytest.approx(adversarial)
    assert float(logs["cycle_loss"]) == pytest.approx(cycle)
    assert float(logs["identity_loss"]) == pytest.approx(identity)
    assert float(total) == pytest.approx(adversarial + 10 * (cycle + 0.5 * identity))
    model.identity_weight = 0.0
    assert float(model.generator_losses(a, b)[0]) == pytest.approx(adversarial + 10 * cycle)


def test_learning_rate_is_constant_then_decays_linearly_to_zero():
    schedule = LinearDecay(2e-4, total_steps=100)
    assert [float(schedule(s)) for s in (0, 50, 75, 100, 120)] == pytest.approx([2e-4, 2e-4, 1e-4, 0.0, 0.0])
    with pytest.raises(ValueError, match="total_steps"):
        LinearDecay(2e-4, total_steps=0)


def test_bad_arguments_are_refused_with_one_line():
    with pytest.raises(ValueError, match="cycle_weight"):
        CycleGAN(*build_cyclegan_networks((8, 8, 1), size="small"), cycle_weight=-1)
    with pytest.raises(ValueError, match="multiples of 4"):
        build_resnet_generator((10, 10, 1))
    with pytest.raises(ValueError, match="same image shape"):
        build_cyclegan_networks((8, 8, 1), (8, 8, 3))
    with pytest.raises(ValueError, match="one shape"):
        CycleGAN(
            build_resnet_generator((8, 8, 1), 4, 1),
            build_resnet_generator((8, 8, 1), 4, 1),
            build_patch_discriminator((8, 8, 1), 4),
            build_patch_discriminator((16, 16, 1), 4),
        )
    with pytest.raises(ValueError, match="source="):
        load_domain("--oops")


# -- the data --------------------------------------------------------------------------------------------


def test_the_shipped_uci_digits_are_1797_labelled_8x8_images_prepared_to_28x28():
    images, labels = load_uci_digits()
    assert images.shape == (1797, 8, 8, 1) and images.dtype == np.uint8 and images.max() == 255
    assert np.bincount(labels).tolist() == [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
    prepared, _ = load_domain("uci_digits", 28)
    assert prepared.shape == (1797, 28, 28, 1) and prepared.min() >= -1 and prepared.max() <= 1
    np.testing.assert_allclose(prepare_domain(np.full((1, 8, 8, 1), 255, np.uint8), 28), 1.0)


# -- a run, resume, the export --------------------------------------------------------------------------


def test_one_epoch_writes_grids_history_checkpoint_and_export(tiny_run):
    output, _, model, history, export = tiny_run
    assert set(history.history) >= {"d_loss", "g_loss", "cycle_loss", "identity_loss", "adversarial_loss"}
    assert (output / "samples" / "epoch_0001.png").is_file()
    assert (output / "checkpoints" / "epoch_0001.keras").is_file()
    assert int(model.pool_a.count.numpy()) == 8  # 2 steps of 4 fakes
    assert export == output / "saved_models" / "cyclegan" / "1"


def test_export_has_both_directions_and_matches_the_model(tiny_run):
    _, _, model, _, export = tiny_run
    translator = load_translator(export)  # passes the trust check
    images = np.random.default_rng(0).uniform(-1, 1, (3, 8, 8, 1)).astype("float32")
    for direction in ("a_to_b", "b_to_a"):
        np.testing.assert_allclose(translator(images, direction), model.translate(images, direction), atol=1e-5)
    metadata = json.loads((export / "assets.extra" / "kgan.json").read_text())
    assert metadata["domains"]["a"]["image_shape"] == [8, 8, 1] and "bilinear" in metadata["preprocessing"]
    with pytest.raises(ValueError, match=r"shape \(N, 8, 8, 1\)"):
        translator(np.zeros((2, 16, 16, 1), "float32"), "a_to_b")


@pytest.mark.slow  # two fresh processes import TensorFlow
def test_export_runs_in_a_tensorflow_only_process_and_saved_model_cli_lists_it(tiny_run):
    export = tiny_run[4]
    code = (
        "import sys, numpy as np, tensorflow as tf\n"
        "m = tf.saved_model.load(sys.argv[1])\n"
        "x = tf.zeros((2, 8, 8, 1))\n"
        "print(m.signatures['b_to_a'](images=x)['images'].shape, end=' ')\n"
        "print(m.signatures['a_to_b_png'](images=x)['png_bytes'].shape)\n"
        "assert not any(name.startswith('kgan') for name in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", code, str(export)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "(2, 8, 8, 1) (2,)" in result.stdout
    cli = shutil.which("saved_model_cli")
    if cli:
        shown = subprocess.run(
            [cli, "show", "--all", "--dir", str(export)], capture_output=True, text=True, timeout=120
        )
        assert "signature_def['a_to_b']" in shown.stdout and "signature_def['b_to_a']" in shown.stdout


# -- the command line ------------------------------------------------------------------------------------


def test_kgan_sample_translate_writes_a_grid(tiny_run, domains, tmp_path, capsys):
    grid = tmp_path / "grid.png"
    status, out, err = run_entry(
        capsys, kgan_main, "sample", tiny_run[4], "--translate", "b_to_a", "--input", domains[1], "-o", grid
    )
    assert status == 0, err
    assert Image.open(grid).size[0] > 0 and "Wrote" in out


@pytest.mark.parametrize(
    "flags,message",
    [
        (["--translate", "sideways"], "--translate must be one of a_to_b, b_to_a"),
        (["--translate", "a_to_b"], "--translate needs --input"),
        (["--input", "x.npz"], "--input is for --translate"),
    ],
)
def test_kgan_sample_translate_bad_flags_exit_2_with_one_line(tiny_run, tmp_path, capsys, flags, message):
    status, _, err = run_entry(capsys, kgan_main, "sample", tiny_run[4], *flags, "-o", tmp_path / "g.png")
    assert status == 2 and message in err and len(err.strip().splitlines()) == 1


def test_kgan_sample_translate_refuses_images_of_other_channels(tiny_run, tmp_path, capsys):
    rgb = write_folder(tmp_path / "rgb", 2, (0, 256), channels=3)
    status, _, err = run_entry(
        capsys, kgan_main, "sample", tiny_run[4], "--translate", "a_to_b", "--input", rgb, "-o", tmp_path / "g.png"
    )
    assert status == 2 and "3 channel(s); the export takes 1" in err and len(err.strip().splitlines()) == 1


def test_script_one_epoch_on_folders_and_bad_image_size(domains, tmp_path, capsys):
    common = ["--data-path-a", domains[0], "--data-path-b", domains[1], "--size", "small", "--batch-size", "4"]
    status, out, err = run_entry(
        capsys,
        script_main,
        *common,
        "--image-size",
        "8",
        "--epochs",
        "1",
        "--steps-per-epoch",
        "1",
        "--output-dir",
        tmp_path / "run",
    )
    assert status == 0, err[-2000:]
    assert (tmp_path / "run" / "saved_models" / "cyclegan" / "1" / "saved_model.pb").is_file()
    status, _, err = run_entry(capsys, script_main, *common, "--image-size", "10", "--output-dir", tmp_path / "bad")
    assert status == 2 and "multiples of 4" in err and len(err.strip().splitlines()) == 1
