"""Lecture 002: the five convolutional MNIST notebooks (STAT 479, `L17_gans/code/`) trained side by side.

    python scripts/lecture002_conv_notebooks.py                               # all five, 5 epochs of 5,000 digits
    python scripts/lecture002_conv_notebooks.py --notebooks cnn_fail cnn_bn   # two of them
    python scripts/lecture002_conv_notebooks.py --data-path mnist.npz         # the notebooks' 60,000 digits

Trains each notebook's networks (`--arch lecture002_cnn_fail`, `lecture002_halfcnn_collapse`,
`lecture002_cnn_not_great`, `lecture002_cnn_bn`; the label-smoothing notebook is `lecture002_cnn_bn` with
D's real target 0.9) with its settings: Adam (beta_1 0.9) at the notebook's learning rate (1e-3 for
halfcnn, 1e-4 for the others), batches of 128, latent 100 ~ U[-1, 1], the non-saturating loss. Every
notebook gets the same data, seed and number of epochs. Writes one run folder per notebook (samples per
epoch, curves, checkpoints, the export), comparison.png (one row of samples per notebook),
results.md (the table: classifier score, Fréchet distance, classes covered, final D and G losses, D's
accuracies) and results.json, and prints the table.

The notebooks train 100 epochs of the 60,000 MNIST digits (46,900 steps each); the default here is 5 epochs
of the 5,000 embedded digits (195 steps each, 240 times fewer: what fits in about 15 minutes for all five on
two busy CPU cores). Failures that show early show here; what takes the notebooks' 100 epochs does not (see
docs/lectures.md). What seed 0 printed and cost: benchmarks/RESULTS.md, "Lecture 002's convolutional
notebooks".
"""

import argparse
import sys

from kgan.cli import ArgumentParser, positive_int
from kgan.cli.errors import run_main
from kgan.cli.examples import add_example_arguments, prepare_output_dir
from kgan.cli.source import value_of
from kgan.core.catalog import CONV_NOTEBOOKS  # kgan.lectures.conv_notebooks' keys, without TensorFlow


def parse_args(argv=None):
    parser = ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog=__doc__.split("\n\n", 1)[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_example_arguments(parser, "lecture002_conv_notebooks", epochs=5)
    parser.add_argument(
        "--notebooks",
        nargs="+",
        choices=CONV_NOTEBOOKS,
        default=None,
        metavar="NAME",
        help=f"the notebooks to train, of {list(CONV_NOTEBOOKS)} (default: all)",
    )
    parser.add_argument(
        "--batch-size",
        type=positive_int,
        default=value_of("kgan.lectures.conv_notebooks", "NOTEBOOK_SETTINGS")["batch_size"],
        help="images per step, the notebooks' (default: %(default)s)",
    )
    parser.add_argument(
        "--data-path",
        default=None,
        help="train on a Keras mnist.npz instead of the 5,000 embedded digits (e.g. the notebooks' full MNIST)",
    )
    parser.add_argument(
        "--samples", type=positive_int, default=12, help="samples per notebook in comparison.png (default: %(default)s)"
    )
    parser.add_argument("--no-jit", dest="jit", action="store_false", help="train without XLA (for debugging)")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    from kgan.lectures import conv_notebooks
    from kgan.metrics import Evaluator

    output_dir = prepare_output_dir(args.output_dir, "lecture002_conv_notebooks")
    evaluator = Evaluator.from_classifier("mnist")
    results = conv_notebooks.compare_conv_notebooks(
        output_dir,
        conv_notebooks.select_notebooks(args.notebooks),
        epochs=args.epochs,
        batch_size=args.batch_size,
        seed=args.seed,
        dataset="npz" if args.data_path else "mnist_embedded",
        data_path=args.data_path,
        num_samples=args.samples,
        jit_compile=args.jit,
        evaluator=evaluator,
        progress=lambda r: print(
            f"{r.notebook.key}: classifier score {r.scores['classifier_score']:.2f}, "
            f"{r.scores['classes_covered']} classes, D/G loss {r.d_loss:.3f}/{r.g_loss:.3f} ({r.seconds:.0f} s)",
            flush=True,
        ),
    )
    paths = conv_notebooks.save_comparison(results, output_dir, evaluator.reference)
    print(conv_notebooks.format_notebook_table(results, evaluator.reference))
    print(f"\nWrote {', '.join(str(p) for p in paths)}")
    return 0


if __name__ == "__main__":
    sys.exit(run_main(main))
