"""The corpus of bad inputs: each one fails with a clear one-line error that names the bad value.

Library calls raise ValueError or FileNotFoundError (FileExistsError for what
would be overwritten); commands exit with status 2 and print one line, no
traceback. Nothing the user had is changed by a failed call.
"""

import contextlib
import errno
import io
import json
import os
import shutil
import signal
import struct
import zipfile
import zlib
from pathlib import Path

import numpy as np
import pytest

import kgan
from conftest import tiny_generator
from kgan.cli import main
from kgan.cli.errors import run_main
from kgan.data import folders, load_arrays, make_dataset
from kgan.serving import explore

SHIPPED = Path(__file__).resolve().parents[1] / "saved_models" / "mnist_infogan"


def images(n=4, dtype="uint8"):
    return np.zeros((n, 4, 4, 1), dtype)


def nan_images():
    x = images(dtype="float32")
    x[0, 0, 0, 0] = np.nan
    return x


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("bad")
    (d / "garbage.npz").write_bytes(b"this is not a zip archive")
    np.savez(d / "wrong_keys.npz", pixels=np.zeros((2, 4, 4)))
    (d / "empty_folder").mkdir()
    (d / "not_a_savedmodel").mkdir()
    (d / "not_a_savedmodel" / "notes.txt").write_text("hello")
    (d / "run" / "checkpoints").mkdir(parents=True)
    (d / "run" / "checkpoints" / "epoch_0001.keras").write_bytes(b"truncated")
    (d / "foreign").mkdir()
    (d / "foreign" / "thesis.tex").write_text("precious")
    return d


LIBRARY_CASES = [
    (
        "images of rank 2",
        lambda f: make_dataset(np.zeros((4, 4), "uint8")),
        ValueError,
        r"must have shape \(N, H, W, C\).*Received: images.shape=\(4, 4\)",
    ),
    (
        "images of rank 5",
        lambda f: make_dataset(np.zeros((2, 4, 4, 1, 1), "uint8")),
        ValueError,
        r"Received: images.shape=\(2, 4, 4, 1, 1\)",
    ),
    ("images of dtype bool", lambda f: make_dataset(images(dtype=bool)), ValueError, "Received: images.dtype=bool"),
    ("NaN pixels", lambda f: make_dataset(nan_images()), ValueError, "NaN"),
    ("pixels above 255", lambda f: make_dataset(images(dtype="float32") + 300), ValueError, "300"),
    ("an empty dataset", lambda f: make_dataset(images(0)), ValueError, r"empty.*shape=\(0, 4, 4, 1\)"),
    ("a batch larger than the data", lambda f: make_dataset(images(4), batch_size=8), ValueError, "batch_size=8"),
    ("batch size 0", lambda f: make_dataset(images(), batch_size=0), ValueError, "batch_size=0"),
    (
        "negative labels",
        lambda f: make_dataset(images(), np.array([0, 1, -1, 2]), batch_size=2),
        ValueError,
        "minimum -1",
    ),
    (
        "float labels",
        lambda f: make_dataset(images(), np.array([0.5, 1, 1, 2]), batch_size=2),
        ValueError,
        "labels.dtype=float64",
    ),
    (
        "more images than labels",
        lambda f: make_dataset(images(), np.array([0, 1, 1]), batch_size=2),
        ValueError,
        "len\\(labels\\)=3",
    ),
    ("an unknown dataset", lambda f: load_arrays("cifar"), ValueError, "name='cifar'"),
    ("a missing dataset file", lambda f: load_arrays("npz", f / "missing.npz"), FileNotFoundError, "missing.npz"),
    ("a corrupt dataset file", lambda f: load_arrays("npz", f / "garbage.npz"), ValueError, "garbage.npz"),
    ("an npz without images", lambda f: load_arrays("npz", f / "wrong_keys.npz"), ValueError, "pixels"),
    ("an empty image folder", lambda f: load_arrays("folder", f / "empty_folder"), ValueError, "Found no images"),
    (
        "an export that is not a SavedModel",
        lambda f: kgan.load_generator(f / "not_a_savedmodel"),
        ValueError,
        "not a SavedModel",
    ),
    ("a missing export", lambda f: kgan.load_generator(f / "nowhere"), FileNotFoundError, "nowhere"),
    (
        "a serving call with the wrong latent size",
        lambda f: kgan.load_generator(SHIPPED)(np.zeros((2, 7))),
        ValueError,
        r"latent must have shape \(batch, 64\); Received: shape=\(2, 7\)",
    ),
    (
        "an export version that exists",
        lambda f: kgan.export_generator(tiny_generator(), SHIPPED.parent, "mnist_infogan", version=1),
        FileExistsError,
        "Received: version=1",
    ),
    ("an unknown architecture", lambda f: kgan.build_models("resnet"), ValueError, "arch='resnet'"),
    ("an unknown loss", lambda f: kgan.core.losses.get("hinge2"), ValueError, "loss='hinge2'"),
    ("a non-positive epoch count", lambda f: kgan.train(epochs=0, output_dir=f / "e0"), ValueError, "epochs=0"),
]


