"""Lecture 002's convolutional notebooks: the networks are the notebooks', and the comparison script runs."""

import json

import numpy as np
import pytest

from conftest import load_script
from kgan.lectures import conv_notebooks
from kgan.models import ARCHITECTURES, build_models
from kgan.models.lecture002_conv import build_lecture002_conv_discriminator, build_lecture002_conv_generator
from kgan.variants import build_variant

PRESETS = ("lecture002_cnn_fail", "lecture002_halfcnn_collapse", "lecture002_cnn_not_great", "lecture002_cnn_bn")

# PyTorch's parameter counts of the notebooks' networks (`sum(p.numel() for p in net.parameters())`), by hand
# from the layers the notebooks print. Conv2d/ConvTranspose2d(in, out, k): in * out * k * k (+ out for a bias);
# Linear(in, out): in * out (+ out); BatchNorm(n): 2n (weight, bias; running mean and var are buffers).
CNN_FAIL_D = (
    (1 * 8 * 9 + 8)
    + 2 * 8  # Conv2d(1, 8, 3) + BatchNorm2d(8)           = 96
    + (8 * 8 * 9 + 8)
    + 2 * 8  # Conv2d(8, 8, 3, stride 2) + BN(8)          = 600
    + (8 * 16 * 9 + 16)
    + 2 * 16  # Conv2d(8, 16, 3) + BN(16)               = 1,200
    + (16 * 16 * 9 + 16)
    + 2 * 16  # Conv2d(16, 16, 3, stride 2) + BN(16)   = 2,352
    + (16 * 32 * 9 + 32)
    + 2 * 32  # Conv2d(16, 32, 3) + BN(32)             = 4,704
    + (32 * 32 * 9 + 32)
    + 2 * 32  # Conv2d(32, 32, 3, stride 2) + BN(32)   = 9,312
    + (32 * 16 + 16)
    + 2 * 16  # Linear(32, 16) + BatchNorm1d(16)           = 560
    + (16 * 1 + 1)  # Linear(16, 1)                                         = 17
)  # = 18,841
NO_BN_D = CNN_FAIL_D - 2 * (8 + 8 + 16 + 16 + 32 + 32 + 16)  # the same D without its 7 BatchNorms = 18,585
NOTEBOOK_PARAMETERS = {
    "lecture002_cnn_fail": (
        (100 * 3136 + 3136)  # Linear(100, 3136)                                  = 316,736
        + (64 * 64 * 4 + 64)
        + 2 * 64  # ConvTranspose2d(64, 64, 2, stride 2) + BN(64) = 16,576
        + (64 * 32 * 4 + 32)
        + 2 * 32  # Conv2d(64, 32, 2, padding 1) + BN(32)      = 8,288
        + (32 * 32 * 4 + 32)
        + 2 * 32  # ConvTranspose2d(32, 32, 2, stride 2) + BN(32) = 4,192
        + (32 * 16 * 4 + 16)
        + 2 * 16  # Conv2d(32, 16, 2, padding 1) + BN(16)      = 2,096
        + (16 * 8 * 9 + 8)
        + 2 * 8  # Conv2d(16, 8, 3, padding 1) + BN(8)           = 1,176
        + (8 * 4 * 9 + 4)
        + 2 * 4  # Conv2d(8, 4, 3) + BN(4)                         = 300
        + (4 * 1 * 4 + 1),  # Conv2d(4, 1, 2)                                       = 17
        CNN_FAIL_D,
    ),  # G = 349,381
    "lecture002_halfcnn_collapse": (
        (100 * 128 + 128) + (128 * 784 + 784),  # Linear(100, 128) + Linear(128, 784) = 12,928 + 101,136 = 114,064
        NO_BN_D,
    ),
    "lecture002_cnn_not_great": (
        (100 * 784 + 784)  # Linear(100, 784)                         = 79,184
        + (16 * 16 * 4 + 16)  # ConvTranspose2d(16, 16, 2, stride 2)  = 1,040
        + (16 * 8 * 4 + 8)  # Conv2d(16, 8, 2, padding 1)             = 520
        + (8 * 8 * 9 + 8)  # ConvTranspose2d(8, 8, 3, stride 2, padding 1) = 584
        + (8 * 4 * 9 + 4)  # Conv2d(8, 4, 3, padding 1)               = 292
        + (4 * 1 * 4 + 1),  # Conv2d(4, 1, 2)                          = 17
        NO_BN_D,
    ),  # G = 81,637
    "lecture002_cnn_bn": (
        100 * 3136
        + 2 * 3136  # Linear(100, 3136, bias=False) + BatchNorm1d(3136) = 313,600 + 6,272
        + 64 * 32 * 9
        + 2 * 32  # ConvTranspose2d(64, 32, 3, stride 2, padding 1, bias=False) + BN(32) = 18,496
        + 32 * 16 * 9
        + 2 * 16  # ConvTranspose2d(32, 16, 3, stride 2, padding 1, bias=False) + BN(16) = 4,640
        + 16 * 8 * 9
        + 2 * 8  # ConvTranspose2d(16, 8, 3, bias=False) + BN(8)                       = 1,168
        + 8 * 1 * 4,  # ConvTranspose2d(8, 1, 2, bias=False)                                           = 32
        1 * 8 * 9
        + 2 * 8  # Conv2d(1, 8, 3, stride 2, padding 1, bias=False) + BN(8)   = 88
        + 8 * 32 * 9
        + 2 * 32  # Conv2d(8, 32, 3, stride 2, padding 1, bias=False) + BN(32) = 2,368
        + (7 * 7 * 32 + 1),  # Linear(1568, 1)                                          = 1,569
    ),  # G = 344,208, D = 4,025
}


