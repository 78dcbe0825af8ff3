"""Exports kgan did not write: their graph is read before it runs, and one that does more than generate is refused.

`python tests/test_untrusted_exports.py` exports the generator of every variant on every architecture it takes
and prints the ops they hold: the provenance of `kgan.serving.trust.GENERATOR_OPS`, `SAVE_OPS` and `RESTORE_OPS`.
"""

import contextlib
import io
import json
import pathlib

import keras
import numpy as np
import pytest
import tensorflow as tf

import kgan
from conftest import tiny_generator
from kgan.cli import main
from kgan.serving import trust

SHIPPED = pathlib.Path(__file__).resolve().parents[1] / "saved_models" / "mnist_infogan" / "1"


def kgan_generators(variants=None, archs=None, precisions=("float32", "mixed_float16")):
    """`(name, GAN)` for every variant on every architecture preset it takes (10 classes where it needs labels)."""
    from kgan.models import ARCHITECTURES, CONDITIONAL_ARCHITECTURES
    from kgan.variants import VARIANTS, build_variant

    for precision in precisions:
        for variant in variants or sorted(VARIANTS):
            for arch in archs or sorted({**ARCHITECTURES, **CONDITIONAL_ARCHITECTURES}):
                policy = keras.config.dtype_policy()
                keras.config.set_dtype_policy(precision)
                try:
                    gan = build_variant(variant, arch, num_classes=10, seed=0)
                except ValueError:  # an architecture the variant cannot use
                    continue
                finally:
                    keras.config.set_dtype_policy(policy)
                yield f"{variant}-{arch}-{precision}", gan


def label_shape_generators():
    """Conditional generators taking labels of shape (), (1,) and one-hot (3,): the export's three label paths."""
    for label_shape in ((), (1,), (3,)):
        latent = keras.Input((4,), name="latent")
        labels = keras.Input(label_shape, dtype="float32" if label_shape == (3,) else "int32", name="labels")
        if label_shape == (3,):
            x = keras.layers.Concatenate()([latent, labels])
        else:
            embedded = keras.layers.Reshape((4,))(keras.layers.Embedding(3, 4)(labels))
            x = keras.layers.Multiply()([latent, embedded])
        yield f"labels{label_shape}", keras.Model([latent, labels], tiny_generator()(keras.layers.Dense(4)(x)))


def option_generators():
    """Generators of the builders' options no preset uses: the MLP's activations (those kgan's lectures and
    tests use), and the hand-built generators of tests/test_export.py (ReLU, one-hot labels)."""
    import test_export

    from kgan.models import build_mlp_generator

    for activation in ("elu", "relu", "selu", "sigmoid"):
        yield (
            f"mlp-{activation}",
            build_mlp_generator(4, (8, 8, 1), activation=activation, output_activation=activation),
        )
    yield "test_export", test_export.build_generator()
    for label_shape in ((), (1,), (test_export.NUM_CLASSES,)):
        yield f"test_export-labels{label_shape}", test_export.build_conditional_generator(label_shape)


def kgan_export_ops(base_dir, generators):
    """`{role: sorted ops}` of the exports of `generators` (`trust.export_ops`'s roles: served, save, restore)."""
    ops = {}
    for name, generator in generators:
        for role, role_ops in trust.export_ops(kgan.export_generator(generator, base_dir, name)).items():
            ops.setdefault(role, set()).update(role_ops)
    return {role: sorted(role_ops) for role, role_ops in ops.items()}


# -- what kgan writes passes --------------------------------------------------------------------------------


def test_the_shipped_export_passes_and_has_no_fingerprint():
    trust.check_export(SHIPPED, {})
    metadata = json.loads((SHIPPED / kgan.serving.METADATA_PATH).read_text())
    assert trust.FINGERPRINT_KEY not in metadata
    assert kgan.load_generator(SHIPPED)(np.zeros((2, 64))).shape == (2, 28, 28, 1)


def test_every_kind_of_kgan_export_passes(tmp_path):
    # A sample of the collection that made the allow-list (the whole of it takes minutes): every label path,
    # InfoGAN's code, an MLP, BEGAN's decoder-style G, lecture 001's nearest upsampling, float16.
    generators = [
        *label_shape_generators(),
        *option_generators(),
        *kgan_generators(["cgan"], ["mlp_lecture003"], ["float32"]),
        *kgan_generators(["infogan", "began"], ["dcgan_fc"], ["float32"]),
        *kgan_generators(["gan"], ["upsample"], ["mixed_float16"]),
    ]
    ops = kgan_export_ops(tmp_path, generators)
    assert set(ops["served"]) <= trust.GENERATOR_OPS
    assert set(ops["save"]) <= trust.SAVE_OPS and set(ops["restore"]) <= trust.RESTORE_OPS
    for path in tmp_path.glob("*/1"):
        metadata = json.loads((path / kgan.serving.METADATA_PATH).read_text())
        assert metadata[trust.FINGERPRINT_KEY] == trust.saved_model_fingerprint(path)
        trust.check_export(path, metadata)


