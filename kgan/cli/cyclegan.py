"""The flags of `scripts/train_cyclegan.py` and its run: `kgan.training.cyclegan.train_cyclegan` from the shell.

CycleGAN's settings are not `kgan.TrainConfig`'s (two domains and the cycle's weights; no latent vector,
architecture, variant or GAN loss), so the script has a parser of its own. The flags it shares with `kgan train`
(`--output-dir`, `--seed`, `--epochs`, `--batch-size`, `--image-size`, `--export-name`, `--overwrite`) are
spelled, typed and checked as there (`kgan.cli.types`). As there, a flag not given is left out of the parsed
arguments (`argparse.SUPPRESS`): `train_cyclegan`'s signature holds every default, and `--help` shows them.
"""

import argparse

from kgan.cli import source, types
from kgan.cli.types import ArgumentParser

_DEFAULT_OUTPUT_DIR = "runs/cyclegan"


def build_parser(description=None, epilog=None):
    """The parser of `scripts/train_cyclegan.py`."""
    parser = ArgumentParser(
        description=description, epilog=epilog, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add = types.flags_of(parser, source.defaults_of("kgan.training.cyclegan", "train_cyclegan"))

    parser.add_argument(
        "--output-dir",
        default=_DEFAULT_OUTPUT_DIR,
        help="the run folder: new or empty, or the interrupted run to resume (default: %(default)s)",
    )
    add(
        "--data-path-a",
        "domain_a",
        "domain A: an image folder, or the shipped mnist_embedded or uci_digits",
        metavar="DIR",
    )
    add("--data-path-b", "domain_b", "domain B, as --data-path-a", metavar="DIR")
    add(
        "--image-size",
        "image_size",
        "resize both domains to H or HxW pixels, multiples of 4, e.g. 28 or 32x48",
        type=types.image_size,
    )
    add(
        "--size",
        "size",
        "the generators' size",
        choices=sorted(source.keys_of("kgan.models.cyclegan", "GENERATOR_SIZES")),
    )
    add(
        "--epochs",
        "epochs",
        "passes over the larger domain; the learning rates decay to 0 over the second half, so a resumed run "
        "keeps the number",
        type=types.positive_int,
    )
    add("--batch-size", "batch_size", "images of each domain per step", type=types.positive_int)
    add(
        "--steps-per-epoch",
        "max_steps_per_epoch",
        "at most this many steps per epoch; None: one pass over the larger domain",
        type=types.positive_int,
        metavar="STEPS",
    )
    add("--cycle-weight", "cycle_weight", "lambda, the cycle loss's weight; 0: off", type=types.non_negative_float)
    add(
        "--identity-weight",
        "identity_weight",
        "the identity loss's weight, a fraction of lambda; 0: off",
        type=types.non_negative_float,
    )
    add("--pool-size", "pool_size", "past fakes each D sees; 0: none", type=types.non_negative_int)
    add("--learning-rate", "learning_rate", "Adam's initial learning rate", type=types.positive_float)
    add("--seed", "seed", "seed of the weights, the data order and the pools", type=types.non_negative_int)
    add("--export-name", "export_name", "the export's folder name, saved_models/<name>/<version>")
    add(
        "--overwrite",
        "overwrite",
        "if --output-dir holds a finished run, delete what it wrote and train again (an interrupted run is "
        "always resumed by running the same command again)",
        action=argparse.BooleanOptionalAction,
    )
    return parser


def main(argv=None, doc=None):
    """Runs `train_cyclegan` with the flags given; bad values raise `ValueError` (one line, exit 2 under
    `kgan.cli.errors.run_main`).

    Args:
        argv: the arguments (default: `sys.argv[1:]`).
        doc: the script's docstring: its first paragraph is the description, the rest the epilog of `--help`.
    """
    description, _, epilog = (doc or "").partition("\n\n")
    settings = vars(build_parser(description or None, epilog or None).parse_args(argv))
    output_dir = settings.pop("output_dir")
    from kgan.training.cyclegan import train_cyclegan

    _, _, export = train_cyclegan(output_dir, **settings)
    print(f"\nRun directory: {output_dir}")
    print(f"  samples:     {output_dir}/samples")
    print(f"  curves:      {output_dir}/history.png, {output_dir}/history.csv")
    print(f"  checkpoints: {output_dir}/checkpoints")
    print(f"  export:      {export}")
    return 0
