"""Metrics for any images: FD/KID by hand, the k-NN manifold metrics against loops, the feature models and
`kgan evaluate EXPORT --reference ... --features ...` end to end on generated images (no download, ever)."""

import contextlib
import hashlib
import io

import keras
import numpy as np
import pytest
from PIL import Image

import kgan
from conftest import TINY_SHAPE, tiny_discriminator, tiny_generator
from kgan import cli
from kgan.core import GAN
from kgan.metrics import (
    FeatureComparison,
    FeatureExtractor,
    GANMetrics,
    compare_export,
    density_coverage,
    features,
    frechet_distance,
    kernel_inception_distance,
    load_features,
    load_reference,
    manifold,
    manifold_metrics,
    precision_recall,
)
from kgan.models import build_dcgan_generator

RGB32 = (32, 32, 3)
METRIC_LINES = ("Frechet distance", "KID ", "KID std", "KID s.e.", "precision", "recall", "density", "coverage")


# -- Frechet distance and KID against hand-computed values ----------------------------------------


def test_frechet_distance_of_one_dimensional_sets_by_hand():
    # a = [0, 2]: mean 1, variance 2; b = [1, 3, 5]: mean 3, variance 4 (unbiased, as np.cov).
    # (1 - 3)^2 + 2 + 4 - 2 sqrt(2 * 4) = 10 - 4 sqrt(2).
    a, b = np.array([[0.0], [2.0]]), np.array([[1.0], [3.0], [5.0]])
    assert frechet_distance(a, b) == pytest.approx(10 - 4 * np.sqrt(2), rel=1e-12)


def test_frechet_distance_of_diagonal_gaussians_by_hand():
    # Columns independent by construction: covariances diag(2, 8) and diag(8, 2), means (0, 0) and (1, 1).
    a = np.array([[-1.0, -1.0], [1.0, -1.0], [-1.0, 1.0], [1.0, 1.0]])
    a = a * [np.sqrt(1.5), np.sqrt(6.0)]  # np.cov divides by n - 1 = 3: variances 2 and 8
    b = a[:, ::-1] + 1.0
    expected = 2.0 + (2 + 8) + (8 + 2) - 2 * (np.sqrt(2 * 8) + np.sqrt(8 * 2))
    assert frechet_distance(a, b) == pytest.approx(expected, abs=1e-9)


def test_kid_of_tiny_sets_by_hand():
    # k(x, y) = (x y / d + 1)^3, d = 1. x = [0, 1], y = [1, 2]:
    # within x: k(0, 1) = 1; within y: k(1, 2) = 27; across: (1 + 1 + 8 + 27) / 4 = 9.25.
    # Unbiased MMD^2 = 1 + 27 - 2 * 9.25 = 9.5, and every subset is the whole set, so the std is 0.
    kid, std = kernel_inception_distance([[0.0], [1.0]], [[1.0], [2.0]], subset_size=2, num_subsets=3)
    assert kid == pytest.approx(9.5) and std == pytest.approx(0.0)


# -- precision, recall, density and coverage against brute force ----------------------------------


def brute_force(real, fake, k_pr, k_dc):
    """The four metrics as the papers define them, one point at a time."""

    def radius(points, i, k):
        return sorted(np.linalg.norm(points[i] - p) for j, p in enumerate(points) if j != i)[k - 1]

    real_pr = [radius(real, i, k_pr) for i in range(len(real))]
    real_dc = [radius(real, i, k_dc) for i in range(len(real))]
    fake_pr = [radius(fake, j, k_pr) for j in range(len(fake))]
    dist = [[np.linalg.norm(f - r) for r in real] for f in fake]
    precision = np.mean([any(dist[j][i] <= real_pr[i] for i in range(len(real))) for j in range(len(fake))])
    recall = np.mean([any(dist[j][i] <= fake_pr[j] for j in range(len(fake))) for i in range(len(real))])
    hits = sum(dist[j][i] <= real_dc[i] for j in range(len(fake)) for i in range(len(real)))
    coverage = np.mean([min(dist[j][i] for j in range(len(fake))) <= real_dc[i] for i in range(len(real))])
    return {"precision": precision, "recall": recall, "density": hits / (k_dc * len(fake)), "coverage": coverage}


