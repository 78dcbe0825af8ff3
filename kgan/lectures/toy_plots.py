"""The picture a student wants for each toy problem: histograms over the target density, the line, the ring."""

import numpy as np

from kgan.core.utils import atomic_path
from kgan.metrics.toy_checks import mean_distance_to_line, mode_coverage, moment_errors


def _figure():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(fig, path):
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=80, bbox_inches="tight")


def plot_histograms(samples_list, mean, std, path, titles=None):
    """One histogram panel per array of generated values, each over the target density N(mean, std^2)."""
    plt = _figure()
    fig, axes = plt.subplots(1, len(samples_list), figsize=(4.5 * len(samples_list), 3.5), squeeze=False)
    for i, (ax, samples) in enumerate(zip(axes[0], samples_list)):
        values = np.asarray(samples, "float64").ravel()
        low, high = min(values.min(), mean - 4 * std), max(values.max(), mean + 4 * std)
        ax.hist(values, bins=60, range=(low, high), density=True, alpha=0.6, color="tab:orange", label="generated")
        x = np.linspace(low, high, 400)
        ax.plot(
            x,
            np.exp(-0.5 * ((x - mean) / std) ** 2) / (std * np.sqrt(2 * np.pi)),
            "b",
            lw=2,
            label=f"target N({mean:g}, {std:g}²)",
        )
        m = moment_errors(values, mean, std)
        prefix = f"{titles[i]}: " if titles else "generated: "
        ax.set_title(f"{prefix}mean {m.mean:.3f}, std {m.std:.3f}", fontsize=10)
        ax.legend(fontsize=8)
    _save(fig, path)
    plt.close(fig)


def plot_histogram(samples, mean, std, path):
    """Histogram of every generated value over the target density N(mean, std^2) (lecture 000, example 1)."""
    plot_histograms([samples], mean, std, path)


def plot_line(points, slope, intercept, path, title=None):
    """Scatter of generated 2-D points over the target line (lecture 000, example 2)."""
    plt = _figure()
    points = np.asarray(points)
    fig, ax = plt.subplots(figsize=(4.5, 4))
    ax.scatter(points[:, 0], points[:, 1], s=4, alpha=0.5, color="tab:orange", label="generated")
    x = np.linspace(points[:, 0].min() - 0.2, points[:, 0].max() + 0.2, 2)
    ax.plot(x, slope * x + intercept, "b", lw=1.5, label=f"y = {slope:g}x + {intercept:g}")
    ax.set_title(title or f"mean distance to the line: {mean_distance_to_line(points, slope, intercept):.4f}")
    ax.legend()
    _save(fig, path)
    plt.close(fig)


def _draw_ring(plt, ax, samples, modes, std, title, num_std, min_samples, legend=True):
    samples, modes = np.asarray(samples), np.asarray(modes)
    coverage = mode_coverage(samples, modes, std, num_std, min_samples)
    ax.scatter(samples[:, 0], samples[:, 1], s=3, alpha=0.4, color="tab:orange", label="generated")
    for i, centre in enumerate(modes):
        covered = coverage.counts[i] >= min_samples
        ax.add_patch(plt.Circle(centre, num_std * std, fill=False, lw=1.5, color="g" if covered else "r"))
    ax.scatter(modes[:, 0], modes[:, 1], marker="x", color="k", s=20, label="modes")
    ax.set_aspect("equal")
    summary = f"{coverage.modes_covered}/{coverage.num_modes} modes, {coverage.high_quality_share:.0%} high quality"
    ax.set_title(f"{title}\n{summary}" if title else summary, fontsize=10)
    if legend:
        ax.legend(loc="upper right", fontsize=8)


def plot_ring(samples, modes, std, path, title=None, num_std=3.0, min_samples=1):
    """Scatter of generated points over the ring's modes; circles of the high-quality radius, green if covered."""
    plt = _figure()
    fig, ax = plt.subplots(figsize=(4.5, 4.5))
    _draw_ring(plt, ax, samples, modes, std, title, num_std, min_samples)
    _save(fig, path)
    plt.close(fig)


def plot_rings(samples_list, modes, std, path, titles, num_std=3.0, min_samples=1, columns=4):
    """`plot_ring` side by side: one panel per array of generated points, on shared axes.

    Args:
        samples_list: a list of `(num_samples, 2)` arrays.
        modes: `(num_modes, 2)` mode centres.
        std: the modes' standard deviation.
        path: the PNG to write.
        titles: one title per panel.
        num_std, min_samples: as in `mode_coverage`.
        columns: panels per row.
    """
    plt = _figure()
    if len(titles) != len(samples_list) or not samples_list:
        raise ValueError(f"Need one title per panel. Received: {len(samples_list)} panels, {len(titles)} titles")
    columns = min(columns, len(samples_list))
    rows = -(-len(samples_list) // columns)
    fig, axes = plt.subplots(
        rows, columns, figsize=(3.6 * columns, 4.0 * rows), squeeze=False, sharex=True, sharey=True
    )
    limit = 1.25 * float(np.abs(np.asarray(modes)).max()) + 0.2
    for i, ax in enumerate(axes.ravel()):
        if i >= len(samples_list):
            ax.axis("off")
            continue
        _draw_ring(plt, ax, samples_list[i], modes, std, titles[i], num_std, min_samples, legend=i == 0)
        ax.set_xlim(-limit, limit)
        ax.set_ylim(-limit, limit)
    fig.tight_layout()
    _save(fig, path)
    plt.close(fig)