@pytest.mark.parametrize("what,call,error,message", LIBRARY_CASES, ids=[c[0] for c in LIBRARY_CASES])
def test_library_rejects(files, what, call, error, message):
    with pytest.raises(error, match=message) as caught:
        call(files)
    assert "\n" not in str(caught.value)


COMMAND_CASES = [
    ("--epochs -1", ["train", "--epochs", "-1"], "expected a positive integer, received '-1'"),
    ("--epochs banana", ["train", "--epochs", "banana"], "expected a positive integer, received 'banana'"),
    ("--batch-size 0", ["train", "--batch-size", "0"], "expected a positive integer, received '0'"),
    ("an unknown --arch", ["train", "--arch", "resnet"], "invalid choice: 'resnet'"),
    ("an unknown --dataset", ["train", "--dataset", "cifar"], "invalid choice: 'cifar'"),
    ("--lr-g nan", ["train", "--lr-g", "nan"], "expected a positive number, received 'nan'"),
    ("--dataset npz without --data-path", ["train", "--dataset", "npz", "--output-dir", "{f}/npz-run"], "needs `path`"),
    ("an output dir that is not a kgan run", ["train", "--output-dir", "{f}/foreign"], "not a kgan run"),
    ("a corrupt checkpoint", ["export", "{f}/run"], "epoch_0001.keras"),
    ("sampling into an unknown format", ["sample", str(SHIPPED), "-o", "{f}/x.jpg"], "must end in .png, .gif or .npz"),
]


@pytest.mark.parametrize("what,argv,message", COMMAND_CASES, ids=[c[0] for c in COMMAND_CASES])
def test_command_exits_2_with_one_line(files, what, argv, message):
    stderr = io.StringIO()
    with contextlib.redirect_stderr(stderr), contextlib.redirect_stdout(io.StringIO()):
        try:
            status = main([a.format(f=files) for a in argv])
        except SystemExit as exit:
            status = exit.code
    lines = [line for line in stderr.getvalue().splitlines() if line.strip() and not line.startswith("usage")]
    assert status == 2
    assert message in lines[-1] and "Traceback" not in stderr.getvalue()
    assert (files / "foreign" / "thesis.tex").read_text() == "precious"


def test_a_checkpoint_carrying_code_is_not_run_unless_trusted(tmp_path):
    import keras

    from conftest import tiny_discriminator
    from kgan.core import GAN

    latent = keras.Input((4,))
    smuggled = keras.layers.Lambda(lambda x: x * 1.0, name="smuggled")(latent)  # arbitrary Python code
    generator = keras.Model(latent, tiny_generator()(smuggled))
    gan = GAN(generator, tiny_discriminator())
    gan.compile(jit_compile=False)
    (tmp_path / "run" / "checkpoints").mkdir(parents=True)
    gan.save(tmp_path / "run" / "checkpoints" / "epoch_0001.keras")
    stderr = io.StringIO()
    with contextlib.redirect_stderr(stderr), contextlib.redirect_stdout(io.StringIO()):
        status = main(["export", str(tmp_path / "run")])
    assert status == 2 and "safe_mode" in stderr.getvalue()
    assert not (tmp_path / "run" / "saved_models").exists()
    with contextlib.redirect_stdout(io.StringIO()):
        assert main(["export", str(tmp_path / "run"), "--trust-checkpoint"]) == 0


