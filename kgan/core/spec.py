"""`GeneratorSpec`: what a generator takes and makes, read once from it and carried with it.

The spec is fixed when a `kgan.GAN` is built (`gan.spec`), stored in its checkpoints (`GAN.get_config`) and in an
export's `kgan.json` (`generator_spec`), and read back by `kgan.serving.load_generator`. Training, the callbacks,
the metrics, the export, `kgan sample` and `kgan.serving.explore` draw latent vectors and check labels through it,
so a generator's contract is written down in one place instead of being rediscovered by each of them.
"""

import dataclasses

import keras
import numpy as np
import tensorflow as tf

from kgan.core import latent as latent_lib
from kgan.core.layers import CategoricalCode
from kgan.core.utils import check_positive_int

# The largest latent size kgan builds or reads: 8x the largest in common use (StyleGAN's 512). A bigger one is a
# typo or a forged kgan.json, and would make the generator's first layer and every latent draw huge.
MAX_LATENT_DIM = 4096

# Output activations whose range kgan knows; any other output is unbounded (value_range None).
_ACTIVATION_RANGES = {"tanh": (-1.0, 1.0), "sigmoid": (0.0, 1.0)}


@dataclasses.dataclass(frozen=True)
class GeneratorSpec:
    """A generator's contract: its latent vectors, its labels and its images.

    Attributes:
        latent_dim: size of a latent vector.
        latent_distribution: what the latent vectors are drawn from (`kgan.core.latent.LATENT_DISTRIBUTIONS`).
        num_classes: number of classes of a conditional generator, if known (None if unconditional).
        label_shape: shape of one label at the generator's label input, `(1,)` for kgan's builders (a class
            id) or `(num_classes,)` (one-hot); None for an unconditional generator.
        image_shape: shape of one generated sample, `(H, W, C)` for images (`(2,)` for the 2-D toy problems).
        value_range: `(low, high)` of the generator's output (`(-1.0, 1.0)` for tanh), None if unbounded.
        categories: number of categories of InfoGAN's categorical code (`CategoricalCode`), else None.

    Example:
        >>> spec = GeneratorSpec.from_generator(kgan.build_models("dcgan", num_classes=10)[0])
        >>> spec.conditional, spec.num_classes, spec.latent_dim
        (True, 10, 100)
        >>> spec.check_labels([3, 7], 2)
        array([3, 7], dtype=int32)
    """

    latent_dim: int
    latent_distribution: str = "normal"
    num_classes: int | None = None
    label_shape: tuple | None = None
    image_shape: tuple = (28, 28, 1)
    value_range: tuple | None = (-1.0, 1.0)
    categories: int | None = None

    def __post_init__(self):
        check_positive_int("latent_dim", self.latent_dim, MAX_LATENT_DIM)
        latent_lib.check_latent_distribution(self.latent_distribution)
        if self.num_classes is not None:
            check_positive_int("num_classes", self.num_classes)
        if self.categories is not None:
            check_positive_int("categories", self.categories)
        # Lists (from JSON) become tuples, so two specs compare equal whatever they were read from.
        object.__setattr__(self, "latent_dim", int(self.latent_dim))
        object.__setattr__(self, "image_shape", _dims(self.image_shape))
        if self.label_shape is not None:
            object.__setattr__(self, "label_shape", _dims(self.label_shape))
        if self.value_range is not None:
            low, high = (float(v) for v in self.value_range)
            object.__setattr__(self, "value_range", (low, high))

    @property
    def conditional(self):
        """Whether the generator takes labels."""
        return self.label_shape is not None

    @classmethod
    def from_generator(cls, generator, latent_distribution="normal", num_classes=None):
        """The spec of a functional generator: the one place that reads a generator's inputs and layers.

        Args:
            generator: a functional `keras.Model` from latent vectors `(batch, latent_dim)` (and labels) to samples.
            latent_distribution: the distribution its latent vectors are drawn from (a model does not record it).
            num_classes: the number of classes of a conditional generator; default: the size of a one-hot label
                input, or the `input_dim` of the label `Embedding`.

        Raises:
            ValueError: if `generator` has no functional inputs and outputs, or `num_classes` is given for an
                unconditional generator or is not a positive integer.
        """
        inputs, outputs = getattr(generator, "inputs", None), getattr(generator, "outputs", None)
        if not inputs or not outputs or len(inputs) > 2:
            shapes = None if not inputs else [tuple(x.shape) for x in inputs]
            raise ValueError(
                "The generator must be a functional keras.Model with 1 input (latent) or 2 inputs "
                f"(latent, labels). Received: inputs={shapes}"
            )
        conditional = len(inputs) > 1
        label_shape = tuple(inputs[1].shape[1:]) if conditional else None
        if num_classes is not None:
            if not conditional:
                raise ValueError(
                    "`num_classes` is only for conditional GANs (a generator with a labels input). "
                    f"Received: num_classes={num_classes!r}"
                )
            check_positive_int("num_classes", num_classes)
        elif conditional:
            num_classes = _classes_of(generator, inputs[1], label_shape)
        return cls(
            latent_dim=int(inputs[0].shape[-1]),
            latent_distribution=latent_distribution,
            num_classes=num_classes,
            label_shape=label_shape,
            image_shape=tuple(outputs[0].shape[1:]),
            value_range=_output_range(generator),
            categories=next(
                (layer.categories for layer in generator.layers if isinstance(layer, CategoricalCode)), None
            ),
        )

    def to_config(self):
        """The spec as a JSON-friendly dict (lists for shapes), for checkpoints and `kgan.json`."""
        config = dataclasses.asdict(self)
        for key in ("image_shape", "label_shape", "value_range"):
            if config[key] is not None:
                config[key] = list(config[key])
        return config

    @classmethod
    def from_config(cls, config):
        """The spec `to_config` wrote (a `GeneratorSpec` is returned unchanged)."""
        if isinstance(config, cls):
            return config
        known = {field.name for field in dataclasses.fields(cls)}
        if not isinstance(config, dict) or set(config) - known:
            raise ValueError(
                f"A generator spec must be a dict with keys from {sorted(known)}. Received: generator_spec={config!r}"
            )
        try:
            return cls(**config)
        except TypeError as error:  # a missing key, or a value of the wrong type (a forged or hand-edited file)
            raise ValueError(f"Bad generator spec ({error}). Received: generator_spec={config!r}") from None

    # -- the latent vectors (kgan.core.latent holds both algorithms) ----------

    def sample_latent(self, batch_size, seed=None):
        """`(batch_size, latent_dim)` latent vectors from `keras.random` (`seed`: an int or a `SeedGenerator`)."""
        return latent_lib.sample_latent((batch_size, self.latent_dim), self.latent_distribution, seed=seed)

    def latent_from_seed(self, seed, count=1):
        """`(count, latent_dim)` NumPy latent vectors from NumPy's generator seeded with `seed`."""
        return latent_lib.latent_from_seed(seed, self.latent_dim, self.latent_distribution, count)

    # -- the labels -----------------------------------------------------------

    def check_labels(self, labels, count):
        """The labels of a batch of `count` samples, checked: int32 class ids `(count,)`, or None if unconditional.

        One class id is repeated over the batch. Inside a traced step (a symbolic tensor, or graph mode)
        the labels come from the data pipeline, which checks them, and are returned unchanged.

        Raises:
            ValueError: if an unconditional generator gets labels, a conditional one gets none, or they are
                not integers, not one per sample, or outside `[0, num_classes)`.
        """
        if not self.conditional:
            if labels is not None:
                raise ValueError(f"This generator is unconditional and takes no labels. Received: labels={labels!r}")
            return None
        if labels is None:
            classes = f" in [0, {self.num_classes})" if self.num_classes else ""
            raise ValueError(
                f"This generator is conditional; pass integer labels{classes} of shape "
                f"({_size(count)},). Received: labels=None"
            )
        if tf.is_symbolic_tensor(labels) or not tf.executing_eagerly():
            return labels
        values = np.asarray(labels)
        count = int(count)
        if not np.issubdtype(values.dtype, np.integer):
            raise ValueError(f"`labels` must be integer class ids. Received: labels.dtype={values.dtype}")
        if values.size == 1 and values.ndim <= 1:
            values = np.full((count,), values.reshape(()))
        if values.shape not in ((count,), (count, 1)):
            raise ValueError(
                f"`labels` must have shape ({count},) or ({count}, 1) to match the batch, or be one "
                f"class id. Received: labels.shape={values.shape}"
            )
        values = values.reshape(-1)
        if self.num_classes is not None and values.size and (values.min() < 0 or values.max() >= self.num_classes):
            raise ValueError(f"`labels` must lie in [0, {self.num_classes}). Received: labels={values.tolist()}")
        return values.astype("int32")


def _dims(shape):
    return tuple(None if d is None else int(d) for d in shape)


def _size(count):
    try:
        return int(count)
    except TypeError:  # a symbolic batch size
        return "batch"


def _classes_of(generator, labels, label_shape):
    """A conditional generator's number of classes: a one-hot input's size, else its label `Embedding`'s."""
    if label_shape not in ((), (1,)):
        return label_shape[0] if len(label_shape) == 1 else None
    embeddings = [layer for layer in generator.layers if isinstance(layer, keras.layers.Embedding)]
    for layer in embeddings:
        try:
            if layer.input is labels:  # the Embedding the labels feed
                return int(layer.input_dim)
        except (AttributeError, ValueError):  # a layer called more than once has no single input
            continue
    return int(embeddings[0].input_dim) if embeddings else None


def _output_range(generator):
    """The range of the generator's output activation (tanh: [-1, 1]), read from its last activated layer."""
    for layer in reversed(generator.layers):
        activation = getattr(layer, "activation", None)
        if activation is not None:
            return _ACTIVATION_RANGES.get(getattr(activation, "__name__", None))
    return None
