"""MultiWorkerMirroredStrategy: the main job trains as two worker processes on 127.0.0.1; only the chief writes."""

import json
import os
import pathlib
import signal
import subprocess
import sys

import numpy as np
import pytest

from kgan.core.distribute import local_tf_configs

REPO = pathlib.Path(__file__).resolve().parents[1]
TIMEOUT = 300  # seconds for both workers together; they are killed after that


@pytest.mark.parametrize(
    "script, export_name",
    [
        ("train_mnist_gan.py", "npz_infogan"),
        # k critic steps per G step: the G step's condition is taken in the cross-replica context.
        ("train_wgan_gp.py", "npz_wgan_gp"),
    ],
)
def test_two_workers_on_localhost_train_and_only_the_chief_writes(script, export_name, tmp_path):
    data = np.load(REPO / "kgan" / "data" / "mnist_5k.npz")
    np.savez(tmp_path / "digits.npz", x_train=data["x"][:128], y_train=data["y"][:128])
    configs = local_tf_configs(2)
    output_dir = tmp_path / "run"
    processes = []
    try:
        for index in range(2):
            worker_tmp = tmp_path / f"tmp{index}"
            worker_tmp.mkdir()
            env = dict(os.environ, TMPDIR=str(worker_tmp), TF_CPP_MIN_LOG_LEVEL="2", TF_CONFIG=configs[index])
            command = [
                sys.executable,
                str(REPO / "scripts" / script),
                "--strategy",
                "multi_worker",
                "--dataset",
                "npz",
                "--data-path",
                str(tmp_path / "digits.npz"),
                "--epochs",
                "2",
                "--batch-size",
                "32",
                "--output-dir",
                str(output_dir),
            ]
            log = open(tmp_path / f"worker{index}.log", "w")
            processes.append(
                (subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True), log)
            )
        for process, _ in processes:
            process.wait(timeout=TIMEOUT)
    finally:
        for process, log in processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
            log.close()
    logs = [(tmp_path / f"worker{i}.log").read_text() for i in range(2)]
    assert [p.returncode for p, _ in processes] == [0, 0], logs[0][-3000:] + "\n----\n" + logs[1][-3000:]

    # The chief (worker 0) wrote the run and the export; 128 images / global batch 32 = 4 steps per epoch.
    assert (output_dir / "finished.json").is_file()
    assert (output_dir / "saved_models" / export_name / "1" / "saved_model.pb").is_file()
    config = json.loads((output_dir / "config.json").read_text())
    assert config["strategy"] == {"name": "multi_worker", "replicas": 2}
    assert "4/4" in logs[0]
    # The other worker wrote nowhere the chief can see, and cleaned its temporary folder up.
    assert "the chief wrote the run directory" in logs[1]
    assert list((tmp_path / "tmp1").iterdir()) == []
