"""XLA chosen by measurement: `jit_compile="auto"` times the run's own train step with and without XLA.

Whether XLA makes a GAN's step faster depends on the machine, the networks and the
batch: it was faster on one CPU and slower on a newer one (issue 20,
benchmarks/RESULTS.md). So `kgan.train` (and `kgan train`, the scripts) default to
`"auto"`: after the model is compiled, `choose_jit_compile` runs a few steps of the
actual model, variant and batch both ways (after warm-up, interleaved, so a change in
the machine's load hits both), keeps the faster and prints both figures. The decision
is cached per machine in `<cache dir>/kgan/xla_choice.json` (`cache_key`: CPU model,
devices, TensorFlow version, architecture, variant, trainer, batch size, image shape,
strategy, ...), so a later run of the same kind skips the probe; `KGAN_XLA_CACHE=off`
ignores the cache (the probe runs and its result replaces the cached one).

`--jit` / `--no-jit` (`jit_compile=True/False`) decide without probing. Under
`--deterministic` XLA is off (Keras turns it off under op determinism) and nothing is
probed; with several replicas XLA is off too (`kgan.GAN.compile`). The probe must not
change the run: `preserved` restores every variable it touched (weights, optimizer
slots, noise seeds, metrics), so the run trains exactly as without the probe.
"""

import contextlib
import dataclasses
import json
import os
import pathlib
import platform
import statistics
import time

from kgan.core.utils import atomic_path

AUTO = "auto"
CACHE_FILE = "xla_choice.json"
# A run of fewer steps trains without XLA and without a probe: the probe (two compilations, 14 steps each way)
# and XLA's own compilation would cost more than XLA could save.
MIN_STEPS_TO_PROBE = 500


@dataclasses.dataclass(frozen=True)
class XlaChoice:
    """Whether the run compiles its step with XLA, how that was decided, and the probe's seconds per step.

    Attributes:
        jit_compile: the value training uses.
        how: `"flag"` (`--jit`/`--no-jit`), `"probe"`, `"cache"`, `"deterministic"`, `"replicas"` or
            `"short run"` (fewer than `MIN_STEPS_TO_PROBE` steps).
        seconds: `{"xla": s, "no_xla": s}` per step, measured now or cached; None when nothing was timed.
    """

    jit_compile: bool
    how: str
    seconds: dict | None = None

    def record(self):
        """The `config.json` form."""
        return dataclasses.asdict(self)

    def describe(self):
        """One line for the log."""
        if self.seconds is None:
            return f"XLA {'on' if self.jit_compile else 'off'} ({self.how})."
        xla, off = self.seconds["xla"] * 1e3, self.seconds["no_xla"] * 1e3
        source = "measured now" if self.how == "probe" else "cached; KGAN_XLA_CACHE=off measures again"
        return (
            f"XLA {'on' if self.jit_compile else 'off'}: {xla:.1f} ms per step with XLA, {off:.1f} ms without "
            f"({source})."
        )


def choose_jit_compile(
    setting, make_step=None, *, key=None, deterministic=False, replicas=1, cache_dir=None, rebuild=False
):
    """Resolves `jit_compile` (`True`, `False` or `"auto"`) to a bool, probing the step if it is `"auto"`.

    Args:
        setting: `TrainConfig.jit_compile`.
        make_step: for `"auto"`: a function of `jit_compile` returning a function that runs one training
            step and returns when it is done (`fit_step_maker`, `classic_step_maker`).
        key: for `"auto"`: the cache key (`cache_key`); None to neither read nor write the cache.
        deterministic: whether op determinism is on (then XLA is off and nothing is probed).
        replicas: replicas in sync (several: XLA off, as `kgan.GAN.compile` does).
        cache_dir: the cache folder (default: `default_cache_dir()`).
        rebuild: passed to `time_steps`.

    Returns:
        An `XlaChoice`.

    Raises:
        ValueError: for a `setting` other than True, False or "auto".
    """
    if setting not in (True, False, AUTO) or not isinstance(setting, (bool, str)):
        raise ValueError(f"`jit_compile` must be True, False or 'auto'. Received: jit_compile={setting!r}")
    if deterministic:
        return XlaChoice(False, "deterministic")
    if replicas > 1:
        return XlaChoice(False, "replicas")
    if setting != AUTO:
        return XlaChoice(setting, "flag")
    path = pathlib.Path(cache_dir or default_cache_dir()) / CACHE_FILE
    if key is not None and os.environ.get("KGAN_XLA_CACHE", "").lower() not in ("off", "0", "no"):
        cached = _read_cache(path).get(_key_text(key))
        if cached is not None:
            return XlaChoice(bool(cached["jit_compile"]), "cache", dict(cached["seconds"]))
    seconds = time_steps(make_step, rounds=2 if rebuild else 3, rebuild=rebuild)  # a rebuild compiles again
    choice = XlaChoice(seconds["xla"] < seconds["no_xla"], "probe", seconds)
    if key is not None:
        _write_cache(path, key, choice)
    return choice