def test_no_allowed_op_is_of_a_denied_kind():
    assert [op for op in trust.GENERATOR_OPS if trust.denied_kind(op)] == []
    assert {op for op in trust.SAVE_OPS | trust.RESTORE_OPS if trust.denied_kind(op)} == {
        "MergeV2Checkpoints",
        "RestoreV2",
        "SaveV2",
        "ShardedFilename",
    }


# -- hostile exports are refused ----------------------------------------------------------------------------


def hostile_export(path, hidden):
    """A SavedModel that looks like a generator (`latent` (None, 4) in, `images` (None, 8, 8, 1) out) and also runs
    `hidden(latent, images)`; TF Serving, `tf.saved_model.load` and (trusted) kgan run it on every call."""

    class Hostile(tf.Module):
        @tf.function(input_signature=[tf.TensorSpec((None, 4), tf.float32, name="latent")])
        def serve(self, latent):
            images = tf.tanh(tf.reshape(tf.tile(latent, [1, 16]), (-1, 8, 8, 1)))
            return {"images": hidden(latent, images)}

    module = Hostile()
    tf.saved_model.save(module, str(path), signatures={"serving_default": module.serve})
    return path


def _writes_a_file(target):
    def hidden(latent, images):
        with tf.control_dependencies([tf.io.write_file(str(target), "pwned")]):
            return tf.identity(images)

    return hidden


def _reads_a_file(secret):
    def hidden(latent, images):
        return images + 0.0 * tf.cast(tf.strings.length(tf.io.read_file(str(secret))), tf.float32)

    return hidden


def _calls_python(latent, images):
    return tf.ensure_shape(tf.py_function(lambda x: x, [images], tf.float32), images.shape)


def _calls_numpy(latent, images):
    return tf.ensure_shape(tf.numpy_function(lambda x: x, [images], tf.float32), images.shape)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    d = tmp_path_factory.mktemp("hostile")
    (d / "secret.txt").write_text("the key")
    exports = {
        "WriteFile": hostile_export(d / "writes" / "1", _writes_a_file(d / "pwned.txt")),
        "ReadFile": hostile_export(d / "reads" / "1", _reads_a_file(d / "secret.txt")),
        "EagerPyFunc": hostile_export(d / "py_function" / "1", _calls_python),
        "PyFunc": hostile_export(d / "numpy_function" / "1", _calls_numpy),
    }
    exports[trust.FINGERPRINT_KEY] = tampered_export(kgan.export_generator(tiny_generator(), d, "tampered"))
    return d, exports


def tampered_export(path):
    """A kgan export whose graph was edited after export: its uint8 pixels are `x * 255` instead of
    `(x + 1) * 127.5`. Every op is one a generator may hold; only the fingerprint in kgan.json tells."""
    from tensorflow.core.protobuf import saved_model_pb2

    saved_model = saved_model_pb2.SavedModel.FromString((path / "saved_model.pb").read_bytes())
    constants = [
        node.attr["value"].tensor
        for function in saved_model.meta_graphs[0].graph_def.library.function
        for node in function.node_def
        if node.op == "Const" and list(node.attr["value"].tensor.float_val) == [127.5]
    ]
    assert constants
    for tensor in constants:
        tensor.float_val[:] = [255.0]
    (path / "saved_model.pb").write_bytes(saved_model.SerializeToString())
    return path


HOSTILE = ["WriteFile", "ReadFile", "EagerPyFunc", "PyFunc", trust.FINGERPRINT_KEY]


def _run(argv):
    stderr = io.StringIO()
    with contextlib.redirect_stderr(stderr), contextlib.redirect_stdout(io.StringIO()):
        status = main([str(a) for a in argv])
    return status, [line for line in stderr.getvalue().splitlines() if line.strip()]


@pytest.mark.parametrize("named", HOSTILE)
def test_kgan_sample_refuses_a_hostile_export_with_one_line(hostile, named):
    d, exports = hostile
    status, lines = _run(["sample", exports[named], "-o", d / f"{named}.png", "-n", "2"])
    assert status == 2 and len(lines) == 1 and named in lines[0], lines
    assert not (d / f"{named}.png").exists() and not (d / "pwned.txt").exists()


@pytest.mark.parametrize("named", HOSTILE)
def test_load_generator_refuses_a_hostile_export_before_loading_it(hostile, named, monkeypatch):
    monkeypatch.setattr(tf.saved_model, "load", lambda *a, **k: pytest.fail("the export was loaded"))
    with pytest.raises(trust.UntrustedExportError, match=named) as caught:
        kgan.load_generator(hostile[1][named])
    assert "\n" not in str(caught.value)


def test_kgan_evaluate_refuses_a_hostile_export_with_one_line(hostile):
    d, exports = hostile
    status, lines = _run(["evaluate", exports["WriteFile"]])
    assert status == 2 and len(lines) == 1 and "WriteFile (file I/O)" in lines[0], lines
    assert not (d / "pwned.txt").exists()


