"""benchmarks/profile_ops.py reads TensorFlow's profiler trace into per-op tables without TensorBoard."""

import json
import pathlib
import subprocess
import sys

import pytest
import tensorflow as tf

from conftest import BENCHMARKS, load_script

ROOT = pathlib.Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def profile_ops():
    sys.path.insert(0, str(BENCHMARKS))  # profile_ops imports run.py as `run`, as when run as a script
    try:
        module = load_script("profile_ops", BENCHMARKS)
    finally:
        sys.path.remove(str(BENCHMARKS))
    return module


def _tiny_train_step():
    """A conv + dense training step on 4 images of 8x8: convolution, matmul and their gradients."""
    kernel = tf.Variable(tf.random.normal((3, 3, 1, 4), seed=0))
    weights = tf.Variable(tf.random.normal((8 * 8 * 4, 1), seed=1))
    images = tf.random.normal((4, 8, 8, 1), seed=2)

    @tf.function
    def step():
        with tf.GradientTape() as tape:
            features = tf.nn.relu(tf.nn.conv2d(images, kernel, 1, "SAME"))
            loss = tf.reduce_mean(tf.matmul(tf.reshape(features, (4, -1)), weights) ** 2)
        for variable, gradient in zip((kernel, weights), tape.gradient(loss, [kernel, weights])):
            variable.assign_sub(0.01 * gradient)
        return loss

    return lambda: step().numpy()


def test_a_traced_step_reads_as_op_types_whose_shares_sum_to_one(profile_ops, tmp_path):
    seconds = profile_ops.trace_loop(_tiny_train_step(), tmp_path, warmup=1, steps=2)
    stats = profile_ops.op_stats(profile_ops._xplane(tmp_path), steps=2)
    ops = {s["op"]: s for s in stats}
    conv = [op for op in ops if profile_ops.CONV_KERNELS.search(op)]
    assert any("Conv2D" in op and "Backprop" not in op for op in conv), sorted(ops)  # forward
    assert any("Conv2DBackpropFilter" in op for op in conv), sorted(ops)  # the kernel's gradient
    assert any("MatMul" in op for op in conv), sorted(ops)
    assert "IDLE" not in ops
    assert sum(s["share"] for s in stats) == pytest.approx(1.0)
    assert [s["ms_per_step"] for s in stats] == sorted((s["ms_per_step"] for s in stats), reverse=True)
    forward = next(s for op, s in ops.items() if "Conv2D" in op and "Backprop" not in op)
    assert forward["count"] == 1  # per step: the trace held 2 steps
    summary = profile_ops.side_summary(stats, seconds)
    assert 0 < summary["conv_ms_per_step"] <= summary["op_ms_per_step"]
    assert 0 < summary["conv_share_of_ops"] <= 1 and summary["wall_ms_per_step"] == 1000 * seconds


def test_report_puts_both_sides_by_op_type_and_the_totals(profile_ops):
    def side(ops, wall):
        stats = [{"op": op, "count": 1.0, "ms_per_step": ms, "share": ms / sum(ops.values())} for op, ms in ops.items()]
        return profile_ops.side_summary(sorted(stats, key=lambda s: -s["ms_per_step"]), wall / 1000)

    sides = {
        "fit": side({"_MklNativeConv2D": 30.0, "Mul": 10.0}, 50.0),
        "lecture loop": side({"_MklNativeConv2D": 40.0, "Tile": 5.0}, 70.0),
    }
    assert sides["fit"]["conv_share_of_ops"] == pytest.approx(0.75)
    report = profile_ops.format_report(sides, top=1)
    assert "| _MklNativeConv2D | 30.0 | 40.0 | +10.0 |" in report  # side by side, largest first
    assert "| (1 other types) | 1 | 10.0 | 25.0 % |" in report  # fit's Mul beyond --top 1
    assert "| fit | 50.0 | 40.0 | 2 | 30.0 | 75.0 % |" in report
    assert "| lecture loop | 70.0 | 45.0 | 2 | 40.0 | 88.9 % |" in report


@pytest.mark.parametrize("flag", ["--steps", "--warmup", "--batch-size", "--inter-op-threads"])
def test_a_non_positive_count_is_one_line_and_exit_2(profile_ops, capsys, flag):
    assert profile_ops.run_main(profile_ops.main, [flag, "0"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and f"Received: {flag}=0" in err


@pytest.mark.slow
def test_the_script_profiles_fit_and_the_lecture_loop_of_one_cell(tmp_path):
    out = tmp_path / "ops.json"
    result = subprocess.run(
        [sys.executable, str(BENCHMARKS / "profile_ops.py"), "--arch", "dcgan", "--batch-size", "8"]
        + ["--warmup", "1", "--steps", "1", "--json", str(out)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "side by side (ms/step)" in result.stdout
    sides = json.loads(out.read_text())["sides"]
    assert list(sides) == ["fit", "lecture loop"]
    for side in sides.values():
        assert side["conv_share_of_ops"] > 0.3 and side["wall_ms_per_step"] > 0
        assert sum(s["share"] for s in side["ops"]) == pytest.approx(1.0)
    # Executions per step, counted by hand for dcgan (G: Dense, 2 Conv2DTranspose; D: 2 Conv2D, Dense): fit runs D
    # on the reals, the fakes and in G's step; the loop runs D once on both (concatenated) and once in DG, and G
    # twice (D's fakes, DG). A Conv2DTranspose's forward pass is a Conv2DBackpropInput.
    counts = {name: {s["op"]: s["count"] for s in side["ops"]} for name, side in sides.items()}
    assert counts["fit"]["_MklNativeFusedConv2D"] == 6 and counts["lecture loop"]["_MklNativeFusedConv2D"] == 4
    assert (
        counts["fit"]["_MklNativeConv2DBackpropInput"] == 6
        and counts["lecture loop"]["_MklNativeConv2DBackpropInput"] == 7
    )
    assert [p.name for p in tmp_path.iterdir()] == ["ops.json"]  # the traces went to a temporary folder


def test_only_tensorflow_op_events_are_counted_as_ops(profile_ops):
    op_event = profile_ops._OP_EVENT.match
    assert op_event("StatefulPartitionedCall/adam_1/Sub_78/ReadVariableOp:ReadVariableOp")
    assert op_event("G_1/block1_conv_1/conv_transpose:_MklNativeConv2DBackpropInput")
    for runtime_event in ("ExecutorState::Process", "Iterator::Root::Prefetch", "fn: __inference_step_12", "Record"):
        assert not op_event(runtime_event)