# -- Faults of the machine and the files: every one is one line and exit status 2 (issue 19) ----------------------


SCRIPTS = Path(__file__).resolve().parents[1] / "scripts"


def run_command(argv, run=main):
    """`(status, stderr)` of a command, however it ends."""
    stderr = io.StringIO()
    with contextlib.redirect_stderr(stderr), contextlib.redirect_stdout(io.StringIO()):
        try:
            status = run([str(a) for a in argv])
        except SystemExit as exit:
            status = exit.code
    return status, stderr.getvalue()


def assert_one_line(status, stderr, message, expected_status=2):
    lines = [line for line in stderr.splitlines() if line.strip() and not line.startswith("usage")]
    assert status == expected_status, stderr
    assert "Traceback" not in stderr, stderr
    assert message in lines[-1], stderr


def png_header(width, height):
    """A PNG whose header claims `width` x `height` pixels, with almost no pixel data."""

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0")) + chunk(b"IEND", b"")


def npz_claiming(path, shape, key="x"):
    """An .npz whose `key` member's header claims `shape` (uint8) but holds no data."""
    member = io.BytesIO()
    np.lib.format.write_array_header_1_0(member, {"descr": "|u1", "fortran_order": False, "shape": shape})
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(f"{key}.npy", member.getvalue())
    return path


def save_png(path, value=0, size=4):
    from PIL import Image

    Image.fromarray(np.full((size, size), value, "uint8")).save(path)
    return path


def make_read_only(folder, monkeypatch):
    """Makes `folder` unwritable: chmod, or (as root, whom chmod does not stop) what a read-only mount says."""
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o555)
    if os.access(folder, os.W_OK):  # root
        access = os.access

        def read_only_access(path, mode, *args, **kwargs):
            if mode & os.W_OK and Path(path).resolve().is_relative_to(folder.resolve()):
                return False
            return access(path, mode, *args, **kwargs)

        monkeypatch.setattr(os, "access", read_only_access)
    return folder


@pytest.fixture
def corpus(tmp_path):
    (tmp_path / "a_file").write_text("not a folder")
    (tmp_path / "a_folder").mkdir()
    (tmp_path / "run" / "checkpoints").mkdir(parents=True)
    (tmp_path / "run" / "checkpoints" / "epoch_0001.keras").write_bytes(b"truncated")
    yield tmp_path
    for folder in tmp_path.rglob("*"):  # let pytest clean up the read-only folders
        if folder.is_dir() and not folder.is_symlink():
            folder.chmod(0o755)


FILESYSTEM_CASES = [
    ("an output dir under a file", ["train", "--output-dir", "{f}/a_file/run"], "a_file is a file"),
    ("an output dir that is a file", ["train", "--output-dir", "{f}/a_file"], "is a file"),
    ("an export dir that is a file", ["train", "--output-dir", "{f}/r", "--export-dir", "{f}/a_file"], "a_file"),
    ("an output dir in a read-only folder", ["train", "--output-dir", "{f}/ro/run"], "Cannot write into"),
    ("an export dir in a read-only folder", ["train", "--output-dir", "{f}/r", "--export-dir", "{f}/ro/e"], "ro"),
    ("export into a file", ["export", "{f}/run", "--export-dir", "{f}/a_file"], "a_file"),
    ("export into a read-only folder", ["export", "{f}/run", "--export-dir", "{f}/ro"], "Cannot write into"),
    ("a sample output that is a folder", ["sample", SHIPPED, "-o", "{f}/a_folder.png", "--overwrite"], "is a folder"),
    ("a sample output under a file", ["sample", SHIPPED, "-o", "{f}/a_file/x.png"], "a_file is a file"),
    ("a sample output in a read-only folder", ["sample", SHIPPED, "-o", "{f}/ro/x.png"], "Cannot write into"),
    ("missing training data", ["train", "--dataset", "npz", "--data-path", "{f}/nowhere.npz"], "nowhere.npz"),
]


