"""`kgan train` and the scripts that train: flags generated from `kgan.training.TrainConfig`, and `run_train`."""

import argparse
import dataclasses
import sys

from kgan.cli import types
from kgan.cli.variants import add_variant_arguments, variant_options

# The command line's value types, by the names `TrainConfig` fields give as their `kind`.
KINDS = {
    "positive_int": types.positive_int,
    "positive_float": types.positive_float,
    "non_negative_float": types.non_negative_float,
    "probability": types.probability,
    "probability_or_off": types.probability_or_off,
    "decay_or_off": types.decay_or_off,
    "augment_policy": types.augment_policy,
    "image_size": types.image_size,
    "fraction": types.fraction,
    "non_negative_int": types.non_negative_int,
    "int": int,
    "str": str,
    "path": str,
}


def add_train_arguments(parser, fixed_variant=None, **defaults):
    """Adds a flag for every `TrainConfig` setting and the variants' option flags to `parser`.

    Args:
        parser: an `argparse.ArgumentParser`.
        fixed_variant: the variant a script trains (no `--variant` flag; its
            own options' flags); None offers `--variant` and every variant's options.
        **defaults: settings that override `TrainConfig`'s defaults (the main
            job's `MAIN_JOB`), `variant_options` included.

    Returns:
        `parser`.
    """
    from kgan.training.config import DISTRIBUTED, TrainConfig, flag_of

    fields = {f.name for f in dataclasses.fields(TrainConfig)}
    unknown = set(defaults) - fields
    if unknown:
        raise ValueError(f"Defaults must be TrainConfig settings. Received: {sorted(unknown)}")
    groups = {None: parser}
    for field in dataclasses.fields(TrainConfig):
        meta = field.metadata
        if not meta["cli"] or (fixed_variant is not None and field.name == "variant"):
            continue
        if meta["group"] not in groups:
            groups[meta["group"]] = parser.add_argument_group(meta["group"])
        default = defaults.get(field.name, field.default)
        kwargs = dict(dest=field.name, default=default, help=meta["help"])
        if "(default:" not in kwargs["help"]:
            kwargs["help"] += " (default: %(default)s)"
        if isinstance(field.default, bool) or meta["kind"] == "switch":
            kwargs["action"] = argparse.BooleanOptionalAction  # --x / --no-x (a switch: neither is "auto")
        else:
            choices = meta["choices"]() if callable(meta["choices"]) else meta["choices"]
            if choices:
                kwargs["choices"] = choices
            if meta["kind"]:
                kwargs["type"] = KINDS[meta["kind"]]
        groups[meta["group"]].add_argument(flag_of(field.name), **kwargs)
    groups[DISTRIBUTED].add_argument(
        "--cpu-devices",
        type=types.positive_int,
        default=None,
        help="split the CPU into this many logical devices, to try --strategy mirrored without GPUs (not faster: "
        "they share the cores)",
    )
    add_variant_arguments(parser, fixed_variant, defaults.get("variant_options"))
    if fixed_variant is not None:
        parser.set_defaults(variant=fixed_variant)
    return parser


def config_from_args(args):
    """The `kgan.training.TrainConfig` of parsed arguments (what the flags say, nothing popped or renamed).

    Raises:
        ValueError: for a bad combination of settings.
    """
    from kgan.training.config import TrainConfig

    settings = {f.name: getattr(args, f.name) for f in dataclasses.fields(TrainConfig) if hasattr(args, f.name)}
    settings["variant_options"] = variant_options(args)
    if settings.get("augment") is None:
        settings["ada_target"] = None  # `--augment off` on the main job: nothing left for ADA to adapt
    return TrainConfig(**settings)


def run_train(args):
    """Runs `kgan.training.train` from parsed arguments; returns the exit status."""
    from kgan.core import GAN
    from kgan.training import MAIN_JOB, TrainingDiverged, train
    from kgan.variants import get_variant

    if args.trainer == "classic" and (args.ema is not None or args.augment):
        # The main job's recipe is fit's; lecture 004's train_on_batch loop has no EMA generator or augmentation.
        print("The classic trainer runs lecture 004's loop as it is: no EMA generator, no augmentation.", flush=True)
        args.ema = args.augment = args.ada_target = None
    if args.trainer == "classic" and get_variant(args.variant) is not GAN and args.variant == MAIN_JOB["variant"]:
        # The main job's variant is the default of `kgan train`; the classic loop trains the plain GAN only.
        print(f"The classic trainer trains the plain GAN, not the main job's {MAIN_JOB['variant']}.", flush=True)
        args.variant = "gan"
    if args.cpu_devices:
        from kgan.core.distribute import split_cpu

        try:
            split_cpu(args.cpu_devices)
        except RuntimeError as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
    try:
        result = train(config_from_args(args))
    except (ValueError, FileNotFoundError, FileExistsError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except TrainingDiverged as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    if result.run_dir is None:
        print("\nThis worker is done; the chief wrote the run directory and the export.")
        return 0
    print(f"\nRun directory: {result.run_dir}")
    print(f"  samples:     {result.run_dir / 'samples'} (montage.png shows every epoch)")
    print(f"  curves:      {result.run_dir / 'history.png'}, {result.run_dir / 'history.csv'}")
    print(f"  checkpoints: {result.run_dir / 'checkpoints'}")
    print(f"  export:      {result.export_path}")
    return 0


def run_script(variant, doc, argv=None, **defaults):
    """The whole `main` of a variant script: flags, then `kgan.training.train`; returns the exit status.

    Args:
        variant: a key of `kgan.variants.VARIANTS`.
        doc: the script's docstring: its first paragraph is the description,
            the rest (ready-to-run commands) the epilog of `--help`.
        argv: the arguments (default: `sys.argv[1:]`).
        **defaults: the script's defaults: `TrainConfig` settings (`epochs`,
            `d_steps`, ...) and `variant_options` (`{"gp_weight": 10.0}`).
    """
    description, _, epilog = doc.partition("\n\n")
    parser = argparse.ArgumentParser(
        description=description, epilog=epilog, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add_train_arguments(parser, variant, **defaults)
    return run_train(parser.parse_args(argv))
