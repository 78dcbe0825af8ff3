"""The lecture MLPs, pinned to their lecture definitions (layer sizes, activations, dropout, heads)."""

import keras
import numpy as np
import pytest

from kgan.core import GAN
from kgan.models import build_models, mlp


def dense_layers(model):
    return [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]


def dense_sizes(model):
    """`[(inputs, units), ...]` of every Dense layer, as the lectures write `nn.Linear(in, out)`."""
    return [(layer.kernel.shape[0], layer.units) for layer in dense_layers(model)]


def layer_types(model, kind):
    return [layer for layer in model.layers if isinstance(layer, kind)]


def activation_names(model):
    return [getattr(layer.activation, "__name__", None) for layer in layer_types(model, keras.layers.Activation)]


def test_lecture000_generator_is_linear_selu_three_times_with_the_examples_sizes():
    g = mlp.build_lecture000_generator()
    assert dense_sizes(g) == [(50, 150), (150, 150), (150, 10)]
    assert activation_names(g) == ["selu", "selu"]
    assert dense_layers(g)[-1].activation.__name__ == "selu"  # SELU on the output too
    g = mlp.build_lecture000_generator(input_size=3, hidden_size=7, output_size=2)
    assert dense_sizes(g) == [(3, 7), (7, 7), (7, 2)]


def test_lecture000_discriminator_is_elu_elu_sigmoid_with_hidden_75():
    d = mlp.build_lecture000_discriminator()
    assert dense_sizes(d) == [(10, 75), (75, 75), (75, 1)]
    assert activation_names(d) == ["elu", "elu"]
    assert dense_layers(d)[-1].activation.__name__ == "sigmoid"
    assert dense_sizes(mlp.build_lecture000_discriminator(input_size=2, hidden_size=5)) == [(2, 5), (5, 5), (5, 1)]


@pytest.mark.parametrize("preset", [False, True])
def test_lecture002_mlp_gan_on_mnist(preset):
    if preset:
        g, d = build_models("mlp_lecture002")
    else:
        g, d = mlp.build_lecture002_generator(), mlp.build_lecture002_discriminator()
    assert g.input_shape == (None, 100) and g.output_shape == (None, 28, 28, 1)
    assert dense_sizes(g) == [(100, 128), (128, 784)]
    assert dense_sizes(d) == [(784, 128), (128, 1)]
    for model in (g, d):
        (leaky,) = layer_types(model, keras.layers.LeakyReLU)
        assert leaky.negative_slope == pytest.approx(0.01)  # PyTorch's default slope
        assert [layer.rate for layer in layer_types(model, keras.layers.Dropout)] == [0.5]
    assert dense_layers(g)[-1].activation.__name__ == "tanh"
    assert dense_layers(d)[-1].activation.__name__ == "sigmoid"


@pytest.mark.parametrize("preset", [False, True])
def test_lecture003_mlp_cgan_with_a_10x10_label_embedding(preset):
    if preset:
        g, d = build_models("mlp_lecture003")
    else:
        g, d = mlp.build_lecture003_generator(), mlp.build_lecture003_discriminator()
    for model in (g, d):
        (embedding,) = layer_types(model, keras.layers.Embedding)
        assert (embedding.input_dim, embedding.output_dim) == (10, 10)
        assert all(layer.negative_slope == pytest.approx(0.2) for layer in layer_types(model, keras.layers.LeakyReLU))
    assert dense_sizes(g) == [(110, 256), (256, 512), (512, 1024), (1024, 784)]
    assert len(layer_types(g, keras.layers.LeakyReLU)) == 3 and not layer_types(g, keras.layers.Dropout)
    assert dense_layers(g)[-1].activation.__name__ == "tanh"
    assert dense_sizes(d) == [(794, 1024), (1024, 512), (512, 256), (256, 1)]
    assert [layer.rate for layer in layer_types(d, keras.layers.Dropout)] == [0.3, 0.3, 0.3]
    assert dense_layers(d)[-1].activation.__name__ == "sigmoid"
    assert g.output_shape == (None, 28, 28, 1)


def test_mlp_presets_train_with_fit():
    rng = np.random.default_rng(0)
    images = rng.uniform(-1, 1, (16, 28, 28, 1)).astype("float32")
    labels = (np.arange(16) % 10).astype("int32")
    for arch in ("mlp_lecture002", "mlp_lecture003"):
        gan = GAN(*build_models(arch, seed=0), seed=0)
        gan.compile(jit_compile=False)
        history = gan.fit(images, labels, batch_size=8, epochs=1, verbose=0).history
        assert np.isfinite(history["d_loss"][-1]) and np.isfinite(history["g_loss"][-1])


def test_vector_models_have_no_reshape_and_bad_sizes_are_named():
    g = mlp.build_mlp_generator(4, 2)
    assert g.output_shape == (None, 2) and not layer_types(g, keras.layers.Reshape)
    with pytest.raises(ValueError, match="Received: output_shape=\\(0,\\)"):
        mlp.build_mlp_generator(4, 0)
    with pytest.raises(ValueError, match="Received: head='softmax2'"):
        mlp.build_mlp_discriminator(2, head="softmax2")
    with pytest.raises(ValueError, match="init"):
        build_models("mlp_lecture002", init="dcgan")
