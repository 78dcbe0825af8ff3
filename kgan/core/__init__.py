"""The core of kgan: the `GAN` model and what it is made of.

- `gan`: `GAN`, one `keras.Model` with one train step for every variant
  (`hooks`: the pieces variants plug into; `train_step`: Algorithm 1;
  `arguments`: the checks of its arguments);
- `heads`: reading D's output as a logit (`head_kind`, `logit_reader`);
- `spec`: `GeneratorSpec`, a generator's contract (latent, labels, images), read once and carried along;
- `latent`: every latent draw (`sample_latent`, `fixed_latent`: keras.random; `latent_from_seed`: NumPy);
- `losses`, `penalties`: the GAN losses and the terms added to D's loss;
- `optimizers`: `build_optimizer`, the variants' optimizers by name (`adam`, `rmsprop`);
- `layers`, `augment`: Keras layers of the builders, differentiable augmentation;
- `distribute`: `tf.distribute` strategies and per-replica noise;
- `plotting`: image grids, montages and training curves (callbacks, serving and the CLI draw with it);
- `utils`: atomic writes and argument checks.
- `catalog`: the names the command line offers (variants, architectures, losses, ...), without TensorFlow;
- `lazy`: this package's, `kgan`'s and `kgan.training`'s names imported on first use, and kgan's Keras
  classes registered once Keras is imported.
- `_keras_compat`: every reach into Keras behaviour Keras does not promise, each with its issue and test.

Nothing here imports another kgan package: every other layer builds on this one.
"""

from kgan.core.lazy import lazy_exports

# Imported when first read (kgan.core.lazy): `kgan.core.utils` and `kgan.core.catalog` need no TensorFlow.
_LAZY = {
    "GAN": "kgan.core.gan",
    "LATENT_DISTRIBUTIONS": "kgan.core.latent",
    "GeneratorSpec": "kgan.core.spec",
    "fixed_latent": "kgan.core.latent",
    "head_kind": "kgan.core.heads",
    "latent_from_seed": "kgan.core.latent",
    "logit_reader": "kgan.core.heads",
    "sample_latent": "kgan.core.latent",
}
__getattr__, __dir__ = lazy_exports(__name__, _LAZY)
__all__ = sorted(_LAZY)
