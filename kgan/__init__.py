"""kgan: Generative Adversarial Networks in Keras 3 / TensorFlow 2.

The models, losses and tricks of the GAN lectures in ``shared/lectures``, as Keras
functional builders, a ``keras.Model`` GAN trained with ``fit``, ``tf.data``
pipelines, callbacks that draw pictures, and SavedModel export for TF Serving.

``import kgan`` is light: the public names (``kgan.GAN``, ``kgan.train``,
``kgan.data``, ...) are imported when first read (PEP 562), so the ``kgan``
command answers ``--help`` without importing TensorFlow. Importing kgan still
registers its Keras classes, so ``keras.saving.load_model`` can read a saved
``GAN`` checkpoint: ``kgan.variants`` is imported as soon as Keras is (now, if it
already is; ``kgan.core.lazy``).
"""

import os

# TensorFlow's C++ INFO and WARNING lines (XLA start-up, CPU features) drown
# Keras's progress bar; a value the user set is kept.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from kgan.core.lazy import lazy_exports, register_with_keras  # noqa: E402
from kgan.core.version import __version__  # noqa: E402, F401 (kgan.__version__)

# The public names, each imported from its module when first read.
_LAZY = {
    "GAN": "kgan.core.gan",
    "TrainConfig": "kgan.training.config",
    "build_models": "kgan.models",
    "export_generator": "kgan.serving",
    "load_generator": "kgan.serving",
    "sample_latent": "kgan.core.latent",
    "train": "kgan.training.main_job",
}
_LAZY_MODULES = {
    "callbacks": "kgan.callbacks",
    "data": "kgan.data",
    "datasets": "kgan.data",  # the name kgan had before kgan.data
    "losses": "kgan.core.losses",
    "models": "kgan.models",
    "penalties": "kgan.core.penalties",
    "variants": "kgan.variants",
    "lectures": "kgan.lectures",  # the scripts read kgan.lectures and kgan.metrics once their flags are parsed
    "metrics": "kgan.metrics",
}
__getattr__, __dir__ = lazy_exports(__name__, _LAZY, _LAZY_MODULES)
__all__ = sorted({*_LAZY, *_LAZY_MODULES})

register_with_keras("kgan.variants")  # every Keras class kgan saves: the GAN, its variants, layers and penalties
