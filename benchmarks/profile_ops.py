"""Per-op profile of kgan's `fit` step against lecture 004's `train_on_batch` loop, read from TensorFlow's profiler.

    python benchmarks/profile_ops.py                              # lecture004, batch 64
    python benchmarks/profile_ops.py --arch dcgan --json ops.json
    python benchmarks/profile_ops.py --inter-op-threads 1          # one op at a time: self times add up

For one (arch, batch) cell of `benchmarks/run.py`, with its networks, data and
batch (`run.build_gan` and `run.classic_step`), traces a few warm steps of
(a) kgan's `GAN.fit` and (b) the lecture loop (D.train_on_batch, then
DG.train_on_batch) with `tf.profiler.experimental`, and reads each trace
without TensorBoard, through the "framework_op_stats" tool of TensorFlow's
profiler plugin: the self time of every TensorFlow op that ran (the counts
from the trace's own events, see `op_stats`). It prints,
per side, the op types by self time per step and their share of all op
time; both sides by op type; and per side the wall time per step, how much
of it TensorFlow's ops take, and how much of that the convolution and
matmul kernels take (`CONV_KERNELS`, oneDNN's `_MklNative*` forms included).
Wall time in no op is Python and dispatch (Keras's loop, `train_on_batch`);
ops running side by side on several cores can make op time exceed it, and
then inflate each other's self times: `--inter-op-threads 1` runs one op at
a time, so the self times add up to the time spent in ops.

Both sides run without XLA, what `jit_compile="auto"` chose in every cell
on the machines measured so far (benchmarks/RESULTS.md).
"""

import argparse
import collections
import json
import os
import pathlib
import re
import sys
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import run as bench  # noqa: E402  (benchmarks/run.py: Python puts the script's own folder on sys.path)
import tensorflow as tf  # noqa: E402
from tensorflow.python.profiler.internal import _pywrap_profiler_plugin  # noqa: E402
from tensorflow.tsl.profiler.protobuf import xplane_pb2  # noqa: E402

from kgan.cli.errors import run_main  # noqa: E402
from kgan.core.utils import atomic_path, check_positive_int  # noqa: E402

# The op types that are convolution or matmul kernels, in TensorFlow's names and oneDNN's (`_MklNativeConv2D`,
# `_MklNativeFusedConv2D`, `_MklNativeConv2DBackpropFilter`, `_MklMatMul`, ...); Conv2DTranspose runs as
# Conv2DBackpropInput.
CONV_KERNELS = re.compile(r"Conv[23]D|MatMul|Einsum")


def op_stats(xplane_path, steps):
    """Per op type, the TensorFlow ops of a trace of `steps` steps, by self time (the profiler's IDLE left out).

    Args:
        xplane_path: the `*.xplane.pb` file `tf.profiler.experimental.stop` wrote.
        steps: how many steps the trace holds (the figures are per step).

    Returns:
        Dicts `{"op", "count", "ms_per_step", "share"}`, largest self time first; `count` is executions per
        step, `share` the op type's part of all op time (the shares sum to 1).
    """
    # On TF 2.21 the tool lists 500 ops at most, and its "occurrences" count some twice (its times are right):
    # the counts, and the small ops beyond its list (leaf ops, so their durations are their self times), come
    # from the trace's own events.
    events = _op_events(xplane_path)
    data, ok = _pywrap_profiler_plugin.xspace_to_tools_data([str(xplane_path)], "framework_op_stats", {})
    if not ok:
        raise RuntimeError(f"TensorFlow's profiler could not read {xplane_path}: {data.decode(errors='replace')}")
    table = json.loads(data)[0]  # the first table counts IDLE, the second not; both list the same ops
    columns = [column["id"] for column in table["cols"]]
    totals = collections.defaultdict(lambda: [0.0, 0.0])  # op type -> [executions, self time in microseconds]
    for row in table["rows"]:
        cells = dict(zip(columns, (cell.get("v") for cell in row["c"])))
        if cells["type"] != "IDLE":
            # tf.data's rows name no `op_name:OpType` event: the tool's own count there
            count, _ = events.pop(f"{cells['operation']}:{cells['type']}", (cells["occurrences"], None))
            totals[cells["type"]][0] += count
            totals[cells["type"]][1] += cells["total_self_time"]
    for name, (count, microseconds) in events.items():
        total = totals[name.rsplit(":", 1)[1]]
        total[0] += count
        total[1] += microseconds
    all_us = sum(us for _, us in totals.values()) or 1.0
    stats = [
        {"op": op, "count": n / steps, "ms_per_step": us / 1000 / steps, "share": us / all_us}
        for op, (n, us) in totals.items()
    ]
    return sorted(stats, key=lambda s: -s["ms_per_step"])


