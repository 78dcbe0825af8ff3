"""The flags of `scripts/train_cyclegan.py` and its run: `kgan.training.cyclegan.train_cyclegan` from the shell."""

import argparse

from kgan.cli.types import positive_int_up_to
from kgan.models.cyclegan import GENERATOR_SIZES

_MAX = 2**31 - 1


def build_parser(description=None):
    """The parser of `scripts/train_cyclegan.py`."""
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--output-dir", default="runs/cyclegan", help="the run folder (default: %(default)s)")
    parser.add_argument(
        "--data-path-a",
        default="mnist_embedded",
        help="domain A: an image folder, or the shipped mnist_embedded or uci_digits (default: %(default)s)",
    )
    parser.add_argument("--data-path-b", default="uci_digits", help="domain B, as --data-path-a (default: %(default)s)")
    parser.add_argument(
        "--image-size",
        type=positive_int_up_to(4096),
        default=28,
        help="the side both domains are resized to, a multiple of 4 (default: %(default)s)",
    )
    parser.add_argument(
        "--size",
        choices=sorted(GENERATOR_SIZES),
        default="small",
        help="the generators' size (default: %(default)s)",
    )
    parser.add_argument("--epochs", type=positive_int_up_to(_MAX), default=3, help="default: %(default)s")
    parser.add_argument("--batch-size", type=positive_int_up_to(4096), default=16, help="default: %(default)s")
    parser.add_argument(
        "--steps-per-epoch",
        type=positive_int_up_to(_MAX),
        default=None,
        help="at most this many steps per epoch (default: one pass over the larger domain)",
    )
    parser.add_argument("--cycle-weight", type=float, default=10.0, help="lambda (default: %(default)s)")
    parser.add_argument(
        "--identity-weight", type=float, default=0.0, help="identity loss, a fraction of lambda (default: %(default)s)"
    )
    parser.add_argument("--pool-size", type=int, default=50, help="past fakes per D (default: %(default)s)")
    parser.add_argument("--learning-rate", type=float, default=2e-4, help="default: %(default)s")
    parser.add_argument("--seed", type=int, default=0, help="default: %(default)s")
    parser.add_argument("--export-name", default="cyclegan", help="the export's folder name (default: %(default)s)")
    return parser


def main(argv=None, description=None):
    """Runs `train_cyclegan` with the parsed flags; bad values raise `ValueError` (one line, exit 2 under
    `kgan.cli.errors.run_main`)."""
    args = build_parser(description).parse_args(argv)
    from kgan.training.cyclegan import train_cyclegan

    _, _, export = train_cyclegan(
        args.output_dir,
        domain_a=args.data_path_a,
        domain_b=args.data_path_b,
        image_size=args.image_size,
        size=args.size,
        epochs=args.epochs,
        batch_size=args.batch_size,
        cycle_weight=args.cycle_weight,
        identity_weight=args.identity_weight,
        pool_size=args.pool_size,
        learning_rate=args.learning_rate,
        seed=args.seed,
        export_name=args.export_name,
        max_steps_per_epoch=args.steps_per_epoch,
    )
    print(f"Samples and checkpoints in {args.output_dir}; export at {export}")
    return 0
