"""The names the command line offers, as plain Python: read without importing TensorFlow or Keras.

`kgan --help`, `kgan train --help` and every bad flag must answer in well under a
second, and importing Keras (hence TensorFlow) takes seconds. The registries
themselves live beside their implementations and import Keras:
`kgan.models.ARCHITECTURES`, `kgan.variants.VARIANTS` (with each variant's
`options` trait), `kgan.core.losses.LOSSES`, `kgan.data.DATASETS`, ... This
module holds their names only, so the parsers (`kgan.training.config`'s choices,
`kgan.cli`) can list them; `tests/test_startup.py` checks every name here against
its registry, so a variant, architecture or loss added there and not here fails
the suite instead of silently missing from `--help`.

Nothing here imports anything: it sits in `kgan.core`, below every layer, and
any module may read it. Where a registry is plain data (`DATASETS`, the cache
modes, `MAX_SAMPLES`), its module reads it from here instead of keeping a copy.
"""

# kgan.models.ARCHITECTURES and kgan.models.CONDITIONAL_ARCHITECTURES (lecture 003's MLP cGAN).
ARCHITECTURES = (
    "dcgan",
    "dcgan_fc",
    "lecture004",
    "upsample",
    "mlp_lecture002",
    "lecture002_cnn_fail",
    "lecture002_halfcnn_collapse",
    "lecture002_cnn_not_great",
    "lecture002_cnn_bn",
)
CONDITIONAL_ARCHITECTURES = ("mlp_lecture003",)
# Each preset's latent size (its "latent_dim"), the default of `--latent-dim`.
LATENT_DIMS = {"dcgan": 64, "dcgan_fc": 64, "upsample": 64}
LATENT_DIMS.update({name: 100 for name in ARCHITECTURES + CONDITIONAL_ARCHITECTURES if name not in LATENT_DIMS})

# kgan.variants.VARIANTS: each variant and its `options` trait (the constructor arguments its flags set).
VARIANT_OPTIONS = {
    "gan": ("label_smoothing",),
    "wgan": (),
    "wgan_gp": ("gp_weight",),
    "dragan": ("label_smoothing", "gp_weight"),
    "lsgan": ("label_smoothing",),
    "began": (),
    "cgan": ("label_smoothing", "fake_labels"),
    "acgan": ("label_smoothing", "fake_labels", "validity_weight", "classification_weight"),
    "infogan": ("label_smoothing", "info_weight", "categories"),
    "ragan": ("label_smoothing",),
    "unrolled": ("label_smoothing", "unroll_steps"),
    "pggan": ("gp_weight", "fade_images", "stable_images", "categories", "info_weight"),
}
VARIANTS = tuple(sorted(VARIANT_OPTIONS))

# The `optimizer_defaults` trait (each variant's paper's optimizer) of kgan.core.GAN, and of each variant that
# declares another: `--lr-d`, `--beta-1`, ... say them in `--help`.
OPTIMIZER_DEFAULTS = dict(optimizer="adam", learning_rate=2e-4, beta_1=0.5, beta_2=0.999)
VARIANT_OPTIMIZERS = {
    "wgan": dict(optimizer="rmsprop", learning_rate=5e-5),
    "wgan_gp": dict(optimizer="adam", learning_rate=1e-4, beta_1=0.0, beta_2=0.9),
    "pggan": dict(optimizer="adam", learning_rate=3e-3, beta_1=0.0, beta_2=0.99),
}

# kgan.core.losses.LOSSES.
LOSSES = (
    "non_saturating",
    "minimax",
    "maximum_likelihood",
    "least_squares",
    "wasserstein",
    "hinge",
    "relativistic_average",
)

# kgan.data.DATASETS (this tuple), kgan.data.validation.RESIZE_POLICIES, kgan.data.streaming.CACHE_MODES.
TFDS_PREFIX = "tfds:"


class _DatasetNames(tuple):
    """The named sources, plus `tfds:NAME` for any tensorflow-datasets name: `"tfds:cifar10" in DATASETS`."""

    def __contains__(self, name):
        return tuple.__contains__(self, name) or (
            isinstance(name, str) and name.startswith(TFDS_PREFIX) and bool(name[len(TFDS_PREFIX) :].strip())
        )


DATASETS = _DatasetNames(("mnist_embedded", "mnist", "fashion_mnist", "npz", "folder", "usps", TFDS_PREFIX + "NAME"))
RESIZE_POLICIES = ("stretch", "crop", "pad")
CACHE_MODES = ("auto", "memory", "none")

# kgan.core.optimizers.OPTIMIZERS (`--optimizer`).
OPTIMIZERS = ("adam", "rmsprop")

# kgan.core.distribute.STRATEGIES, kgan.core.latent.LATENT_DISTRIBUTIONS, kgan.core.augment.OPERATIONS.
STRATEGIES = ("default", "mirrored", "multi_worker")
LATENT_DISTRIBUTIONS = ("normal", "uniform", "uniform01")
AUGMENT_OPERATIONS = ("color", "translation", "cutout")

# kgan.serving.explore.MAX_SAMPLES: the most images `kgan sample` writes at once (a 100 x 100 grid): a PNG grid
# of more is unreadable, and the images are held in memory as float32 before they are written.
MAX_SAMPLES = 10_000
# kgan.metrics.comparison.NUM_SAMPLES: `kgan evaluate --reference`'s default -n (the Frechet distance depends on
# it: compare equal counts only).
EVALUATE_SAMPLES = 1000

# The keys of kgan.lectures.conv_notebooks.CONV_NOTEBOOKS (`--notebooks` of lecture 002's script), in its order.
CONV_NOTEBOOKS = ("cnn_fail", "halfcnn_collapse", "cnn_not_great", "cnn_bn", "cnn_bn_label_smoothing")
