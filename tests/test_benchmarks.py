"""The speed benchmarks (benchmarks/run.py, d_steps_xla.py) keep running; run.py counts FLOPs as RESULTS.md says."""

import json
import pathlib
import subprocess
import sys

import pytest

from conftest import BENCHMARKS, load_script
from kgan.models import build_models

ROOT = pathlib.Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def bench():
    return load_script("run", BENCHMARKS)


def test_quick_run_prints_one_table_with_every_measurement(tmp_path):
    out = tmp_path / "bench.json"
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--quick", "--no-torch", "--json", str(out)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    table = [line for line in result.stdout.splitlines() if line.startswith("|")]
    assert table[0].startswith("| measurement | arch | batch | images/s |")
    text = "\n".join(table)
    for measurement in (
        "fp32 matmul peak",
        "(a) kgan fit (XLA)",
        "(b) lecture loop, train_on_batch",
        "steps_per_execution=2",
        "mixed_float16",
        "one in-memory batch",
        "tf.data pipeline alone",
        "SavedModel inference, batch 256",
        "SavedModel inference latency, batch 1",
    ):
        assert measurement in text
    assert "(c) PyTorch port (fit work) | dcgan | 16 |" in text and "skipped: --no-torch given" in text
    rows = json.loads(out.read_text())["rows"]
    fit = next(r for r in rows if r["measurement"] == "(a) kgan fit (XLA)")
    assert fit["images_per_second"] > 0 and fit["gflops"] > 0 and fit["vs_classic"] > 0
    assert [p.name for p in tmp_path.iterdir()] == ["bench.json"]  # nothing else written to the working directory


def test_layer_macs_of_lecture004_match_a_hand_count(bench):
    generator, discriminator = build_models("lecture004")
    assert bench.layer_macs(generator) == [
        ("project", 100 * 7 * 7 * 256),
        ("block1_conv", 7 * 7 * 5 * 5 * 256 * 256),  # transposed convs: input pixels x kernel
        ("block2_conv", 7 * 7 * 5 * 5 * 256 * 128),
        ("block3_conv", 7 * 7 * 5 * 5 * 128 * 64),
        ("block4_conv", 14 * 14 * 5 * 5 * 64 * 32),
        ("output_conv", 28 * 28 * 5 * 5 * 32 * 1),
    ]
    assert bench.layer_macs(discriminator) == [
        ("block1_conv", 28 * 28 * 5 * 5 * 1 * 32),  # convs: output pixels x kernel
        ("block2_conv", 14 * 14 * 5 * 5 * 32 * 64),
        ("block3_conv", 7 * 7 * 5 * 5 * 64 * 128),
        ("block4_conv", 7 * 7 * 5 * 5 * 128 * 256),
        ("score", 7 * 7 * 256 * 2),
    ]


def test_layer_macs_without_padding_count_only_taps_on_real_pixels(bench):
    # Along one axis of a 5x5 'same' conv on 7 pixels, the outputs meet 3, 4, 5, 5, 5, 4, 3 real input pixels.
    assert bench._taps(7, 7, 5, 1) == 29
    # A transposed 5x5 stride-2 conv 7 -> 14 is the adjoint of the conv 14 -> 7 (padding 1 before): 4 + 5 x 5 + 3.
    assert bench._taps(14, 7, 5, 2) == 32
    assert bench._taps(10, 10, 1, 1) == 10  # a 1x1 kernel never meets padding
    generator, discriminator = build_models("lecture004")
    assert bench.layer_macs(generator, padding=False)[1:4] == [
        ("block1_conv", 29 * 29 * 256 * 256),
        ("block2_conv", 29 * 29 * 256 * 128),
        ("block3_conv", 32 * 32 * 128 * 64),
    ]
    assert bench.layer_macs(discriminator, padding=False)[-2:] == [
        ("block4_conv", 29 * 29 * 128 * 256),
        ("score", 7 * 7 * 256 * 2),  # Dense layers have no padding
    ]
    ratio = bench.training_step_flops(generator, discriminator, padding=False) / bench.training_step_flops(
        generator, discriminator
    )
    assert 0.7 < ratio < 0.76  # a quarter of lecture 004's counted multiply-adds fall on zero padding


def test_probe_auto_is_the_runs_own_choice(bench):
    choice = bench.probe_auto("dcgan", 16)
    assert choice.how == "probe" and isinstance(choice.jit_compile, bool)
    assert choice.jit_compile == (choice.seconds["xla"] < choice.seconds["no_xla"])