def time_steps(make_step, *, rounds=3, warmup=2, steps=4, rebuild=False):
    """Median seconds per step with XLA (`"xla"`) and without (`"no_xla"`), measured in alternating rounds.

    Args:
        make_step: a function of `jit_compile` returning a one-step function (it blocks until the step is done).
        rounds: measurements of each; the order alternates every round.
        warmup: steps run untimed after each `make_step` (the first traces and compiles).
        steps: steps per measurement.
        rebuild: call `make_step` every round (when the two cannot exist side by side: the classic
            trainer compiles the networks themselves).
    """
    runners, times = {}, {False: [], True: []}
    for round_ in range(rounds):
        for jit in (False, True) if round_ % 2 == 0 else (True, False):
            if rebuild or jit not in runners:
                runners[jit] = make_step(jit)
                for _ in range(warmup):
                    runners[jit]()
            start = time.perf_counter()
            for _ in range(steps):
                runners[jit]()
            times[jit].append((time.perf_counter() - start) / steps)
    return {"xla": statistics.median(times[True]), "no_xla": statistics.median(times[False])}


@contextlib.contextmanager
def preserved(*trackables):
    """Restores every variable of `trackables` (models, optimizers: anything with `.variables`) on exit."""
    variables = {id(v): v for t in trackables for v in t.variables}.values()
    saved = [(v, v.numpy()) for v in variables]
    try:
        yield
    finally:
        for variable, value in saved:
            variable.assign(value)


def fit_step_maker(gan, dataset):
    """`make_step` for `GAN.fit`'s compiled step on batches of `dataset` (repeated); XLA set on the GAN.

    `make_step.functions` keeps each train function made, by `jit_compile`, so `fit` can reuse the chosen one
    (already traced and compiled for batches of this shape) instead of compiling it again.
    """
    iterator = iter(dataset.repeat())

    def make_step(jit_compile):
        gan.jit_compile = jit_compile
        gan.make_train_function(force=True)
        function = make_step.functions[jit_compile] = gan.train_function

        def step():
            logs = function(iterator)
            float(next(iter(logs.values())))  # wait for the step

        return step

    make_step.functions = {}
    return make_step


def classic_step_maker(gan, dataset, from_gan):
    """`make_step` for lecture 004's loop (`ClassicGAN.from_gan`): one D and one DG `train_on_batch`."""
    iterator = iter(dataset.repeat())

    def make_step(jit_compile):
        classic = from_gan(gan, jit_compile=jit_compile)

        def step():
            batch = next(iterator)
            images, labels = batch if isinstance(batch, tuple) else (batch, None)
            classic.train_discriminator(images, labels)
            classic.train_generator(int(images.shape[0]), labels)

        return step

    return make_step


def cache_key(**facts):
    """What the choice depends on: `facts` about the run (arch, variant, batch size, ...) and this machine."""
    import keras
    import tensorflow as tf

    gpus = [tf.config.experimental.get_device_details(d).get("device_name", d.name) for d in _gpus(tf)]
    return {"cpu": cpu_model(), "gpus": gpus, "tensorflow": tf.__version__, "keras": keras.__version__, **facts}


def _gpus(tf):
    return tf.config.list_physical_devices("GPU")


