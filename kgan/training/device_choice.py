"""What the devices decide: mixed precision where there is a GPU, several train steps per call when steps are short.

`mixed_precision="auto"` (the default of `kgan.train`, `kgan train` and the scripts) trains in `mixed_float16`
with loss scaling when TensorFlow sees a GPU and in float32 otherwise: float16 halves the memory traffic and
runs on a GPU's tensor cores, while on most CPUs it is correct but slower. `--mixed-precision` /
`--no-mixed-precision` force it. `mixed_precision="bfloat16"` (`--mixed-precision bfloat16`) trains in
`mixed_bfloat16` (no loss scaling: bfloat16 has float32's range), which CPUs with AMX (Intel Xeons since
Sapphire Rapids) run natively through oneDNN; it is never chosen by "auto", since it changes the numbers a
run computes (docs/speed.md has its speed and scores).

`steps_per_execution="auto"` runs several train steps per call of the compiled step when one step is short, so
the Python work around each call (Keras' loop, the callbacks' per-batch hooks, the progress bar, the dispatch)
does not dominate. It reads the run's step time from the XLA probe (`kgan.training.xla_choice`: measured now or
cached) and asks for about `TARGET_CALL_SECONDS` of work per call. The count always divides the epoch's steps:
Keras runs `ceil(steps_per_epoch / N)` calls of N steps, so an N that does not divide the epoch would train
batches of the next epoch in this one (and break resuming bit for bit); every epoch end is still seen by the
callbacks (only their per-batch hooks see every N-th batch). No step time (XLA forced, a short run,
`--deterministic`) or the classic trainer: one step per call. Keras 3 has no "auto" of its own for it.

Both are pure functions of what they are given (device names, seconds), so tests drive them with fake devices.
"""

import dataclasses
import math

AUTO = "auto"
BFLOAT16 = "bfloat16"
# The setting each dtype name stands for (`--mixed-precision float16|bfloat16`; True is float16, the setting's
# meaning before bfloat16).
BY_DTYPE = {"float16": True, BFLOAT16: BFLOAT16}
# The Keras dtype policy of each resolved `mixed_precision`.
POLICIES = {False: None, True: "mixed_float16", BFLOAT16: "mixed_bfloat16"}
# A step shorter than this leaves the Python work around each call a large share of the time (about 1 ms).
SHORT_STEP_SECONDS = 0.005
# With short steps, enough of them per call that a call lasts about this long.
TARGET_CALL_SECONDS = 0.02
MAX_STEPS_PER_EXECUTION = 64


@dataclasses.dataclass(frozen=True)
class DeviceChoice:
    """The outcome of the "auto" settings, as `config.json` records it under `devices`.

    Attributes:
        gpus: how many GPUs TensorFlow sees.
        mixed_precision: what the run computes in: True for float16 (`mixed_float16`), "bfloat16"
            (`mixed_bfloat16`) or False (float32).
        steps_per_execution: train steps per call of the compiled step.
        seconds_per_step: the step time `steps_per_execution` was chosen from (None when none was measured).
    """

    gpus: int
    mixed_precision: bool | str
    steps_per_execution: int
    seconds_per_step: float | None = None

    def record(self):
        """The `config.json` form."""
        return dataclasses.asdict(self)


def check_precision(value, name="mixed_precision"):
    """Raises `ValueError` unless `value` is a `mixed_precision` setting: True (float16), False, "auto", "bfloat16"."""
    if value not in (False, AUTO, *BY_DTYPE.values()) or not isinstance(value, (bool, str)):
        raise ValueError(f"`{name}` must be True (float16), False, 'auto' or 'bfloat16'. Received: {name}={value!r}")


def choose_mixed_precision(setting, gpus):
    """Resolves `mixed_precision` (True, False, "auto" or "bfloat16") for the devices `gpus` (e.g.
    `list_physical_devices("GPU")`).

    Returns:
        `setting` when it is a bool or "bfloat16"; for "auto", whether there is a GPU (float16 there).
        `POLICIES` maps the result to its Keras dtype policy.

    Raises:
        ValueError: for another `setting`.
    """
    check_precision(setting)
    return bool(gpus) if setting == AUTO else setting


def choose_steps_per_execution(setting, seconds_per_step, steps_per_epoch):
    """Resolves `steps_per_execution` (a positive int or "auto") for a step of `seconds_per_step`.

    Args:
        setting: `TrainConfig.steps_per_execution`.
        seconds_per_step: the measured seconds of one train step, or None when none was measured.
        steps_per_epoch: train steps per epoch; the result divides it.

    Returns:
        For an int, the int. For "auto": 1 when there is no measurement or the step takes at least
        `SHORT_STEP_SECONDS`; else the largest divisor of `steps_per_epoch` up to
        `TARGET_CALL_SECONDS / seconds_per_step` (at most `MAX_STEPS_PER_EXECUTION`).

    Raises:
        ValueError: for an int that does not divide `steps_per_epoch` (its calls would cross epoch ends), or
            a value that is neither a positive int nor "auto".
    """
    if setting == AUTO and isinstance(setting, str):
        if seconds_per_step is None or seconds_per_step >= SHORT_STEP_SECONDS:
            return 1
        wanted = min(MAX_STEPS_PER_EXECUTION, math.ceil(TARGET_CALL_SECONDS / max(seconds_per_step, 1e-9)))
        return max(n for n in range(1, wanted + 1) if steps_per_epoch % n == 0)
    if isinstance(setting, bool) or not isinstance(setting, int) or setting < 1:
        raise ValueError(
            f"`steps_per_execution` must be a positive integer or 'auto'. Received: steps_per_execution={setting!r}"
        )
    if steps_per_epoch % setting:
        raise ValueError(
            f"`steps_per_execution` must divide the {steps_per_epoch} steps of an epoch (its calls would cross "
            f"epoch ends). Received: steps_per_execution={setting}"
        )
    return setting


def step_seconds(xla):
    """The seconds per step of the XLA setting `xla` (an `XlaChoice`) trains with, or None if none was timed."""
    if xla.seconds is None:
        return None
    return xla.seconds["xla" if xla.jit_compile else "no_xla"]
