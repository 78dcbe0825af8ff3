"""Pictures: image grids, montages across epochs, training curves.

Everything draws on a `matplotlib.figure.Figure` (no pyplot state, no screen
needed) and is written atomically, so a crash never leaves a broken PNG.
"""

import math

import numpy as np
from matplotlib.figure import Figure

from kgan.core.utils import atomic_path


def to_uint8(images):
    """Images in [-1, 1] (any float dtype) -> uint8 in [0, 255]."""
    images = np.asarray(images, dtype="float32")
    return np.clip(np.rint((images + 1.0) * 127.5), 0, 255).astype("uint8")


def tile_images(images, ncols=None, pad=1):
    """Tiles `(N, H, W, C)` images in [-1, 1] into one uint8 `(rows*H, ncols*W, C)` array.

    Args:
        images: array of shape `(N, H, W, C)` or `(N, H, W)`, values in [-1, 1].
        ncols: images per row (default: the smallest square that holds N).
        pad: pixels of background between images.

    Returns:
        A uint8 array; greyscale stays one channel.
    """
    images = to_uint8(images)
    if images.ndim == 3:
        images = images[..., None]
    if images.ndim != 4 or len(images) == 0:
        raise ValueError(f"`images` must have shape (N, H, W, C) with N > 0. Received: shape={images.shape}")
    n, h, w, c = images.shape
    ncols = ncols or math.ceil(math.sqrt(n))
    nrows = math.ceil(n / ncols)
    grid = np.zeros((nrows * (h + pad) + pad, ncols * (w + pad) + pad, c), dtype="uint8")
    for i, image in enumerate(images):
        r, col = divmod(i, ncols)
        y, x = pad + r * (h + pad), pad + col * (w + pad)
        grid[y : y + h, x : x + w] = image
    return grid


def _show(ax, grid):
    if grid.shape[-1] == 1:
        ax.imshow(grid[..., 0], cmap="gray", vmin=0, vmax=255, interpolation="nearest")
    else:
        ax.imshow(grid, interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])


def save_image_grid(images, path, ncols=None, title=None, scale=2):
    """Saves images in [-1, 1] as one PNG grid.

    Args:
        images: `(N, H, W, C)` array in [-1, 1].
        path: output PNG path (written atomically).
        ncols: images per row.
        title: optional title above the grid.
        scale: screen pixels per image pixel.

    Returns:
        The path written.
    """
    grid = tile_images(images, ncols)
    dpi = 100
    height, width = grid.shape[0] * scale, grid.shape[1] * scale
    top = 24 if title else 0
    fig = Figure(figsize=(width / dpi, (height + top) / dpi), dpi=dpi)
    ax = fig.add_axes([0, 0, 1, height / (height + top)])
    _show(ax, grid)
    ax.set_axis_off()
    if title:
        fig.suptitle(title, fontsize=10, y=1 - 4 / (height + top), va="top")
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=dpi)
    return path


def save_montage(rows, row_labels, path, title=None, scale=2):
    """Saves one row of images per entry of `rows`, each labelled (e.g. by epoch).

    Args:
        rows: list of `(K, H, W, C)` arrays in [-1, 1], one per row.
        row_labels: one label per row.
        path: output PNG path (written atomically).
        title: optional figure title.
        scale: screen pixels per image pixel.
    """
    grids = [tile_images(r, ncols=len(r)) for r in rows]
    dpi = 100
    width = max(g.shape[1] for g in grids) * scale
    row_height = grids[0].shape[0] * scale
    left, top = 80, 28 if title else 4
    fig = Figure(figsize=((width + left) / dpi, (row_height * len(grids) + top) / dpi), dpi=dpi)
    total_h = row_height * len(grids) + top
    for i, (grid, label) in enumerate(zip(grids, row_labels)):
        bottom = 1 - (top + (i + 1) * row_height) / total_h
        ax = fig.add_axes([left / (width + left), bottom, width / (width + left), row_height / total_h])
        _show(ax, grid)
        for spine in ax.spines.values():
            spine.set_visible(False)
        ax.set_ylabel(str(label), rotation=0, ha="right", va="center", fontsize=9)
    if title:
        fig.suptitle(title, fontsize=10, y=1 - 4 / total_h, va="top")
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=dpi)
    return path


# Quality scores (kgan.metrics.GANMetrics) get a panel of their own: their scale would flatten the losses.
QUALITY_METRICS = ("classifier_score", "frechet_distance", "kid", "classes_covered")


def save_history_plot(history, path, title=None):
    """Plots training curves: losses, D's accuracies (`*_acc`), and quality scores if logged.

    Args:
        history: dict of metric name -> list of per-epoch values (as in
            `keras.callbacks.History.history`); NaN entries (epochs a metric
            skipped) are left out of its curve.
        path: output PNG path (written atomically).
        title: optional figure title.
    """
    quality = [n for n in QUALITY_METRICS if n in history and np.isfinite(history[n]).any()]
    panels = 3 if quality else 2
    fig = Figure(figsize=(5 * panels, 4), dpi=100)
    axes = fig.subplots(1, panels)
    loss_ax, acc_ax = axes[0], axes[1]
    score_ax = axes[2] if quality else None
    for name, values in sorted(history.items()):
        values = np.asarray(values, dtype="float64")
        epochs = np.arange(1, len(values) + 1)
        keep = np.isfinite(values)
        if name in QUALITY_METRICS or name in ("kid_std", "mode_collapse"):
            if name not in quality:
                continue
            ax = score_ax
        else:
            ax = acc_ax if name.endswith("acc") else loss_ax
        ax.plot(epochs[keep], values[keep], marker="o" if keep.sum() < 30 else None, markersize=3, label=name)
    loss_ax.set_title("losses and penalties")
    acc_ax.set_title("discriminator accuracy")
    acc_ax.set_ylim(-0.02, 1.02)
    if score_ax is not None:
        score_ax.set_title("quality (kgan.metrics)")
        score_ax.set_yscale("log")
    for ax in axes:
        ax.set_xlabel("epoch")
        ax.grid(alpha=0.3)
        if ax.lines:
            ax.legend(fontsize=8)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png")
    return path