@pytest.mark.parametrize("seed,k_pr,k_dc,shift", [(0, 3, 5, 0.0), (1, 3, 5, 0.7), (2, 1, 2, 1.5), (3, 4, 4, 0.3)])
def test_manifold_metrics_match_a_brute_force_reference(seed, k_pr, k_dc, shift):
    rng = np.random.default_rng(seed)
    real = rng.normal(size=(23, 3))
    fake = rng.normal(scale=1.3, size=(17, 3)) + shift
    result = manifold_metrics(real, fake, k_precision_recall=k_pr, k_density_coverage=k_dc)
    expected = brute_force(real, fake, k_pr, k_dc)
    assert result == pytest.approx(expected, abs=1e-12)


def test_manifold_metrics_are_the_same_in_small_blocks(monkeypatch):
    rng = np.random.default_rng(5)
    real, fake = rng.normal(size=(40, 6)), rng.normal(size=(31, 6)) + 0.4
    whole = manifold_metrics(real, fake)
    monkeypatch.setattr(manifold, "MAX_BLOCK", 7)  # blocks of one row: many partial sums
    assert manifold_metrics(real, fake) == pytest.approx(whole, abs=1e-12)


def test_identical_sets_have_full_precision_recall_and_coverage():
    x = np.random.default_rng(0).normal(size=(50, 8))
    result = manifold_metrics(x, x)
    assert result["precision"] == result["recall"] == result["coverage"] == 1.0
    assert result["density"] == pytest.approx(brute_force(x, x, 3, 5)["density"])


def test_far_apart_sets_score_zero_and_the_wrappers_agree():
    rng = np.random.default_rng(1)
    real, fake = rng.normal(size=(20, 2)), rng.normal(size=(20, 2)) + 100.0
    assert precision_recall(real, fake) == (0.0, 0.0)
    assert density_coverage(real, fake) == (0.0, 0.0)


@pytest.mark.parametrize("count", [3, 5])
def test_manifold_metrics_need_more_points_than_k(count):
    x = np.zeros((count, 2))
    with pytest.raises(ValueError, match="need more than k=5"):
        manifold_metrics(np.ones((10, 2)), x)


def test_manifold_metrics_reject_a_bad_k_or_shape():
    x = np.zeros((10, 2))
    with pytest.raises(ValueError, match="Received: k_precision_recall=0"):
        manifold_metrics(x, x, k_precision_recall=0)
    with pytest.raises(ValueError, match="same size"):
        manifold_metrics(x, np.zeros((10, 3)))


# -- feature models ---------------------------------------------------------------------------------


def tiny_classifier(image_shape=RGB32, num_classes=3, softmax=True):
    images = keras.Input(image_shape)
    x = keras.layers.Conv2D(4, 3, strides=2, activation="relu", name="conv")(images)
    x = keras.layers.GlobalAveragePooling2D(name="pool")(x)
    x = keras.layers.Dense(6, activation="relu", name="penultimate")(x)
    outputs = keras.layers.Dense(num_classes, activation="softmax" if softmax else None, name="head")(x)
    return keras.Model(images, outputs)


@pytest.fixture(scope="module")
def classifier_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("classifier") / "tiny.keras"
    tiny_classifier().save(path)
    return path


def test_a_keras_classifier_gives_its_penultimate_features_and_its_probabilities(tmp_path):
    model = tiny_classifier(image_shape=TINY_SHAPE)
    model.save(tmp_path / "c.keras")
    extractor = load_features(f"classifier:{tmp_path / 'c.keras'}")
    images = np.random.default_rng(0).uniform(-1, 1, size=(5, *TINY_SHAPE)).astype("float32")
    feats, probs = extractor(images)
    penultimate = keras.Model(model.input, model.get_layer("penultimate").output)
    np.testing.assert_allclose(feats, penultimate(images), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(probs, model(images), rtol=1e-5, atol=1e-6)
    assert extractor.image_shape == TINY_SHAPE and extractor.num_classes == 3 and not extractor.is_inception


def test_a_classifier_ending_in_logits_gives_probabilities(tmp_path):
    keras.Sequential([keras.Input(TINY_SHAPE), keras.layers.Flatten(), keras.layers.Dense(4)]).save(
        tmp_path / "s.keras"
    )
    _, probs = load_features(f"classifier:{tmp_path / 's.keras'}")(np.zeros((3, *TINY_SHAPE), "float32"))
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-6)