def trainable_count(model):
    return sum(int(np.prod(w.shape)) for w in model.trainable_weights)


@pytest.mark.parametrize("arch", PRESETS)
def test_every_preset_has_the_notebooks_parameter_counts(arch):
    g, d = build_models(arch, (28, 28, 1), seed=0)
    assert (trainable_count(g), trainable_count(d)) == NOTEBOOK_PARAMETERS[arch]
    assert g.input_shape == (None, 100) and g.output_shape == (None, 28, 28, 1) and d.output_shape == (None, 1)


def test_the_hand_counts_are_the_numbers_the_notebooks_add_up_to():
    assert NOTEBOOK_PARAMETERS["lecture002_cnn_fail"] == (349_381, 18_841)
    assert NOTEBOOK_PARAMETERS["lecture002_halfcnn_collapse"] == (114_064, 18_585)
    assert NOTEBOOK_PARAMETERS["lecture002_cnn_not_great"] == (81_637, 18_585)
    assert NOTEBOOK_PARAMETERS["lecture002_cnn_bn"] == (344_208, 4_025)


def test_feature_maps_have_the_notebooks_sizes_with_pytorchs_padding():
    g = build_lecture002_conv_generator(network="cnn_fail")
    sizes = [g.get_layer(f"block{i}_conv").output.shape[1] for i in range(1, 7)]
    assert sizes == [14, 15, 30, 31, 31, 29]  # then the output conv: 28
    g = build_lecture002_conv_generator(network="cnn_not_great")
    assert [g.get_layer(name).output.shape[1] for name in ("block1_conv", "block2_conv", "block3_conv_crop")] == [
        14,
        15,
        29,  # ConvTranspose2d(k3, stride 2, padding 1): (15 - 1) * 2 - 2 + 3
    ]
    g = build_lecture002_conv_generator(network="cnn_bn")
    assert [g.get_layer(f"block{i}_bn").output.shape[1] for i in (1, 2, 3)] == [13, 25, 27]
    d = build_lecture002_conv_discriminator(network="cnn_fail")
    assert [d.get_layer(f"block{i}_conv").output.shape[1] for i in range(1, 7)] == [28, 14, 14, 7, 7, 4]


def test_heads_slopes_and_batchnorm_are_pytorchs():
    _, d = build_models("lecture002_cnn_bn")
    assert d.get_layer("score").get_config()["activation"] == "linear"  # binary_cross_entropy_with_logits
    assert d.get_layer("block1_act").get_config()["negative_slope"] == pytest.approx(1e-4)
    bn = d.get_layer("block1_bn").get_config()
    assert bn["momentum"] == pytest.approx(0.9) and bn["epsilon"] == pytest.approx(1e-5)  # PyTorch's 0.1, 1e-5
    for arch in ("lecture002_cnn_fail", "lecture002_halfcnn_collapse", "lecture002_cnn_not_great"):
        g, d = build_models(arch)
        assert d.get_layer("score").get_config()["activation"] == "sigmoid"  # binary_cross_entropy on a Sigmoid
        assert d.get_layer("block1_act").get_config()["negative_slope"] == pytest.approx(0.01)
    g, _ = build_models("lecture002_halfcnn_collapse")
    assert g.get_layer("dropout_1").rate == 0.5


def test_torch_init_draws_pytorchs_uniform_and_every_layer_its_own_values():
    g = build_lecture002_conv_generator(network="cnn_fail", seed=0)
    kernel, bias = (np.asarray(w) for w in g.get_layer("project").weights)
    bound = 1 / np.sqrt(100)
    assert np.abs(kernel).max() <= bound and np.abs(kernel).max() > 0.9 * bound
    assert np.abs(bias).max() <= bound and np.abs(bias).std() > 0  # PyTorch's biases are not zero
    a = np.asarray(g.get_layer("block3_conv").kernel).ravel()
    b = np.asarray(g.get_layer("block1_conv").kernel).ravel()[: a.size]
    assert not np.allclose(a / np.abs(a).max(), b / np.abs(b).max())  # a fresh seed per layer
    g_keras = build_models("lecture002_cnn_fail", init="default", seed=0)[0]
    assert not np.any(np.asarray(g_keras.get_layer("project").bias))  # Keras' zeros


