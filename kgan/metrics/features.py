"""The feature models that distances between image sets are computed in, all in one place.

A `FeatureExtractor` turns images in [-1, 1] (the range of a tanh generator)
into feature vectors and, for a classifier, class probabilities. There are
three (`load_features` takes their names, the values of `kgan evaluate
--features`):

- `"mnist"`: the shipped MNIST classifier's 128-d `"features"` layer, 28 x 28 x 1
  images (`kgan.metrics.load_classifier`, SHA-256 checked).
- `"classifier:FILE.keras"`: any Keras classifier saved with `model.save`: the
  input of its last layer (the penultimate layer's output) as features, its
  output as class probabilities (passed through a softmax unless its last
  layer already applies one). It is fed images in [-1, 1] at its own input
  shape; a classifier trained on another scale should start with a
  `keras.layers.Rescaling` layer.
- `"inception"`: `keras.applications.InceptionV3(include_top=False,
  pooling="avg", weights="imagenet")`, the 2048-d pool features of FID
  (Heusel et al., 2017). Images of any size are resized to 299 x 299 with
  bilinear interpolation without antialiasing (`keras.ops.image.resize`),
  greyscale is repeated to three channels, and pixels are scaled as
  `keras.applications.inception_v3.preprocess_input` expects. The weights come
  from Keras's own cache (`~/.keras/models`, or `$KERAS_HOME/models`); they
  are downloaded there on first use only when the download host answers, and
  an offline machine without them gets one line saying how to fetch them.
"""

import hashlib
import os
import pathlib

import keras
import numpy as np

from kgan.core.utils import host_reachable as _host_reachable  # monkeypatched by the offline tests
from kgan.metrics.classifier import FEATURE_LAYER, feature_model, load_classifier

# The values `load_features` takes (besides "classifier:FILE.keras").
NAMED = ("mnist", "inception")
CLASSIFIER_PREFIX = "classifier:"
INCEPTION_SIZE = (299, 299)
# What keras.applications.InceptionV3(include_top=False, weights="imagenet") downloads, and its MD5 (Keras 3).
INCEPTION_WEIGHTS = "inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5"
INCEPTION_MD5 = "bcbd6486424b2319ff4ef7d526e38f63"
_WEIGHTS_HOST = ("storage.googleapis.com", 443)
_FETCH_COMMAND = (
    "python -c \"import keras; keras.applications.InceptionV3(include_top=False, pooling='avg', weights='imagenet')\""
)


class FeatureExtractor:
    """Images in [-1, 1] to `(features, probabilities)`, in batches.

    Args:
        model: a Keras model from (preprocessed) images to `[features,
            probabilities]`, or to features alone.
        name: what the features are, for reports (`"inception"`, ...).
        image_shape: the image shape the model takes, or None if any size is
            resized (`preprocess` must then make it fit).
        preprocess: optional function of a float32 batch in [-1, 1], run
            before the model.
        batch_size: images per model call.

    Attributes:
        is_inception: whether these are Inception's features (a Fréchet
            distance on them is an FID).
        has_classes: whether the model gives class probabilities.
    """

    def __init__(self, model, name, *, image_shape=None, preprocess=None, batch_size=250):
        self.model = model
        self.name = name
        self.image_shape = None if image_shape is None else tuple(int(d) for d in image_shape)
        self.preprocess = preprocess
        self.batch_size = batch_size
        self.has_classes = len(model.outputs) == 2
        self.num_classes = int(model.outputs[1].shape[-1]) if self.has_classes else None
        self.feature_dim = int(np.prod(model.outputs[0].shape[1:]))

    @property
    def is_inception(self):
        return self.name == "inception"

    def check_image_shape(self, image_shape, what="images"):
        """Raises a one-line ValueError if the model cannot read images of `image_shape` (H, W, C)."""
        image_shape = tuple(int(d) for d in image_shape)
        if len(image_shape) != 3 or image_shape[-1] not in (1, 3):
            raise ValueError(
                f"The {self.name} features need images (H, W, 1 or 3). Received: {what} of shape {image_shape}"
            )
        if self.image_shape is not None and image_shape != self.image_shape:
            raise ValueError(
                f"The {self.name} features take images of shape {self.image_shape}; use a feature model made for "
                f"{image_shape} (--features classifier:FILE.keras) or inception. Received: {what} of shape "
                f"{image_shape}"
            )

    def __call__(self, images):
        """`(features, probabilities)` of images in [-1, 1] as float64 arrays; probabilities is None without classes."""
        images = np.asarray(images, dtype=np.float32)
        self.check_image_shape(images.shape[1:])
        features, probabilities = [], []
        for start in range(0, len(images), self.batch_size):
            batch = np.clip(images[start : start + self.batch_size], -1.0, 1.0)
            if self.preprocess is not None:
                batch = self.preprocess(batch)
            outputs = self.model(batch, training=False)
            outputs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
            features.append(np.asarray(outputs[0], dtype=np.float64).reshape(len(batch), -1))
            if self.has_classes:
                probabilities.append(np.asarray(outputs[1], dtype=np.float64))
        return np.concatenate(features), (np.concatenate(probabilities) if self.has_classes else None)


