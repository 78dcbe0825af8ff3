"""The ring of Gaussians: the standard mode-collapse benchmark (Metz et al. 2017), with lecture 000's MLPs.

    python scripts/ring_of_gaussians.py                          # the default run
    python scripts/ring_of_gaussians.py --loss minimax           # the zero-sum generator cost
    python scripts/ring_of_gaussians.py --d-steps 5              # k discriminator steps per G step
    python scripts/ring_of_gaussians.py --label-smoothing 0.1    # one-sided label smoothing (lecture 002)
    python scripts/ring_of_gaussians.py --compare                # all remedies, same seed and budget
    python scripts/ring_of_gaussians.py --paper-setting          # Metz et al.'s nets: 0 vs 10 unrolling steps, 3 seeds

Eight Gaussians (std 0.02) on a circle of radius 2. A sample is high quality
if it lies within 3 standard deviations of its nearest mode; a mode is covered
if at least 1% of the samples are high-quality samples on it. G and D are
lecture 000's SELU and ELU/sigmoid MLPs (hidden 128, latent 16 from a standard
normal) with a linear output on G (SELU's floor, -1.758, cannot reach the modes
at x = -2 and y = -2), Adam(1e-3, beta_1=0.5), batches of 128. Saves ring.png (samples over
the modes, covered modes in green), history.png/csv (losses, modes covered and
high-quality share per epoch) and prints the final numbers.

--compare trains one GAN per remedy kgan has (kgan.lectures.ring_remedies():
minimax and non-saturating costs, label smoothing, annealed instance noise, a
D weight penalty, 5 D steps, the unrolled GAN, LSGAN, WGAN-GP) on the same data with the same
seed and number of batches, prints one table (modes covered, high-quality
share, samples per mode) and saves compare.png, one panel per remedy. What seed 0 printed and cost:
benchmarks/RESULTS.md, "The lecture examples".

--paper-setting trains the unrolled GAN paper's own comparison instead
(Metz et al. 2017, appendix A; kgan.lectures.compare_unrolling): its ReLU
MLPs with orthogonal weights, latent 256, Adam(1e-4, beta_1=0.5), the minimax
loss, batches of 512, with 0 (the plain GAN) and 10 unrolling steps
(--unroll-steps) for each of --seeds, --steps train steps each; prints one row
per run (modes covered, high-quality share, modes covered every
--steps-per-check steps) and saves paper_setting.png, a row per seed.
"""

import argparse
import sys

import kgan
from kgan.cli import ArgumentParser, non_negative_int, positive_int
from kgan.cli.errors import run_main
from kgan.cli.examples import add_example_arguments, prepare_output_dir
from kgan.core.catalog import LOSSES  # kgan.core.losses.LOSSES' names, without TensorFlow

NUM_MODES, RADIUS, STD, NUM_SAMPLES = 8, 2.0, 0.02, 2000