@pytest.mark.parametrize("what,argv,message", FILESYSTEM_CASES, ids=[c[0] for c in FILESYSTEM_CASES])
def test_a_filesystem_fault_is_one_line_before_anything_is_written(corpus, monkeypatch, what, argv, message):
    make_read_only(corpus / "ro", monkeypatch)
    (corpus / "a_folder.png").mkdir()
    (corpus / "a_folder.png" / "keep.txt").write_text("mine")
    before = sorted(str(p) for p in corpus.rglob("*"))
    status, stderr = run_command([str(a).format(f=corpus) for a in argv])
    assert_one_line(status, stderr, message)
    assert sorted(str(p) for p in corpus.rglob("*")) == before  # no run folder, no export, nothing removed
    assert (corpus / "a_file").read_text() == "not a folder"
    assert (corpus / "a_folder.png" / "keep.txt").read_text() == "mine"


def test_a_full_disk_names_the_file_being_written(tmp_path, monkeypatch):
    from kgan.core.utils import atomic_path

    def full_disk(src, dst):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "replace", full_disk)

    def write_checkpoint(argv):
        with atomic_path(tmp_path / "checkpoints" / "epoch_0003.keras") as tmp:
            tmp.write_bytes(b"weights")
        return 0

    status, stderr = run_command([], run=lambda argv: run_main(write_checkpoint, argv))
    assert_one_line(status, stderr, "No space left on device. Received: ")
    assert "epoch_0003.keras" in stderr
    assert list((tmp_path / "checkpoints").iterdir()) == []  # the temporary file is gone too


@pytest.mark.parametrize(
    "fault,message",
    [
        (OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), "/data/run/history.csv"), "/data/run/history.csv"),
        (PermissionError(errno.EACCES, os.strerror(errno.EACCES), "/etc/kgan"), "Permission denied. Received: /etc"),
        (IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), "/tmp/x.png"), "Is a directory. Received: /tmp"),
        (NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), "/f/x"), "Not a directory. Received: /f/x"),
        (OSError(errno.EROFS, os.strerror(errno.EROFS), "/mnt/ro"), "Read-only file system. Received: /mnt/ro"),
        (MemoryError(), "Out of memory"),
        (MemoryError("Unable to allocate 9.0 GiB"), "Unable to allocate 9.0 GiB"),
        (json.JSONDecodeError("Expecting value", "{", 1), "Expecting value"),
    ],
    ids=["no space", "permission", "is a directory", "not a directory", "read-only", "memory", "numpy memory", "json"],
)
def test_the_handler_maps_every_fault_to_one_line_and_status_2(fault, message):
    def failing(argv):
        raise fault

    status, stderr = run_command([], run=lambda argv: run_main(failing, argv))
    assert_one_line(status, stderr, message)


def test_a_diverged_run_is_one_line_and_status_1():
    from kgan.training import TrainingDiverged

    def diverging(argv):
        raise TrainingDiverged("D's loss is nan at epoch 3")

    status, stderr = run_command([], run=lambda argv: run_main(diverging, argv))
    assert status == 1 and stderr.strip() == "error: D's loss is nan at epoch 3"


