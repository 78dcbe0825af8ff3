"""`kgan train` and the scripts that train: flags generated from `kgan.training.TrainConfig`, and `run_train`."""

import argparse
import dataclasses
import sys

from kgan.cli import types
from kgan.cli.types import ArgumentParser
from kgan.cli.variants import add_variant_arguments, variant_options

# The command line's value types, by the names `TrainConfig` fields give as their `kind`.
KINDS = {
    "positive_int": types.positive_int,
    "positive_int_or_auto": types.positive_int_or_auto,
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

# Models with a train step and run of their own, and the script that trains each: `--variant` names it.
OWN_SCRIPTS = {"cyclegan": "scripts/train_cyclegan.py"}


def _variant_name(text):
    """argparse type of `--variant`: refuses, pointing at its script, a model `kgan train` does not train."""
    if text in OWN_SCRIPTS:
        raise argparse.ArgumentTypeError(
            f"expected a variant of kgan's one train step; {text} has its own: python {OWN_SCRIPTS[text]}, "
            f"received {text!r}"
        )
    return text


def add_train_arguments(parser, fixed_variant=None, **defaults):
    """Adds a flag for every `TrainConfig` setting and the variants' option flags to `parser`.

    A flag not given leaves its setting out of the parsed arguments (`--help`
    shows its default), so `config_from_args` tells what the user chose from
    the recipe `defaults`: `TrainConfig.from_recipe` drops a recipe default
    the chosen settings leave no use for, and refuses a chosen one.

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
        kwargs = dict(dest=field.name, default=argparse.SUPPRESS, help=meta["help"])
        if field.name in defaults:
            kwargs["help"] += f" (this command's default: {default})"
        elif "(default:" not in kwargs["help"]:
            kwargs["help"] += f" (default: {default})"
        if isinstance(field.default, bool) or meta["kind"] == "switch":
            kwargs["action"] = argparse.BooleanOptionalAction  # --x / --no-x (a switch: neither is "auto")
        elif meta["kind"] == "precision":  # --x [float16|bfloat16] (alone: float16) and --no-x (float32)
            kwargs.update(nargs="?", const=True, type=types.precision, metavar="{float16,bfloat16}")
        else:
            choices = meta["choices"]() if callable(meta["choices"]) else meta["choices"]
            if choices:
                kwargs["choices"] = choices
            if meta["kind"]:
                kwargs["type"] = KINDS[meta["kind"]]
            if field.name == "variant":
                kwargs["type"] = _variant_name
        groups[meta["group"]].add_argument(flag_of(field.name), **kwargs)
        if meta["kind"] == "precision":
            negative = dict(dest=field.name, action="store_const", const=False, default=argparse.SUPPRESS)
            groups[meta["group"]].add_argument("--no-" + flag_of(field.name)[2:], help="float32 compute", **negative)
    groups[DISTRIBUTED].add_argument(
        "--cpu-devices",
        type=types.positive_int,
        default=None,
        help="split the CPU into this many logical devices, to try --strategy mirrored without GPUs (not faster: "
        "they share the cores)",
    )
    add_variant_arguments(parser, fixed_variant, defaults.get("variant_options"))
    parser.set_defaults(recipe=defaults)
    if fixed_variant is not None:
        parser.set_defaults(variant=fixed_variant)
    return parser


def config_from_args(args):
    """The `kgan.training.TrainConfig` of parsed arguments: the flags given, over the command's recipe.

    Raises:
        ValueError: for a bad setting, or one the others leave no use for.
    """
    from kgan.training.config import TrainConfig

    return TrainConfig.from_recipe(getattr(args, "recipe", {}), **given_settings(args))


def given_settings(args):
    """The settings the parsed arguments give (flags given, a script's fixed variant), `variant_options` too."""
    from kgan.training.config import TrainConfig

    settings = {f.name: getattr(args, f.name) for f in dataclasses.fields(TrainConfig) if hasattr(args, f.name)}
    return {**settings, "variant_options": variant_options(args)}


def left_out(args, config):
    """The recipe's settings (`name=value`) that `config` does not use: the flags given leave no use for them."""
    given = given_settings(args)
    recipe = getattr(args, "recipe", {})
    return [
        f"{k}={v!r}" for k, v in recipe.items() if k not in given and k != "variant_options" and getattr(config, k) != v
    ]


def run_train(args):
    """Runs `kgan.training.train` from parsed arguments; returns the exit status."""
    from kgan.training import train

    if args.cpu_devices:
        from kgan.core.distribute import split_cpu

        try:
            split_cpu(args.cpu_devices)
        except RuntimeError as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
    try:
        config = config_from_args(args)
        unused = left_out(args, config)
        if unused:
            print(f"Left out of this command's recipe, as these settings have no use for them: {', '.join(unused)}")
        result = train(config)
    except (ValueError, FileNotFoundError, FileExistsError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
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
    parser = ArgumentParser(
        description=description, epilog=epilog, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add_train_arguments(parser, variant, **defaults)
    return run_train(parser.parse_args(argv))