def test_the_shipped_mnist_classifier_is_a_feature_model():
    extractor = load_features("mnist")
    assert extractor.image_shape == (28, 28, 1) and extractor.feature_dim == 128 and extractor.num_classes == 10


def test_inception_images_are_resized_bilinearly_to_three_channels_in_its_range():
    gray = np.linspace(-1, 1, 2 * 8 * 8).reshape(2, 8, 8, 1).astype("float32")
    x = np.asarray(features._inception_preprocess(gray))
    assert x.shape == (2, 299, 299, 3) and x.min() >= -1.0 - 1e-6 and x.max() <= 1.0 + 1e-6
    np.testing.assert_array_equal(x[..., 0], x[..., 2])
    expected = keras.ops.image.resize(gray, (299, 299), interpolation="bilinear", antialias=False)
    np.testing.assert_allclose(x[..., :1], expected, atol=1e-5)


@pytest.fixture
def offline_without_inception(tmp_path, monkeypatch):
    """An empty Keras cache and no network; building InceptionV3 would fail the test."""
    cached = tmp_path / "keras" / "models" / features.INCEPTION_WEIGHTS
    monkeypatch.setattr(features, "inception_weights_path", lambda: cached)
    monkeypatch.setattr(features, "_host_reachable", lambda *args, **kwargs: False)

    def no_model(*args, **kwargs):
        raise AssertionError("InceptionV3 was built without cached weights")

    monkeypatch.setattr(keras.applications, "InceptionV3", no_model)
    return cached


def test_inception_without_cached_weights_offline_says_how_to_get_them(offline_without_inception):
    with pytest.raises(FileNotFoundError) as error:
        load_features("inception")
    message = str(error.value)
    assert "not in Keras's cache" in message and str(offline_without_inception) in message
    assert "python -c" in message and "InceptionV3" in message and len(message.splitlines()) == 1


def test_inception_with_damaged_cached_weights_offline_names_them(offline_without_inception):
    offline_without_inception.parent.mkdir(parents=True)
    offline_without_inception.write_bytes(b"not the weights")
    with pytest.raises(FileNotFoundError, match="damaged in Keras's cache"):
        load_features("inception")


def test_intact_cached_inception_weights_are_used_without_asking_the_network(offline_without_inception, monkeypatch):
    offline_without_inception.parent.mkdir(parents=True)
    offline_without_inception.write_bytes(b"weights")
    monkeypatch.setattr(features, "INCEPTION_MD5", "8d7d9ded5d6b4a7e6d5b4f1e1b8bbcbb")  # not these bytes
    with pytest.raises(FileNotFoundError, match="damaged"):
        features.check_inception_weights()
    monkeypatch.setattr(features, "INCEPTION_MD5", hashlib.md5(b"weights").hexdigest())

    def no_network(*args, **kwargs):
        raise AssertionError("the network was asked although the weights are cached")

    monkeypatch.setattr(features, "_host_reachable", no_network)
    assert features.check_inception_weights() == offline_without_inception


def test_kgan_evaluate_with_inception_offline_exits_2_with_one_line(offline_without_inception, rgb_export, rgb_folder):
    status, out, err = run_cli(["evaluate", rgb_export, "--reference", rgb_folder, "--features", "inception"])
    assert status == 2 and err.startswith("error: ") and len(err.splitlines()) == 1 and "python -c" in err


@pytest.mark.parametrize("reference", ["{tmp}/missing_folder/", "{tmp}/missing.npz", "cifar"])
def test_a_bad_reference_is_named_before_the_feature_model_is_loaded(
    offline_without_inception, rgb_export, tmp_path, reference
):
    # An RGB export's default features are Inception's, absent offline here: the bad --reference is the error.
    status, out, err = run_cli(["evaluate", rgb_export, "--reference", reference.format(tmp=tmp_path)])
    assert status == 2 and len(err.splitlines()) == 1 and "Received: reference=" in err and "python -c" not in err


# -- the comparison, `kgan evaluate --reference` and GANMetrics --------------------------------------