def test_debug_shows_the_traceback_and_bugs_keep_theirs():
    def failing(argv):
        raise PermissionError(errno.EACCES, "Permission denied", "/x")

    status, stderr = run_command(["--debug"], run=lambda argv: run_main(failing, argv))
    assert status == 2 and "Traceback" in stderr and stderr.strip().endswith("Permission denied. Received: /x")

    def buggy(argv):
        raise AttributeError("a bug in kgan")

    with pytest.raises(AttributeError):
        run_command([], run=lambda argv: run_main(buggy, argv))


@pytest.mark.parametrize(
    "argv,patch",
    [
        (["info"], "kgan.cli.commands.run_info"),
        (["train", "--output-dir", "{f}/run-x"], "kgan.training.train"),
        (["sample", SHIPPED, "-o", "{f}/x.png"], "kgan.serving.load_generator"),
    ],
    ids=["info", "train", "sample"],
)
def test_ctrl_c_exits_130_with_one_line(tmp_path, monkeypatch, argv, patch):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(patch, interrupted)
    status, stderr = run_command([str(a).format(f=tmp_path) for a in argv])
    assert_one_line(status, stderr, "Interrupted (Ctrl-C)", expected_status=130)


@pytest.mark.parametrize(
    "patch,argv",
    [
        ("kgan.training.main_job.open_source", ["train", "--output-dir", "{f}/run-m"]),
        ("kgan.serving.load_generator", ["sample", SHIPPED, "-o", "{f}/x.png"]),
        ("kgan.metrics.evaluate_export", ["evaluate", SHIPPED]),
    ],
    ids=["train", "sample", "evaluate"],
)
def test_running_out_of_memory_is_one_line(tmp_path, monkeypatch, patch, argv):
    def out_of_memory(*args, **kwargs):
        raise MemoryError("Unable to allocate 9.0 GiB for an array")

    monkeypatch.setattr(patch, out_of_memory)
    status, stderr = run_command([str(a).format(f=tmp_path) for a in argv])
    assert_one_line(status, stderr, "Out of memory (Unable to allocate 9.0 GiB")


def test_every_script_runs_under_the_one_handler():
    for script in sorted(SCRIPTS.glob("*.py")):
        assert "sys.exit(run_main(main))" in script.read_text(), script.name


FLAG_CASES = [
    ("--epochs 2**80", ["train", "--epochs", str(2**80)], "argument --epochs: expected a positive integer up to"),
    ("--batch-size 2**40", ["train", "--batch-size", str(2**40)], "argument --batch-size:"),
    ("--seed -1", ["train", "--seed", "-1"], "argument --seed: expected a non-negative integer, received '-1'"),
    ("--seed 2**40", ["train", "--seed", str(2**40)], "argument --seed: expected a non-negative integer up to"),
    ("sample --seed -1", ["sample", SHIPPED, "-o", "x.png", "--seed", "-1"], "argument --seed:"),
    ("--latent-dim 10**6", ["train", "--latent-dim", str(10**6)], "latent_dim=1000000"),
    ("sample --num 10**6", ["sample", SHIPPED, "-o", "x.png", "--num", str(10**6)], "argument --num/-n: expected"),
    ("sample --steps 10**6", ["sample", SHIPPED, "-o", "x.png", "--steps", str(10**6)], "argument --steps:"),
    (
        "a latent grid of 1000 steps",
        ["sample", SHIPPED, "-o", "{f}/g.png", "--latent-grid", "--steps", "1000"],
        "steps",
    ),
]


@pytest.mark.parametrize("what,argv,message", FLAG_CASES, ids=[c[0] for c in FLAG_CASES])
def test_a_flag_out_of_bounds_names_the_flag(tmp_path, what, argv, message):
    status, stderr = run_command([str(a).format(f=tmp_path) for a in argv])
    assert_one_line(status, stderr, message)
    assert not (tmp_path / "g.png").exists()


