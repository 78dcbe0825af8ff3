"""kgan: Generative Adversarial Networks in Keras 3 / TensorFlow 2.

The models, losses and tricks of the GAN lectures in ``shared/lectures``, as Keras
functional builders, a ``keras.Model`` GAN trained with ``fit``, ``tf.data``
pipelines, callbacks that draw pictures, and SavedModel export for TF Serving.

Importing kgan registers its Keras classes, so ``keras.saving.load_model`` can
read a saved ``GAN`` checkpoint.
"""

import os

# TensorFlow's C++ INFO and WARNING lines (XLA start-up, CPU features) drown
# Keras's progress bar; a value the user set is kept.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from kgan import callbacks, data, models, variants  # noqa: E402  (variants: registers them for load_model)
from kgan import data as datasets  # noqa: E402  (the name kgan had before kgan.data)
from kgan.core import GAN, losses, penalties, sample_latent  # noqa: E402
from kgan.core.version import __version__  # noqa: E402, F401 (kgan.__version__)
from kgan.models import build_models  # noqa: E402
from kgan.serving import export_generator, load_generator  # noqa: E402
from kgan.training import TrainConfig, train  # noqa: E402

__all__ = [
    "GAN",
    "TrainConfig",
    "build_models",
    "callbacks",
    "data",
    "datasets",
    "export_generator",
    "load_generator",
    "losses",
    "models",
    "penalties",
    "sample_latent",
    "train",
    "variants",
]
