"""The flags of `scripts/train_stackgan.py` and its run: `kgan.training.stackgan.train_stackgan` from the shell."""

import argparse

from kgan.cli.types import non_negative_float, non_negative_int, positive_float, positive_int_up_to
from kgan.models.stackgan import NETWORK_SIZES

_MAX = 2**31 - 1


def build_parser(description=None):
    """The parser of `scripts/train_stackgan.py`."""
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--output-dir", default="runs/stackgan", help="the run folder (default: %(default)s)")
    parser.add_argument(
        "--data",
        default="mnist_embedded",
        help="the shipped mnist_embedded digits or a .npz of digits with labels (x, y) (default: %(default)s)",
    )
    parser.add_argument(
        "--image-size",
        type=positive_int_up_to(4096),
        default=28,
        help="the side of the stage-II images, a multiple of 4; stage I draws half of it (default: %(default)s)",
    )
    parser.add_argument(
        "--size", choices=sorted(NETWORK_SIZES), default="standard", help="the networks' size (default: %(default)s)"
    )
    parser.add_argument("--stage1-epochs", type=positive_int_up_to(_MAX), default=80, help="default: %(default)s")
    parser.add_argument("--stage2-epochs", type=positive_int_up_to(_MAX), default=10, help="default: %(default)s")
    parser.add_argument("--batch-size", type=positive_int_up_to(4096), default=64, help="default: %(default)s")
    parser.add_argument(
        "--steps-per-epoch",
        type=positive_int_up_to(_MAX),
        default=None,
        help="at most this many steps per epoch (default: one pass over the data)",
    )
    parser.add_argument("--latent-dim", type=positive_int_up_to(4096), default=32, help="default: %(default)s")
    parser.add_argument("--learning-rate", type=positive_float, default=2e-4, help="default: %(default)s")
    parser.add_argument(
        "--kl-weight",
        type=non_negative_float,
        default=2.0,
        help="the weight of the conditioning augmentation's KL per dimension in G's loss (default: %(default)s)",
    )
    parser.add_argument("--seed", type=non_negative_int, default=0, help="default: %(default)s")
    parser.add_argument("--export-name", default="stackgan", help="the export's folder name (default: %(default)s)")
    parser.add_argument(
        "--overwrite", action="store_true", help="train a finished run in --output-dir again from scratch"
    )
    return parser


def main(argv=None, description=None):
    """Runs `train_stackgan` with the parsed flags; bad values raise `ValueError` (one line, exit 2 under
    `kgan.cli.errors.run_main`)."""
    args = build_parser(description).parse_args(argv)
    from kgan.training.stackgan import train_stackgan

    _, export = train_stackgan(
        args.output_dir,
        data=args.data,
        image_size=args.image_size,
        size=args.size,
        stage1_epochs=args.stage1_epochs,
        stage2_epochs=args.stage2_epochs,
        batch_size=args.batch_size,
        latent_dim=args.latent_dim,
        learning_rate=args.learning_rate,
        kl_weight=args.kl_weight,
        seed=args.seed,
        export_name=args.export_name,
        max_steps_per_epoch=args.steps_per_epoch,
        overwrite=args.overwrite,
    )
    print(f"Samples and checkpoints in {args.output_dir}; export at {export}")
    return 0