def test_training_step_flops_count_the_passes_each_loop_does(bench):
    generator, discriminator = build_models("lecture004")
    g = [m for _, m in bench.layer_macs(generator)]
    d = [m for _, m in bench.layer_macs(discriminator)]
    # fit: G forward + both gradients (none into the latent); D trained on reals and fakes (no gradient into the
    # data); D forward + input gradients in G's step.
    fit = 2 * ((3 * sum(g) - g[0]) + 2 * (3 * sum(d) - d[0]) + 2 * sum(d))
    assert bench.training_step_flops(generator, discriminator) == fit
    # The lecture's loop runs G forward once more, to make DG's batch.
    assert bench.training_step_flops(generator, discriminator, reuse_fakes=False) == fit + 2 * sum(g)
    assert 1.8e9 < fit < 1.9e9  # about 1.8 GFLOP per image


def test_d_steps_xla_benchmark_prints_every_case_and_writes_json(tmp_path):
    out = tmp_path / "d_steps.json"
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "d_steps_xla.py"),
            "--variants",
            "gan",
            "--d-steps",
            "1",
            "2",
            "--repeats",
            "1",
            "--steps",
            "2",
            "--json",
            str(out),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    rows = json.loads(out.read_text())["rows"]
    assert [(r["d_steps"], r["xla"]) for r in rows] == [(1, True), (1, False), (2, True), (2, False)]
    assert rows[0]["ratio_to_d_steps_1_xla"] == 1.0 and all(r["seconds_per_step"] > 0 for r in rows)


def test_ema_augment_cost_benchmark_prints_every_case_and_writes_json(tmp_path):
    out = tmp_path / "cost.json"
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "ema_augment_cost.py"),
            "--repeats",
            "1",
            "--steps",
            "2",
            "--no-jit",
            "--json",
            str(out),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    rows = json.loads(out.read_text())["rows"]
    assert [r["case"] for r in rows] == ["plain", "ema", "augment", "ema+augment", "ema+ada"]
    assert rows[0]["ratio_to_plain"] == 1.0 and all(r["seconds_per_step"] > 0 for r in rows)


def test_ablation_table_summarises_every_run_and_draws_the_curve(tmp_path):
    out = tmp_path / "ablation"
    out.mkdir()
    for config, seed, score in (("baseline", 0, 6.6), ("baseline", 1, 6.4), ("ema", 0, 8.1)):
        records = [
            {
                "epoch": e,
                "train_seconds": 60.0 * e,
                "classifier_score": score - 1 + e / 2,
                "frechet_distance": 40.0 / e,
                "classes_covered": 10,
            }
            for e in (1, 2)
        ]
        (out / f"{config}-s{seed}.json").write_text(
            json.dumps({"config": config, "seed": seed, "epochs": 2, "final": records[-1], "records": records})
        )
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "ablation.py"), "--table", "--out", str(out)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    rows = [line for line in result.stdout.splitlines() if line.startswith("| baseline") or line.startswith("| ema")]
    assert rows == [
        "| baseline | 0, 1 | 2 | 6.60, 6.40 | 20.0, 20.0 | 10, 10 | 2.0 | never, never |",
        "| ema | 0 | 2 | 8.10 | 20.0 | 10 | 2.0 | 2 (2.0) |",
    ]
    assert (tmp_path / "ablation_curve.png").stat().st_size > 0


def test_time_to_quality_trains_both_models_and_prints_the_table(tmp_path):
    out = tmp_path / "ttq.json"
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "time_to_quality.py"),
            "--epochs",
            "1",
            "--examples",
            "128",
            "--json",
            str(out),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "| kgan main job | not reached | not reached |" in result.stdout  # one epoch of 128 digits: noise
    assert "| keras-io baseline |" in result.stdout
    summary = json.loads(out.read_text())
    assert set(summary["results"]) == {"kgan main job", "keras-io baseline"} and summary["examples"] == 128
    for rows in summary["results"].values():
        assert [r["epoch"] for r in rows] == [1] and rows[0]["seconds"] > 0 and 0 < rows[0]["classifier_score"] <= 10


def test_time_to_quality_first_reached_and_table():
    ttq = load_script("time_to_quality", BENCHMARKS)
    rows = [
        {"epoch": 1, "seconds": 10.0, "classifier_score": 7.5},
        {"epoch": 2, "seconds": 20.0, "classifier_score": 8.4},
        {"epoch": 3, "seconds": 30.0, "classifier_score": 8.1},
    ]
    assert ttq.first_reached(rows, 8.0) == (20.0, 2) and ttq.first_reached(rows, 9.0) is None
    assert "| m | 20 s (epoch 2) | not reached | 8.40 (2, 20 s) | 3, 30 s |" in ttq.table({"m": rows})