def load_features(features):
    """The `FeatureExtractor` of a name: `"mnist"`, `"inception"` or `"classifier:FILE.keras"`.

    Raises:
        ValueError: for another name, or a file that is not a Keras classifier.
        FileNotFoundError: for a missing file, or Inception weights that are
            neither cached nor downloadable.
    """
    if isinstance(features, FeatureExtractor):
        return features
    if features == "mnist":
        return mnist_features()
    if features == "inception":
        return inception_features()
    if isinstance(features, str) and features.startswith(CLASSIFIER_PREFIX):
        return classifier_features(features[len(CLASSIFIER_PREFIX) :])
    raise ValueError(
        f"Features are one of {', '.join(NAMED)} or {CLASSIFIER_PREFIX}FILE.keras. Received: features={features!r}"
    )


def mnist_features():
    """The shipped MNIST classifier's `"features"` layer and probabilities (28 x 28 x 1 images)."""
    model, _ = load_classifier("mnist")
    return FeatureExtractor(feature_model(model, FEATURE_LAYER), "mnist", image_shape=model.inputs[0].shape[1:])


def classifier_features(path):
    """A Keras classifier saved as `.keras`: the input of its last layer as features, its output as probabilities.

    Args:
        path: a `.keras` file written by `model.save`, of a model with one
            image input `(H, W, C)` and one output `(num_classes,)`.

    Returns:
        A `FeatureExtractor` taking images of the model's input shape; with
        class probabilities if it has two or more output units.
    """
    path = pathlib.Path(path)
    received = f"Received: features='{CLASSIFIER_PREFIX}{path}'"
    if path.suffix != ".keras":
        raise ValueError(f"A classifier for the features is a .keras file saved by model.save. {received}")
    if not path.is_file():
        raise FileNotFoundError(f"No classifier file at {path}. {received}")
    try:
        model = keras.saving.load_model(path, compile=False)
    except Exception as error:  # a corrupt or foreign file: say which, without a traceback
        raise ValueError(f"Cannot read the classifier {path}: {error}".splitlines()[0] + f". {received}") from None
    if len(model.inputs) != 1 or len(model.inputs[0].shape) != 4 or len(model.outputs) != 1 or len(model.layers) < 2:
        raise ValueError(
            "A classifier for the features has one image input (H, W, C), one output and at least two layers. "
            f"{received} with inputs {[tuple(t.shape) for t in model.inputs]}"
        )
    last = model.layers[-1]
    features = last.input
    if isinstance(features, (list, tuple)):
        raise ValueError(f"The classifier's last layer must take one tensor (its features). {received}")
    output = model.outputs[0]
    if output.shape[-1] is None or len(output.shape) != 2:
        raise ValueError(f"The classifier's output must be (batch, num_classes). {received} with {output.shape}")
    outputs = [features]
    if output.shape[-1] >= 2:
        softmax = isinstance(last, keras.layers.Softmax) or (
            getattr(getattr(last, "activation", None), "__name__", "") == "softmax"
        )
        outputs.append(output if softmax else keras.layers.Softmax(name="probabilities")(output))
    return FeatureExtractor(
        keras.Model(model.inputs[0], outputs, name="classifier_features"),
        f"classifier {path.name}",
        image_shape=model.inputs[0].shape[1:],
    )


def inception_weights_path():
    """Where Keras caches InceptionV3's no-top ImageNet weights (as `keras.utils.get_file` picks its folder)."""
    home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    if not os.access(home, os.W_OK):
        home = os.path.join("/tmp", ".keras")
    return pathlib.Path(home) / "models" / INCEPTION_WEIGHTS


def _md5(path):
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "md5").hexdigest()


def check_inception_weights():
    """Checks that InceptionV3's weights are cached, or can be downloaded; returns their cache path.

    Raises:
        FileNotFoundError: if they are neither cached (intact) nor
            downloadable, with the command that fetches them.
    """
    path = inception_weights_path()
    state = "not in Keras's cache"
    if path.is_file():
        if _md5(path) == INCEPTION_MD5:
            return path
        state = "damaged in Keras's cache"
    if _host_reachable(*_WEIGHTS_HOST):
        return path  # Keras downloads them when the model is built
    raise FileNotFoundError(
        f"The InceptionV3 weights are {state} ({path}) and {_WEIGHTS_HOST[0]} is unreachable (offline?): on a "
        f"machine with internet run {_FETCH_COMMAND} and copy ~/.keras/models/{INCEPTION_WEIGHTS} to {path}. "
        "Received: features='inception'"
    )


def _inception_preprocess(images):
    x = keras.ops.image.resize(images, INCEPTION_SIZE, interpolation="bilinear", antialias=False)
    if x.shape[-1] == 1:
        x = keras.ops.repeat(x, 3, axis=-1)
    return keras.applications.inception_v3.preprocess_input((x + 1.0) * 127.5)


def inception_features(batch_size=50):
    """InceptionV3's 2048-d pool features (FID's), for images of any size; see the module docstring."""
    check_inception_weights()  # before the model is built, so an offline machine fails in seconds
    model = keras.applications.InceptionV3(include_top=False, pooling="avg", weights="imagenet")
    return FeatureExtractor(model, "inception", preprocess=_inception_preprocess, batch_size=batch_size)
