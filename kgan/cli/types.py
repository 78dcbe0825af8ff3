"""argparse types: the value checks every kgan command and script shares (bad values exit with status 2)."""

import argparse

from kgan.core.utils import MAX_INT, MAX_SEED


class ArgumentParser(argparse.ArgumentParser):
    """argparse's parser, whose usage errors are one line: `PROG: error: MESSAGE (PROG --help lists the flags)`.

    argparse prints the whole usage synopsis before the error, dozens of lines for `kgan train`, which bury the
    one that says what was wrong. The exit status stays argparse's 2; subcommands' parsers are of this class too.
    """

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} ({self.prog} --help lists the flags)\n")


def _int_in(text, low, high, expected):
    """`text` as an integer in [low, high], else an argparse error (argparse adds the flag's name)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected {expected}, received {text!r}") from None
    if value < low:
        raise argparse.ArgumentTypeError(f"expected {expected}, received {text!r}")
    if value > high:
        raise argparse.ArgumentTypeError(f"expected {expected} up to {high}, received {text!r}")
    return value


def positive_int(text):
    """argparse type: an integer in [1, `MAX_INT`] (a larger count is a typo that would fail deep in a run)."""
    return _int_in(text, 1, MAX_INT, "a positive integer")


def positive_int_or_auto(text):
    """argparse type: "auto", or an integer in [1, `MAX_INT`]."""
    return "auto" if text.strip().lower() == "auto" else _int_in(text, 1, MAX_INT, "a positive integer or auto")


def positive_int_up_to(maximum):
    """argparse type factory: an integer in [1, `maximum`] (sample counts, grid steps)."""

    def bounded(text):
        return _int_in(text, 1, maximum, "a positive integer")

    bounded.__name__ = "positive_int"  # argparse names the type in some messages
    return bounded


def _float_in(text, accept, expected):
    """`text` as a float if `accept(value)`, else an argparse error saying what was `expected`."""
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not accept(value):  # NaN is never accepted
        raise argparse.ArgumentTypeError(f"expected {expected}, received {text!r}")
    return value


def positive_float(text):
    """argparse type: a finite float > 0."""
    return _float_in(text, lambda v: 0 < v < float("inf"), "a positive number")


def non_negative_float(text):
    """argparse type: a finite float >= 0."""
    return _float_in(text, lambda v: 0 <= v < float("inf"), "a number >= 0")


def fraction(text):
    """argparse type: a float in [0, 1) (Adam's beta_1, label smoothing)."""
    return _float_in(text, lambda v: 0 <= v < 1, "a number in [0, 1)")


def image_size(text):
    """argparse type: `H` or `HxW` pixels, e.g. `32` or `32x48` (returns `(height, width)`)."""
    parts = text.lower().split("x")
    try:
        size = tuple(int(part) for part in parts)
    except ValueError:
        size = ()
    if len(parts) == 1:
        size = size * 2
    if len(size) != 2 or min(size) < 1:
        raise argparse.ArgumentTypeError(f"expected H or HxW pixels such as 32 or 32x48, received {text!r}")
    return size


def probability(text):
    """argparse type: a float in [0, 1]."""
    return _float_in(text, lambda v: 0 <= v <= 1, "a probability in [0, 1]")


def _off(text):
    return text.strip().lower() in ("off", "none", "")


def decay_or_off(text):
    """argparse type: an EMA decay in (0, 1), or 0 / "off" for none (returns None)."""
    if _off(text) or text.strip() == "0":
        return None
    return _float_in(text, lambda v: 0 < v < 1, "a decay in (0, 1) such as 0.999, or 0 for none")


def probability_or_off(text):
    """argparse type: a probability in [0, 1], or "off" (returns None)."""
    return None if _off(text) else probability(text)


def augment_policy(text):
    """argparse type: comma-separated augmentation operations, or "off" (returns None).

    The operations are `kgan.core.augment.OPERATIONS`, read from `kgan.core.catalog` (no TensorFlow);
    `TrainConfig` checks the policy again with `kgan.core.augment.parse_policy`.
    """
    from kgan.core.catalog import AUGMENT_OPERATIONS

    if _off(text):
        return None
    names = [name.strip() for name in text.split(",") if name.strip()]
    if len(set(names)) != len(names) or not set(names) <= set(AUGMENT_OPERATIONS):
        raise argparse.ArgumentTypeError(
            f"expected operations from {', '.join(AUGMENT_OPERATIONS)} (comma-separated) or off, received {text!r}"
        )
    return ",".join(names)


def labels_list(text):
    """argparse type: one integer class id or a comma-separated list of them."""
    try:
        return [int(part) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected class ids like 3 or 0,1,2, received {text!r}") from None


def non_negative_int(text):
    """argparse type: an integer in [0, `MAX_SEED`] (seeds)."""
    return _int_in(text, 0, MAX_SEED, "a non-negative integer")


def precision(text):
    """argparse type: float16 (returns True, as the flag alone does) or bfloat16 (`TrainConfig.mixed_precision`)."""
    from kgan.training.device_choice import BY_DTYPE  # plain Python: no TensorFlow

    if text not in BY_DTYPE:
        raise argparse.ArgumentTypeError(f"expected {' or '.join(BY_DTYPE)} (or no value: float16), received {text!r}")
    return BY_DTYPE[text]


def flags_of(parser, defaults):
    """`add(flag, dest, help, **kwargs)`: adds a flag for a function's keyword argument `dest`, default its own.

    `defaults` is the function's `{argument: default}` (`kgan.cli.source.defaults_of`, read from its source). A
    flag not given is left out of the parsed arguments (`argparse.SUPPRESS`), so the function's signature is the
    one home of each default (`--help` shows it); `function(**vars(args))` then takes the flags given.
    """

    def add(flag, dest, help, **kwargs):
        parser.add_argument(
            flag, dest=dest, default=argparse.SUPPRESS, help=f"{help} (default: {defaults[dest]})", **kwargs
        )

    return add
