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
- `_keras_compat`: every reach into Keras behaviour Keras does not promise, each with its issue and test.

Nothing here imports another kgan package: every other layer builds on this one.
"""

from kgan.core.gan import GAN
from kgan.core.heads import head_kind, logit_reader
from kgan.core.latent import LATENT_DISTRIBUTIONS, fixed_latent, latent_from_seed, sample_latent
from kgan.core.spec import GeneratorSpec

__all__ = [
    "GAN",
    "LATENT_DISTRIBUTIONS",
    "GeneratorSpec",
    "fixed_latent",
    "head_kind",
    "latent_from_seed",
    "logit_reader",
    "sample_latent",
]