def cpu_model():
    """The CPU's model name (`/proc/cpuinfo`), or what `platform` knows."""
    try:
        for line in pathlib.Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.partition(":")[2].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def default_cache_dir():
    """`$KGAN_CACHE_DIR`, else `$XDG_CACHE_HOME/kgan`, else `~/.cache/kgan`."""
    if os.environ.get("KGAN_CACHE_DIR"):
        return pathlib.Path(os.environ["KGAN_CACHE_DIR"])
    return pathlib.Path(os.environ.get("XDG_CACHE_HOME") or pathlib.Path.home() / ".cache") / "kgan"


def _key_text(key):
    return json.dumps(key, sort_keys=True)


def _read_cache(path):
    """The cached choices by key text; an unreadable or malformed cache counts as empty (it is only a cache)."""
    try:
        choices = json.loads(path.read_text(encoding="utf-8")).get("choices", {})
    except (OSError, ValueError, UnicodeDecodeError, AttributeError):
        return {}
    return {
        k: v
        for k, v in choices.items()
        if isinstance(v, dict) and isinstance(v.get("seconds"), dict) and "jit_compile" in v
    }


def _write_cache(path, key, choice):
    """Adds the choice to the cache (atomically); a cache that cannot be written is skipped with a note."""
    choices = _read_cache(path)
    choices[_key_text(key)] = {"jit_compile": choice.jit_compile, "seconds": choice.seconds, "key": key}
    try:
        with atomic_path(path) as tmp:
            tmp.write_text(json.dumps({"choices": choices}, indent=1, sort_keys=True), encoding="utf-8")
    except OSError as error:
        print(f"Not caching the XLA choice ({error}); the next run measures again.", flush=True)


def choose_for_run(config, gan, source, strategy):
    """`choose_jit_compile` for `kgan.train`: probes the compiled `gan` on the run's first batches, leaves it untouched.

    With `"auto"`, the fit trainer's GAN gets the chosen `jit_compile` (and the train function the probe compiled for
    it); the classic trainer is compiled with it by the caller. A forced, deterministic or multi-replica run is
    decided without a probe, and a run of fewer than `MIN_STEPS_TO_PROBE` steps trains without XLA.

    Args:
        config: the run's `TrainConfig`.
        gan: the compiled (or resumed) `kgan.GAN`.
        source: the run's data (`kgan.data.open_source`): its `info` and its epoch-indexed `dataset`.
        strategy: the run's `tf.distribute.Strategy`.

    Returns:
        An `XlaChoice`.
    """
    from kgan.core import distribute

    replicas = strategy.num_replicas_in_sync
    if config.jit_compile != AUTO or config.deterministic or replicas > 1:
        return choose_jit_compile(config.jit_compile, deterministic=config.deterministic, replicas=replicas)
    if config.epochs * (source.info.num_examples // config.batch_size) < MIN_STEPS_TO_PROBE:
        return XlaChoice(False, "short run")
    key = cache_key(
        arch=config.arch,
        variant=config.variant,
        trainer=config.trainer,
        batch_size=config.batch_size,
        image_shape=[int(d) for d in source.info.image_shape],
        strategy=distribute.strategy_name(strategy),
        d_steps=gan.d_steps,
        mixed_precision=config.mixed_precision,
        steps_per_execution=config.steps_per_execution,
        recipe={"ema": config.ema is not None, "augment": bool(config.augment), "r1": bool(config.r1)},
    )
    # The first epoch's first batches (a streamed folder decodes only these).
    batches = source.dataset(batch_size=config.batch_size, seed=config.seed, epochs=1).take(4)
    if config.trainer == "classic":
        from kgan.training.classic import ClassicGAN

        make_step, rebuild = classic_step_maker(gan, batches, ClassicGAN.from_gan), True
    else:
        make_step, rebuild = fit_step_maker(gan, batches), False
    with strategy.scope(), preserved(gan, gan.d_optimizer, gan.g_optimizer):
        choice = choose_jit_compile(AUTO, make_step, key=key, rebuild=rebuild)
    if config.trainer == "fit":
        gan.jit_compile = choice.jit_compile
        gan.train_function = getattr(make_step, "functions", {}).get(choice.jit_compile)  # None: fit makes it
    print(choice.describe(), flush=True)
    return choice