# A TensorFlow op's event in the trace is named `op_name:OpType`; the runtime's own events have `::` or spaces.
_OP_EVENT = re.compile(r"^[^:\s]+:[A-Za-z_]\w*$")


def _op_events(xplane_path):
    """`{"op_name:OpType": [executions, microseconds]}` of the TensorFlow op events in the trace."""
    space = xplane_pb2.XSpace()
    space.ParseFromString(pathlib.Path(xplane_path).read_bytes())
    events = collections.defaultdict(lambda: [0, 0.0])
    for plane in space.planes:
        for line in plane.lines:
            for event in line.events:
                name = plane.event_metadata[event.metadata_id].name
                if _OP_EVENT.match(name):
                    events[name][0] += 1
                    events[name][1] += event.duration_ps / 1e6
    return events


def trace_loop(step, logdir, *, warmup, steps):
    """Runs `step()` `warmup` times, then traces `steps` more into `logdir`. Returns wall seconds per traced step."""
    for _ in range(warmup):
        step()
    tf.profiler.experimental.start(str(logdir))
    start = time.perf_counter()
    for _ in range(steps):
        step()
    seconds = (time.perf_counter() - start) / steps
    tf.profiler.experimental.stop()
    return seconds


class TraceFitSteps(keras.callbacks.Callback):
    """Traces `fit`'s steps `warmup` to `warmup + steps - 1` into `logdir`, then stops training.

    `seconds_per_step` is their wall time, Keras's loop between the steps included.
    """

    def __init__(self, logdir, *, warmup, steps):
        super().__init__()
        self.logdir, self.warmup, self.steps = str(logdir), warmup, steps
        self.start, self.seconds_per_step = None, None

    def on_train_batch_end(self, batch, logs=None):
        if logs:
            float(next(iter(logs.values())))  # the step's outputs: reading one waits for the step
        if batch == self.warmup - 1:
            tf.profiler.experimental.start(self.logdir)
            self.start = time.perf_counter()
        elif batch == self.warmup - 1 + self.steps:
            self.seconds_per_step = (time.perf_counter() - self.start) / self.steps
            tf.profiler.experimental.stop()
            self.model.stop_training = True


def side_summary(stats, seconds_per_step):
    """Wall, op and convolution-kernel time per step of one side, from `op_stats` and the measured wall time."""
    op_ms = sum(s["ms_per_step"] for s in stats)
    conv_ms = sum(s["ms_per_step"] for s in stats if CONV_KERNELS.search(s["op"]))
    return {
        "wall_ms_per_step": 1000 * seconds_per_step,
        "op_ms_per_step": op_ms,
        "conv_ms_per_step": conv_ms,
        "conv_share_of_ops": conv_ms / op_ms if op_ms else 0.0,
        "op_executions_per_step": sum(s["count"] for s in stats),
        "ops": stats,
    }


def profile(arch, batch_size, *, warmup=2, steps=3, log=print):
    """Traces both sides of one cell. Returns `{"fit": side_summary, "lecture loop": side_summary}`."""
    with tempfile.TemporaryDirectory(prefix="kgan-profile-ops-") as base:
        fit_dir, loop_dir = pathlib.Path(base, "fit"), pathlib.Path(base, "loop")
        log(f"tracing kgan fit (XLA off), {arch}, batch {batch_size}: {warmup} warm-up steps, {steps} traced")
        tracer = TraceFitSteps(fit_dir, warmup=warmup, steps=steps)
        bench.build_gan(arch, jit_compile=False).fit(
            bench.real_data(batch_size),
            epochs=1,
            steps_per_epoch=warmup + steps + 1,
            callbacks=[tracer],
            verbose=0,
            shuffle=False,
        )
        log("tracing the lecture loop (train_on_batch, Keras's default: no XLA on a CPU)")
        loop_seconds = trace_loop(bench.classic_step(arch, batch_size), loop_dir, warmup=warmup, steps=steps)
        return {
            name: side_summary(op_stats(_xplane(directory), steps), seconds)
            for name, directory, seconds in (
                ("fit", fit_dir, tracer.seconds_per_step),
                ("lecture loop", loop_dir, loop_seconds),
            )
        }