@pytest.fixture(scope="module")
def rgb_export(tmp_path_factory):
    generator = build_dcgan_generator(
        8, RGB32, stem_filters=8, filters=(4,), strides=(2,), output_stride=2, seed=3
    )  # untrained, 32 x 32 x 3
    return kgan.export_generator(generator, tmp_path_factory.mktemp("exports"), "rgb32")


@pytest.fixture(scope="module")
def rgb_folder(tmp_path_factory):
    """Small RGB PNGs of mixed sizes, in two class subfolders."""
    folder = tmp_path_factory.mktemp("reference")
    rng = np.random.default_rng(0)
    sizes = [(32, 32), (40, 24), (20, 20), (48, 36)]
    for i in range(40):
        height, width = sizes[i % len(sizes)]
        (folder / f"class{i % 2}").mkdir(exist_ok=True)
        pixels = rng.integers(0, 256, size=(height, width, 3), dtype=np.uint8)
        Image.fromarray(pixels, "RGB").save(folder / f"class{i % 2}" / f"{i}.png")
    return folder


def run_cli(argv):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            status = cli.main([str(a) for a in argv])
        except SystemExit as exit:
            status = exit.code
    return status, out.getvalue(), err.getvalue().strip()


def test_kgan_evaluate_scores_a_32x32_rgb_export_against_a_folder_with_a_keras_classifier(
    rgb_export, rgb_folder, classifier_file
):
    argv = ["evaluate", rgb_export, "--reference", rgb_folder, "--features", f"classifier:{classifier_file}", "-n", 64]
    status, out, err = run_cli(argv)
    assert status == 0, err
    assert "64 generated images vs 40 reference images" in out and "classifier tiny.keras features (6-d)" in out
    lines = out.splitlines()
    for name in (*METRIC_LINES, "classes covered"):
        line = next(line for line in lines if line.startswith(name))
        float(line[len(name) :].split()[0])  # every number is printed
    assert "FID" not in out  # FID only on Inception's features


def test_compare_export_returns_the_scores_it_prints(rgb_export, rgb_folder, classifier_file):
    result = compare_export(
        rgb_export, rgb_folder, f"classifier:{classifier_file}", num_samples=32, verbose=False, seed=1
    )
    scores = result["scores"]
    assert scores["num_generated"] == 32 and scores["num_reference"] == 32
    assert 0 <= scores["precision"] <= 1 and 0 <= scores["coverage"] <= 1 and scores["frechet_distance"] >= 0
    assert scores["classes_covered"] <= scores["num_classes"] == 3 and sum(scores["histogram"]) == 32


def test_a_conditional_export_is_scored_against_an_npz_reference(tmp_path, classifier_file):
    generator = build_dcgan_generator(
        8, RGB32, stem_filters=8, filters=(4,), strides=(2,), output_stride=2, num_classes=3, seed=4
    )
    export = kgan.export_generator(generator, tmp_path, "conditional")
    reference = tmp_path / "real.npz"
    np.savez(reference, x=np.random.default_rng(0).integers(0, 256, size=(20, 16, 16), dtype=np.uint8))
    result = compare_export(export, reference, f"classifier:{classifier_file}", num_samples=30, verbose=False)
    assert result["scores"]["num_generated"] == 30 and result["scores"]["num_reference"] == 20


def test_the_reference_is_read_at_the_generators_size_and_channels(rgb_folder):
    images, labels, info = load_reference(rgb_folder, RGB32)
    assert images.shape == (40, *RGB32) and images.dtype == np.uint8 and info.num_classes == 2
    digits, _, _ = load_reference("mnist_embedded", RGB32)
    assert digits.shape == (5000, *RGB32)


def test_a_comparison_refuses_reference_images_its_features_cannot_read(classifier_file):
    with pytest.raises(ValueError, match=r"take images of shape \(32, 32, 3\).*reference images of shape \(8, 8, 1\)"):
        FeatureComparison(f"classifier:{classifier_file}", np.zeros((10, *TINY_SHAPE), "uint8"))


def test_a_28x28x1_export_is_compared_in_the_mnist_classifiers_features_by_default(tmp_path):
    generator = build_dcgan_generator(4, (28, 28, 1), stem_filters=8, filters=(4,), strides=(2,), seed=1)
    export = kgan.export_generator(generator, tmp_path, "digits")
    status, out, err = run_cli(["evaluate", export, "--reference", "mnist_embedded", "-n", 50])
    assert status == 0, err
    assert "mnist features (128-d)" in out and "classes covered" in out and "of 10" in out