@pytest.fixture(scope="module")
def oversized(tmp_path_factory):
    d = tmp_path_factory.mktemp("oversized")
    npz_claiming(d / "huge_x.npz", (10**6, 10**6))
    npz_claiming(d / "huge_keras.npz", (10**7, 10**6), key="x_train")
    with zipfile.ZipFile(d / "huge_labels.npz", "w") as archive:
        member = io.BytesIO()
        np.lib.format.write_array(member, np.zeros((2, 4, 4), "uint8"))
        archive.writestr("x.npy", member.getvalue())
        member = io.BytesIO()
        np.lib.format.write_array_header_2_0(member, {"descr": "<i8", "fortran_order": False, "shape": (10**12,)})
        archive.writestr("y.npy", member.getvalue())
    for name, (width, height) in {"wide": (10**6, 32), "giant": (65_000, 65_000), "tall": (16, 10**8)}.items():
        (d / name).mkdir()
        (d / name / "x.png").write_bytes(png_header(width, height))
    return d


SIZE_CASES = [
    ("an npz header claiming 1 TB", lambda d: load_arrays("npz", d / "huge_x.npz"), "claims shape (1000000, 1000000)"),
    ("a Keras npz claiming 10 TB", lambda d: load_arrays("npz", d / "huge_keras.npz"), "'x_train'"),
    ("labels claiming 8 TB", lambda d: load_arrays("npz", d / "huge_labels.npz"), "'y'"),
    (
        "a PNG header claiming 10**6 x 32",
        lambda d: load_arrays("folder", d / "wide"),
        "1000000x32 pixels, more than kgan reads",
    ),
    ("a PNG header claiming 65000 x 65000", lambda d: load_arrays("folder", d / "giant"), "more than kgan reads"),
    ("a PNG header claiming 16 x 10**8", lambda d: load_arrays("folder", d / "tall"), "more than kgan reads"),
    ("an image size of 10**5", lambda d: load_arrays(image_size=10**5), "image_size=(100000, 100000)"),
    ("a latent size of 10**6", lambda d: kgan.build_models("dcgan", latent_dim=10**6), "latent_dim=1000000"),
    ("10**6 samples", lambda d: explore.sample(tiny_generator(), 10**6), "count=1000000"),
    ("a latent grid of 10**4 steps", lambda d: explore.latent_grid(tiny_generator(), steps=10**4), "steps=10000"),
    ("an interpolation of 10**6 steps", lambda d: explore.interpolate(tiny_generator(), 0, 1, 10**6), "steps="),
    ("a GIF of 10**4 large frames", lambda d: explore.save_gif(np.zeros((10**4, 64, 64, 3)), d / "a.gif"), "GIF"),
]


@pytest.mark.parametrize("what,call,message", SIZE_CASES, ids=[c[0] for c in SIZE_CASES])
def test_a_size_beyond_the_limits_is_refused_before_allocating(oversized, what, call, message):
    with pytest.raises(ValueError, match=None) as caught:
        call(oversized)
    assert message in str(caught.value) and "\n" not in str(caught.value)
    assert not (oversized / "a.gif").exists()


def test_a_folder_walk_stops_at_its_image_limit(tmp_path, monkeypatch):
    for i in range(3):
        save_png(tmp_path / f"{i}.png")
    monkeypatch.setattr(folders, "MAX_FOLDER_IMAGES", 2)
    with pytest.raises(ValueError, match="more than 2 images"):
        load_arrays("folder", tmp_path)


@pytest.fixture
def guard_against_hangs():
    """Fails a test that blocks (a FIFO read) instead of hanging the suite."""

    def hung(signum, frame):
        raise TimeoutError("the folder walk blocked")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(60)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


def special_folder(root, kind):
    """A folder of one class with two real images and one special file or link."""
    images = root / "digits" / "zero"
    images.mkdir(parents=True)
    save_png(images / "a.png", 0)
    save_png(images / "b.png", 255)
    if kind == "fifo":
        os.mkfifo(images / "x.png")
    elif kind == "loop":
        (images / "again").symlink_to(images, target_is_directory=True)
    elif kind == "loop to the top":
        (images / "up").symlink_to(root / "digits", target_is_directory=True)
    elif kind == "class linked to the root":
        (root / "digits" / "all").symlink_to(root / "digits", target_is_directory=True)
    elif kind == "broken link":
        (images / "gone.png").symlink_to(root / "nowhere.png")
    elif kind == "folder named png":
        (images / "c.png").mkdir()
    return root / "digits"


