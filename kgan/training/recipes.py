"""Recipes: named sets of `TrainConfig` settings a command starts from (`TrainConfig.from_recipe`).

Plain data, importable without TensorFlow, so `kgan train --help` can show a recipe's defaults at once.
"""

# The main job's recipe: what `python scripts/train_mnist_gan.py` and `kgan train` use unless told otherwise
# (`train()` itself defaults to the plain DCGAN). Chosen by the ablation in benchmarks/RESULTS.md. Plain data
# (kgan.training.main_job re-exports it), so `kgan train --help` needs no TensorFlow.
MAIN_JOB = dict(
    variant="infogan",
    variant_options={"categories": 20},
    arch="dcgan_fc",
    lr_d=5e-4,
    lr_g=5e-4,
    ema=0.999,
    augment="color,translation,cutout",
    augment_probability=0.0,
    ada_target=0.6,
    epochs=50,
)