def tiny_gan():
    gan = GAN(tiny_generator(), tiny_discriminator(), seed=0)
    gan.compile(jit_compile=False)
    return gan


def test_gan_metrics_logs_the_feature_metrics_during_training():
    rng = np.random.default_rng(0)
    reference = rng.integers(0, 256, size=(40, *TINY_SHAPE), dtype=np.uint8)
    callback = GANMetrics(
        features=FeatureExtractor(_tiny_feature_model(), "tiny classifier", image_shape=TINY_SHAPE),
        reference=reference,
        num_samples=24,
        every=2,
        on_collapse=None,
    )
    data = rng.uniform(-1, 1, size=(16, *TINY_SHAPE)).astype("float32")
    history = tiny_gan().fit(data, batch_size=8, epochs=2, verbose=0, callbacks=[callback])
    for name in ("frechet_distance", "kid", "kid_std", "precision", "recall", "density", "coverage"):
        assert np.isnan(history.history[name][0]) and np.isfinite(history.history[name][1]), name
    assert history.history["classes_covered"][1] >= 1 and "mode_collapse" in history.history
    assert callback.records[0]["num_reference"] == 24


def _tiny_feature_model():
    model = tiny_classifier(image_shape=TINY_SHAPE)
    return keras.Model(model.input, [model.get_layer("penultimate").output, model.output])


def test_gan_metrics_needs_features_and_reference_together():
    with pytest.raises(ValueError, match="`features` and `reference` go together"):
        GANMetrics(features="inception")


# -- bad inputs: one line, exit status 2 -------------------------------------------------------------


@pytest.mark.parametrize(
    "extra,message",
    [
        (["--features", "resnet"], "Features are one of mnist, inception or classifier:FILE.keras"),
        (["--features", "classifier:{f}/missing.keras"], "No classifier file at"),
        (["--features", "classifier:{f}/weights.h5"], "is a .keras file saved by model.save"),
        (["--features", "mnist"], "The mnist features take images of shape (28, 28, 1)"),
        (["-n", "5"], "need more than k=5 images"),
        (["--classifier", "mnist"], "with --reference use --features classifier:FILE.keras"),
    ],
    ids=["unknown-features", "missing-file", "not-keras", "shape-mismatch", "n-not-above-k", "classifier-flag"],
)
def test_kgan_evaluate_refuses_bad_inputs_with_one_line(
    tmp_path, rgb_export, rgb_folder, classifier_file, extra, message
):
    argv = ["evaluate", rgb_export, "--reference", rgb_folder, *[a.format(f=tmp_path) for a in extra]]
    if "--features" not in extra:
        argv += ["--features", f"classifier:{classifier_file}"]
    status, out, err = run_cli(argv)
    assert status == 2 and err.startswith("error: ") and len(err.splitlines()) == 1, err
    assert message in err, err


@pytest.mark.parametrize(
    "argv,message",
    [
        (["--features", "inception"], "--reference DATASET_OR_FOLDER, which is missing"),
        (["--reference", "{f}/nowhere", "--features", "classifier:{c}"], "No folder of images or .npz file at"),
        (["--reference", "cifar11", "--features", "classifier:{c}"], "A reference is one of mnist_embedded, mnist"),
        (["--reference", "{c}", "--features", "classifier:{c}"], "is neither a folder of images nor an .npz file"),
        (["--reference", "mnist_embedded"], "Only 28 x 28 x 1 images have a default feature model"),
        ([], "compare it with real images instead: kgan evaluate EXPORT --reference"),
    ],
    ids=["features-without-reference", "missing-folder", "unknown-dataset", "a-file", "no-default-features", "none"],
)
def test_kgan_evaluate_refuses_a_bad_reference_with_one_line(tmp_path, rgb_export, classifier_file, argv, message):
    argv = [a.format(f=tmp_path, c=classifier_file) for a in argv]
    status, out, err = run_cli(["evaluate", rgb_export, *argv])
    assert status == 2 and err.startswith("error: ") and len(err.splitlines()) == 1, err
    assert message in err, err