SPECIAL_CASES = ["fifo", "loop", "loop to the top", "class linked to the root", "broken link", "folder named png"]


@pytest.mark.parametrize("kind", SPECIAL_CASES)
def test_a_folder_walk_skips_special_files_and_follows_no_loop(tmp_path, guard_against_hangs, kind):
    images, labels, info = load_arrays("folder", special_folder(tmp_path, kind))
    assert len(images) == 2 and info.class_names == ("zero",)
    assert sorted(images.reshape(2, -1)[:, 0]) == [0, 255]


@pytest.fixture(scope="module")
def broken_json(tmp_path_factory):
    d = tmp_path_factory.mktemp("json")
    for name, text in {"truncated": '{"sha256": "', "a_list": "[1, 2]", "binary": "\udcff"}.items():
        (d / f"{name}_classifier.weights.h5").write_bytes(b"weights")
        (d / f"{name}_classifier.json").write_bytes(text.encode("utf-8", "surrogateescape"))
    (d / "no_arch_classifier.weights.h5").write_bytes(b"weights")
    (d / "no_arch_classifier.json").write_text(json.dumps({"sha256": "0", "dataset": "mnist", "architecture": 3}))
    for name, text in {"truncated": "{", "a_list": "[]", "bad_spec": json.dumps({"generator_spec": {"x": 1}})}.items():
        export = d / f"export_{name}"
        shutil.copytree(SHIPPED / "1", export)
        (export / "assets.extra" / "kgan.json").write_text(text)
        run = d / f"run_{name}"
        (run / "checkpoints").mkdir(parents=True)
        (run / "checkpoints" / "epoch_0001.keras").write_bytes(b"truncated")
        (run / "config.json").write_text(text)
    return d


JSON_CASES = [
    ("a truncated classifier card", ["evaluate", SHIPPED, "--classifier", "{f}/truncated_classifier.weights.h5"]),
    ("a classifier card that is a list", ["evaluate", SHIPPED, "--classifier", "{f}/a_list_classifier.weights.h5"]),
    ("a classifier card not UTF-8", ["evaluate", SHIPPED, "--classifier", "{f}/binary_classifier.weights.h5"]),
    (
        "a classifier card without architecture",
        ["evaluate", SHIPPED, "--classifier", "{f}/no_arch_classifier.weights.h5"],
    ),
    ("a truncated kgan.json", ["sample", "{f}/export_truncated", "-o", "{f}/out.png"]),
    ("a kgan.json that is a list", ["sample", "{f}/export_a_list", "-o", "{f}/out.png"]),
    ("a kgan.json with a bad spec", ["sample", "{f}/export_bad_spec", "-o", "{f}/out.png"]),
    ("a truncated config.json", ["export", "{f}/run_truncated"]),
    ("a config.json that is a list", ["export", "{f}/run_a_list"]),
    ("a truncated config.json to resume", ["train", "--output-dir", "{f}/run_truncated"]),
]
JSON_MESSAGES = ["truncated_classifier.json", "a_list_classifier.json", "binary_classifier.json", "architecture"]
JSON_MESSAGES += ["export_truncated", "export_a_list", "generator_spec", "run_truncated", "run_a_list", "run_truncated"]


@pytest.mark.parametrize(
    "what,argv,message", [(*c, m) for c, m in zip(JSON_CASES, JSON_MESSAGES)], ids=[c[0] for c in JSON_CASES]
)
def test_a_malformed_json_file_is_one_line_naming_it(broken_json, what, argv, message):
    status, stderr = run_command([str(a).format(f=broken_json) for a in argv])
    assert_one_line(status, stderr, message)
    assert not (broken_json / "out.png").exists()