def _xplane(logdir):
    paths = sorted(pathlib.Path(logdir).glob("plugins/profile/*/*.xplane.pb"))
    if len(paths) != 1:
        raise RuntimeError(f"Expected one profiler trace in {logdir}. Received: {[str(p) for p in paths]}")
    return paths[0]


def format_report(sides, top=15):
    """Markdown: each side's op types (`top` largest, the rest summed), both sides by op type, then the totals."""
    lines = []
    for name, side in sides.items():
        lines += [
            f"\n{name}: op types by self time",
            "| op type | count/step | ms/step | share |",
            "|---|---:|---:|---:|",
        ]
        ops, rest = side["ops"][:top], side["ops"][top:]
        lines += [f"| {s['op']} | {s['count']:.0f} | {s['ms_per_step']:.1f} | {100 * s['share']:.1f} % |" for s in ops]
        if rest:
            lines.append(
                f"| ({len(rest)} other types) | {sum(s['count'] for s in rest):.0f} "
                f"| {sum(s['ms_per_step'] for s in rest):.1f} | {100 * sum(s['share'] for s in rest):.1f} % |"
            )
    (a, fit), (b, loop) = sides.items()
    by_op = [{s["op"]: s["ms_per_step"] for s in side["ops"]} for side in (fit, loop)]
    names = sorted(set(by_op[0]) | set(by_op[1]), key=lambda op: -max(by_op[0].get(op, 0), by_op[1].get(op, 0)))
    lines += ["\nside by side (ms/step)", f"| op type | {a} | {b} | {b} - {a} |", "|---|---:|---:|---:|"]
    for op in names[:top]:
        x, y = by_op[0].get(op, 0.0), by_op[1].get(op, 0.0)
        lines.append(f"| {op} | {x:.1f} | {y:.1f} | {y - x:+.1f} |")
    lines += [
        "",
        "| side | wall ms/step | TF op ms/step | op executions/step | conv+matmul ms/step | conv share of ops |",
    ]
    lines.append("|---|---:|---:|---:|---:|---:|")
    for name, side in sides.items():
        lines.append(
            f"| {name} | {side['wall_ms_per_step']:.1f} | {side['op_ms_per_step']:.1f} "
            f"| {side['op_executions_per_step']:.0f} | {side['conv_ms_per_step']:.1f} "
            f"| {100 * side['conv_share_of_ops']:.1f} % |"
        )
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--arch", choices=("lecture004", "dcgan"), default="lecture004")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--warmup", type=int, default=2, help="untimed steps before the trace (the first compiles)")
    parser.add_argument("--steps", type=int, default=3, help="traced steps per side")
    parser.add_argument("--top", type=int, default=15, help="op types shown per table")
    parser.add_argument(
        "--inter-op-threads",
        type=int,
        default=None,
        help="run one op at a time with 1, so self times add up to the time in ops (default: TensorFlow's)",
    )
    parser.add_argument("--json", type=pathlib.Path, default=None, help="also write both sides' ops and totals here")
    args = parser.parse_args(argv)
    for name in ("batch_size", "warmup", "steps", "top"):
        check_positive_int(f"--{name.replace('_', '-')}", getattr(args, name))
    if args.inter_op_threads is not None:
        tf.config.threading.set_inter_op_parallelism_threads(
            check_positive_int("--inter-op-threads", args.inter_op_threads)
        )
    info = bench.machine_info()
    sides = profile(args.arch, args.batch_size, warmup=args.warmup, steps=args.steps)
    info["load_average_1min_end"] = os.getloadavg()[0]
    print(
        f"\n{args.arch}, batch {args.batch_size}, {args.steps} traced steps per side; {info['cpu']} "
        f"({info['cpu_family_model']}), TF {info['tensorflow']}; {info['date_utc']}; "
        f"load {info['load_average_1min']:.2f} -> {info['load_average_1min_end']:.2f}; "
        f"inter-op threads {tf.config.threading.get_inter_op_parallelism_threads() or 'TensorFlow default'}"
    )
    print(format_report(sides, args.top))
    if args.json:
        with atomic_path(args.json) as tmp:
            tmp.write_text(
                json.dumps(
                    {
                        "info": info,
                        "arch": args.arch,
                        "batch": args.batch_size,
                        "inter_op_threads": args.inter_op_threads,
                        "sides": sides,
                    }
                )
            )
    return 0


if __name__ == "__main__":
    sys.exit(run_main(main))