def test_bad_arguments_are_refused_with_the_value_named():
    with pytest.raises(ValueError, match="network='dcgan'"):
        build_lecture002_conv_generator(network="dcgan")
    with pytest.raises(ValueError, match=r"divisible by 4.*image_shape=\(30, 30, 1\)"):
        build_models("lecture002_cnn_bn", (30, 30, 1))
    with pytest.raises(ValueError, match="init='xavier'"):
        build_lecture002_conv_discriminator(init="xavier")
    with pytest.raises(ValueError, match="unconditional. Received: num_classes=10"):
        build_models("lecture002_cnn_fail", num_classes=10)
    with pytest.raises(ValueError, match="Received: arch='lecture002_cnn_bn'"):
        build_variant("acgan", "lecture002_cnn_bn", num_classes=10)
    with pytest.raises(ValueError, match="num_classes=10"):
        build_variant("cgan", "lecture002_cnn_bn", num_classes=10)
    with pytest.raises(ValueError, match=r"Received: notebooks=\['cnn'\]"):
        conv_notebooks.select_notebooks(["cnn"])


def test_presets_take_spectral_norm_and_other_image_sizes():
    for arch in PRESETS:
        assert ARCHITECTURES[arch]["latent_dim"] == 100
        g, d = build_models(arch, (16, 16, 3), spectral_norm=True, seed=0)
        assert g.output_shape == (None, 16, 16, 3)
        assert any(layer.name.endswith("_sn") for layer in d.layers)


def test_the_notebooks_settings_are_the_notebooks():
    by_key = {nb.key: nb for nb in conv_notebooks.CONV_NOTEBOOKS}
    assert [nb.key for nb in conv_notebooks.select_notebooks()] == list(by_key)
    assert by_key["halfcnn_collapse"].lr == 1e-3 and by_key["cnn_fail"].lr == 1e-4
    assert by_key["cnn_bn_label_smoothing"].arch == by_key["cnn_bn"].arch  # the same networks
    assert by_key["cnn_bn_label_smoothing"].label_smoothing == 0.1 and by_key["cnn_bn"].label_smoothing == 0.0
    assert conv_notebooks.NOTEBOOK_SETTINGS == dict(
        batch_size=128, beta_1=0.9, loss="non_saturating", latent_distribution="uniform"
    )


def test_script_documents_its_flags(capsys):
    with pytest.raises(SystemExit) as exit_info:
        load_script("lecture002_conv_notebooks").parse_args(["--help"])
    assert exit_info.value.code == 0
    text = capsys.readouterr().out
    for flag in ("--output-dir", "--epochs", "--seed", "--notebooks", "--batch-size", "--data-path"):
        assert flag in text
    assert "python scripts/lecture002_conv_notebooks.py" in text


def test_script_refuses_an_unknown_notebook(capsys):
    with pytest.raises(SystemExit) as exit_info:
        load_script("lecture002_conv_notebooks").parse_args(["--notebooks", "gan-cnn"])
    assert exit_info.value.code == 2 and "gan-cnn" in capsys.readouterr().err


@pytest.fixture
def tiny_npz(tmp_path):
    rng = np.random.default_rng(0)
    path = tmp_path / "tiny.npz"
    np.savez(
        path, x_train=rng.integers(0, 256, (32, 28, 28), dtype=np.uint8), y_train=rng.integers(0, 10, 32).astype("u1")
    )
    return path


def test_script_runs_one_epoch_and_writes_the_figure_and_the_table(tmp_path, tiny_npz, capsys):
    out = tmp_path / "out"
    argv = ["--output-dir", str(out), "--epochs", "1", "--data-path", str(tiny_npz), "--batch-size", "16"]
    argv += ["--notebooks", "cnn_bn_label_smoothing", "--samples", "4", "--no-jit"]
    assert load_script("lecture002_conv_notebooks").main(argv) == 0
    assert "| `cnn_bn_label_smoothing` | BatchNorm and label smoothing" in capsys.readouterr().out
    assert (out / "comparison.png").stat().st_size > 0
    assert "| real digits | the reference |" in (out / "results.md").read_text()
    record = json.loads((out / "results.json").read_text())["notebooks"]["cnn_bn_label_smoothing"]
    assert record["arch"] == "lecture002_cnn_bn" and record["label_smoothing"] == 0.1
    assert 1.0 <= record["scores"]["classifier_score"] <= 10.0 and np.isfinite(record["d_loss"])
    config = json.loads((out / "cnn_bn_label_smoothing" / "config.json").read_text())
    assert config["arch"] == "lecture002_cnn_bn" and config["latent_distribution"] == "uniform"
    assert (config["lr_d"], config["lr_g"], config["beta_1"], config["batch_size"]) == (1e-4, 1e-4, 0.9, 16)
    assert config["label_smoothing"] == 0.1
    assert config["on_divergence"] == "warn"  # a notebook that fails still gets its row in the table