def test_a_hostile_op_outside_the_signatures_is_refused_too(tmp_path):
    class Hostile(tf.Module):
        @tf.function(input_signature=[tf.TensorSpec((None, 4), tf.float32, name="latent")])
        def serve(self, latent):
            return {"images": tf.reshape(tf.tile(latent, [1, 16]), (-1, 8, 8, 1))}

        @tf.function(input_signature=[])
        def later(self):
            tf.io.write_file(str(tmp_path / "pwned.txt"), "pwned")
            return tf.constant(0)

    module = Hostile()
    tf.saved_model.save(module, str(tmp_path / "export"), signatures={"serving_default": module.serve})
    with pytest.raises(trust.UntrustedExportError, match="WriteFile"):
        trust.check_export(tmp_path / "export", {})


def _edit_graph(path, edit):
    """Calls `edit(function)` on `path`'s `saved_model.pb` with `function(part)`: the function whose name holds
    `part` (`"_traced_save"`, `"_traced_restore"`, `"signature_wrapper"`), and writes the graph back."""
    from tensorflow.core.protobuf import saved_model_pb2

    saved_model = saved_model_pb2.SavedModel.FromString((path / "saved_model.pb").read_bytes())
    library = saved_model.meta_graphs[0].graph_def.library.function
    edit(lambda part: next(f for f in library if part in f.signature.name))
    (path / "saved_model.pb").write_bytes(saved_model.SerializeToString())
    return path


def test_a_signature_that_reaches_the_savers_function_is_refused(tmp_path):
    # The checkpoint ops are allowed in `_traced_save` only while nothing but the saver calls it.
    def call_save_from_the_signature(function):
        call = function("signature_wrapper").node_def.add(name="smuggled", op="StatefulPartitionedCall")
        call.attr["f"].func.name = function("_traced_save").signature.name

    path = _edit_graph(kgan.export_generator(tiny_generator(), tmp_path, "tiny"), call_save_from_the_signature)
    with pytest.raises(
        trust.UntrustedExportError, match=r"MergeV2Checkpoints \(file I/O\) in __inference__traced_save.*SaveV2"
    ):
        trust.check_export(path, {})


def test_a_restore_function_that_writes_is_refused(tmp_path):
    # TF Serving runs `_traced_restore` when it loads a version: it may restore, not save or merge checkpoints.
    def merge_on_restore(function):
        function("_traced_restore").node_def.add(name="smuggled", op="MergeV2Checkpoints")

    path = _edit_graph(kgan.export_generator(tiny_generator(), tmp_path, "tiny"), merge_on_restore)
    with pytest.raises(
        trust.UntrustedExportError, match=r"MergeV2Checkpoints \(file I/O\) in __inference__traced_restore"
    ):
        trust.check_export(path, {})


def test_trust_export_runs_a_hostile_but_wanted_export(hostile):
    d, exports = hostile
    status, lines = _run(["sample", exports["WriteFile"], "-o", d / "trusted.npz", "-n", "2", "--trust-export"])
    assert status == 0, lines
    assert (d / "pwned.txt").read_text() == "pwned" and np.load(d / "trusted.npz")["images"].shape == (2, 8, 8, 1)
    (d / "pwned.txt").unlink()
    assert kgan.load_generator(exports[trust.FINGERPRINT_KEY], trust=True)(np.zeros((1, 4))).shape == (1, 8, 8, 1)


# -- kgan.json that is not JSON ------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["{not json", "[1, 2]", '{"generator_spec": 3}'])
def test_a_malformed_kgan_json_gives_one_line_naming_the_file(tmp_path, text):
    path = kgan.export_generator(tiny_generator(), tmp_path, "tiny")
    (path / kgan.serving.METADATA_PATH).write_text(text)
    status, lines = _run(["sample", path, "-o", tmp_path / "x.png", "--trust-export"])
    assert status == 2 and len(lines) == 1 and "kgan.json" in lines[0], lines
    with pytest.raises(ValueError, match="kgan.json"):
        kgan.serving.read_metadata(path) if text != '{"generator_spec": 3}' else kgan.load_generator(path, trust=True)


def test_a_graph_file_that_is_not_a_saved_model_gives_one_line_naming_it(tmp_path):
    path = kgan.export_generator(tiny_generator(), tmp_path, "tiny")
    (path / "saved_model.pb").write_bytes(b"\x0bnot a protocol buffer")
    status, lines = _run(["sample", path, "-o", tmp_path / "x.png"])
    assert status == 2 and len(lines) == 1 and "saved_model.pb" in lines[0], lines


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        generators = [*label_shape_generators(), *option_generators(), *kgan_generators()]
        ops = kgan_export_ops(folder, generators)
        print(f"{len(generators)} exports")
    for role, name in (("served", "GENERATOR_OPS"), ("save", "SAVE_OPS"), ("restore", "RESTORE_OPS")):
        print(name, ops[role])
