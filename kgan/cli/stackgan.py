"""The flags of `scripts/train_stackgan.py` and its run: `kgan.training.stackgan.train_stackgan` from the shell.

As `kgan/cli/cyclegan.py` does, a flag not given is left out (`kgan.cli.types.flags_of`), so `train_stackgan`'s
signature holds every default and `--help` shows them.
"""

import argparse

from kgan.cli import source, types
from kgan.cli.types import ArgumentParser

_DEFAULT_OUTPUT_DIR = "runs/stackgan"


def build_parser(description=None):
    """The parser of `scripts/train_stackgan.py`."""
    parser = ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    add = types.flags_of(parser, source.defaults_of("kgan.training.stackgan", "train_stackgan"))
    parser.add_argument("--output-dir", default=_DEFAULT_OUTPUT_DIR, help="the run folder (default: %(default)s)")
    add("--data", "data", "the shipped mnist_embedded digits or a .npz of digits with labels (x, y)")
    add(
        "--image-size",
        "image_size",
        "the side of the stage-II images, a multiple of 4; stage I draws half of it",
        type=types.positive_int_up_to(4096),
    )
    add("--size", "size", "the networks' size", choices=sorted(source.keys_of("kgan.models.stackgan", "NETWORK_SIZES")))
    add(
        "--correction-limit",
        "correction_limit",
        "the bound of G1's correction of G0's enlarged image, before the tanh",
        type=types.positive_float,
    )
    add("--stage1-epochs", "stage1_epochs", "epochs of stage I", type=types.positive_int)
    add("--stage2-epochs", "stage2_epochs", "epochs of stage II, G0 frozen", type=types.positive_int)
    add("--batch-size", "batch_size", "images per step", type=types.positive_int_up_to(4096))
    add(
        "--steps-per-epoch",
        "max_steps_per_epoch",
        "at most this many steps per epoch; None: one pass over the data",
        type=types.positive_int,
        metavar="STEPS",
    )
    add("--latent-dim", "latent_dim", "the size of z", type=types.positive_int_up_to(4096))
    add("--learning-rate", "learning_rate", "Adam's learning rate", type=types.positive_float)
    add(
        "--kl-weight",
        "kl_weight",
        "the weight of the conditioning augmentation's KL per dimension in G's loss",
        type=types.non_negative_float,
    )
    add(
        "--pull-weight",
        "pull_weight",
        "the weight in G1's loss of the L1 distance of its images to G0's enlarged (stage II)",
        type=types.non_negative_float,
    )
    add("--seed", "seed", "seed of the weights, the captions and the data order", type=types.non_negative_int)
    add("--export-name", "export_name", "the export's folder name, saved_models/<name>/<version>")
    add(
        "--overwrite",
        "overwrite",
        "train a finished run in --output-dir again from scratch",
        action=argparse.BooleanOptionalAction,
    )
    return parser


def main(argv=None, description=None):
    """Runs `train_stackgan` with the flags given; bad values raise `ValueError` (one line, exit 2 under
    `kgan.cli.errors.run_main`)."""
    settings = vars(build_parser(description).parse_args(argv))
    output_dir = settings.pop("output_dir")
    from kgan.training.stackgan import train_stackgan

    _, export = train_stackgan(output_dir, **settings)
    print(f"Samples and checkpoints in {output_dir}; export at {export}")
    return 0