def parse_args(argv=None):
    parser = ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog=__doc__.split("\n\n", 1)[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_example_arguments(parser, "ring_of_gaussians", epochs=30)
    parser.add_argument(
        "--batches-per-epoch", type=positive_int, default=200, help="batches of 128 per epoch (default: %(default)s)"
    )
    parser.add_argument(
        "--loss", choices=sorted(LOSSES), default="non_saturating", help="generator cost (default: %(default)s)"
    )
    parser.add_argument("--d-steps", type=positive_int, default=1, help="D steps per G step (default: %(default)s)")
    parser.add_argument(
        "--label-smoothing",
        type=float,
        default=0.0,
        help="one-sided label smoothing of D's real target (default: %(default)s)",
    )
    parser.add_argument(
        "--compare",
        action="store_true",
        help="train every remedy with the same seed and budget; print a table, save compare.png",
    )
    paper = parser.add_argument_group("the unrolled GAN paper's setting (--paper-setting)")
    paper.add_argument(
        "--paper-setting",
        action="store_true",
        help="train Metz et al.'s ring GAN with each --unroll-steps and --seeds; print a table, save paper_setting.png",
    )
    paper.add_argument(
        "--unroll-steps",
        type=non_negative_int,
        nargs="+",
        default=[0, 10],
        help="unrolling steps to compare, 0 being the plain GAN (default: %(default)s)",
    )
    paper.add_argument(
        "--seeds", type=non_negative_int, nargs="+", default=[0, 1, 2], help="seeds (default: %(default)s)"
    )
    paper.add_argument(
        "--steps",
        type=positive_int,
        default=20_000,
        help="train steps (a D and a G update) per run (default: %(default)s)",
    )
    paper.add_argument(
        "--steps-per-check", type=positive_int, default=2000, help="steps between mode counts (default: %(default)s)"
    )
    args = parser.parse_args(argv)
    if args.paper_setting and (args.compare or args.loss != "non_saturating" or args.d_steps != 1):
        parser.error("--paper-setting trains the paper's own GANs; drop --compare, --loss and --d-steps")
    if args.steps % args.steps_per_check:
        parser.error(f"--steps must be a multiple of --steps-per-check. Received: {args.steps}, {args.steps_per_check}")
    if args.compare and (args.loss != "non_saturating" or args.d_steps != 1 or args.label_smoothing):
        parser.error("--compare trains every remedy itself; drop --loss, --d-steps and --label-smoothing")
    return args


def run(args):
    """Trains the example; returns `(output_dir, kgan.metrics.ModeCoverage)`."""
    output_dir = prepare_output_dir(args.output_dir, "ring_of_gaussians")
    modes = kgan.lectures.ring_modes(NUM_MODES, RADIUS)
    min_samples = NUM_SAMPLES // 100

    def check(samples):
        coverage = kgan.metrics.mode_coverage(samples, modes, STD, min_samples=min_samples)
        return {"modes_covered": coverage.modes_covered, "high_quality_share": coverage.high_quality_share}

    data = kgan.lectures.ring_of_gaussians(args.batches_per_epoch * 128, NUM_MODES, RADIUS, STD, seed=args.seed)
    gan = kgan.lectures.train_toy_gan(
        data,
        **kgan.lectures.RING_GAN,
        loss=args.loss,
        d_steps=args.d_steps,
        label_smoothing=args.label_smoothing,
        epochs=args.epochs,
        seed=args.seed,
        verbose=2,
        callbacks=[
            kgan.lectures.SampleCheck(check, NUM_SAMPLES, seed=args.seed),
            kgan.callbacks.HistoryLog(output_dir, title="ring of Gaussians"),
        ],
    )
    samples = kgan.lectures.generate_samples(gan, NUM_SAMPLES, seed=args.seed)
    kgan.lectures.plot_ring(samples, modes, STD, output_dir / "ring.png", min_samples=min_samples)
    return output_dir, kgan.metrics.mode_coverage(samples, modes, STD, min_samples=min_samples)


def compare(args):
    """Trains every remedy; returns `(output_dir, [kgan.lectures.RemedyResult])`."""
    output_dir = prepare_output_dir(args.output_dir, "ring_of_gaussians_compare")

    def progress(result):
        c = result.coverage
        print(
            f"{result.remedy.name}: {c.modes_covered}/{c.num_modes} modes, {c.high_quality_share:.0%} high quality "
            f"({result.seconds:.0f} s)",
            flush=True,
        )

    results = kgan.lectures.compare_ring_remedies(
        num_modes=NUM_MODES,
        radius=RADIUS,
        std=STD,
        batches_per_epoch=args.batches_per_epoch,
        epochs=args.epochs,
        num_samples=NUM_SAMPLES,
        seed=args.seed,
        progress=progress,
    )
    kgan.lectures.plot_remedy_comparison(
        results, output_dir / "compare.png", num_modes=NUM_MODES, radius=RADIUS, std=STD
    )
    return output_dir, results


def paper_setting(args):
    """Trains the paper's comparison; returns `(output_dir, [kgan.lectures.UnrollingResult])`."""
    output_dir = prepare_output_dir(args.output_dir, "ring_of_gaussians_paper")

    def progress(result):
        c = result.coverage
        print(
            f"{result.unroll_steps} unrolling steps, seed {result.seed}: {c.modes_covered}/{c.num_modes} modes, "
            f"{c.high_quality_share:.0%} high quality ({result.seconds:.0f} s)",
            flush=True,
        )

    results = kgan.lectures.compare_unrolling(
        args.unroll_steps,
        args.seeds,
        steps=args.steps,
        steps_per_check=args.steps_per_check,
        num_samples=NUM_SAMPLES,
        num_modes=NUM_MODES,
        radius=RADIUS,
        std=STD,
        progress=progress,
    )
    path = output_dir / "paper_setting.png"
    kgan.lectures.plot_unrolling_comparison(results, path, num_modes=NUM_MODES, radius=RADIUS, std=STD)
    return output_dir, results


def main(argv=None):
    args = parse_args(argv)
    if args.paper_setting:
        output_dir, results = paper_setting(args)
        print(f"\nMetz et al.'s ring GAN, {args.steps} steps of 512 per run:")
        print(kgan.lectures.format_unrolling_table(results))
        print(f"\nOne panel per run: {output_dir / 'paper_setting.png'}")
        return 0
    if args.compare:
        output_dir, results = compare(args)
        print(f"\nThe same seed ({args.seed}) and {args.epochs} x {args.batches_per_epoch} batches of 128 for each:")
        print(kgan.lectures.format_remedy_table(results))
        print(f"\nOne panel per remedy: {output_dir / 'compare.png'}")
        return 0
    output_dir, coverage = run(args)
    print(f"\nPictures and curves: {output_dir}")
    print(f"modes covered: {coverage.modes_covered}/{coverage.num_modes}")
    print(f"high-quality samples (within 3 std of a mode): {coverage.high_quality_share:.1%}")
    print(f"high-quality samples per mode: {list(coverage.counts)}")
    return 0


if __name__ == "__main__":
    sys.exit(run_main(main))
