#!/usr/bin/env python3
"""Plots an `opsim backtest -o FILE.h5`: per region, the model's forecast fans for the scored
months with the actuals over them, and the PIT histograms of the model and the baselines.

Usage: plot_backtest.py BACKTEST.h5 [-o OUTPUT_DIR] [--kind month|quarter]
Writes OUTPUT_DIR/backtest_fan_REGION.png and OUTPUT_DIR/backtest_pit.png.
"""

import argparse
import os
import sys

import h5py
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from opsim_output import add_force_option, save_figure, use_arguments

METHODS = ("model", "seasonal_naive", "trailing_average")


def strings(dataset):
    return [v.decode() if isinstance(v, bytes) else str(v) for v in dataset[()]]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("backtest")
    parser.add_argument("-o", "--output", default=".")
    parser.add_argument("--kind", default="month", choices=("month", "quarter"))
    add_force_option(parser)
    args = parser.parse_args()
    use_arguments(args)
    if not os.path.isdir(args.output):
        sys.exit(f"{args.output}: not a folder")

    with h5py.File(args.backtest, "r") as f:
        rows = f["rows"]
        region = np.array(strings(rows["region"]))
        kind = np.array(strings(rows["kind"]))
        period = np.array(strings(rows["period"]))
        first = rows["first_offset"][()]
        actual = rows["actual"][()]
        q = rows["model_quantiles"][()]
        levels = list(rows["quantile_levels"][()])
        pit = {m: rows[m]["pit"][()] for m in METHODS}
        available = {m: rows[m]["available"][()] > 0 for m in METHODS}
        crps = {m: rows[m]["crps"][()] for m in METHODS}

    col = {level: levels.index(level) for level in (0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95)}
    # One-step-ahead view: the first forecast period after each origin.
    lead = first == first[kind == args.kind].min() if np.any(kind == args.kind) else first == 1
    for r in sorted(set(region)):
        sel = (region == r) & (kind == args.kind) & lead
        if not np.any(sel):
            continue
        order = np.argsort(period[sel])
        labels = period[sel][order]
        x = np.arange(len(labels))
        qs = q[sel][order]
        fig, ax = plt.subplots(figsize=(max(6, 0.35 * len(x)), 4))
        for lo, hi, alpha in ((0.05, 0.95, 0.15), (0.1, 0.9, 0.25), (0.25, 0.75, 0.4)):
            ax.fill_between(x, qs[:, col[lo]], qs[:, col[hi]], color="tab:blue", alpha=alpha, linewidth=0,
                            label=f"{int(lo * 100)}-{int(hi * 100)}%")
        ax.plot(x, qs[:, col[0.5]], color="tab:blue", label="median")
        ax.plot(x, actual[sel][order], "o", color="black", markersize=4, label="actual")
        ax.set_xticks(x)
        ax.set_xticklabels(labels, rotation=90, fontsize=7)
        ax.set_title(f"{r}: forecast fan vs actuals ({args.kind}, first period after each cut-off)")
        ax.set_ylabel("bookings")
        ax.legend(fontsize=7, loc="upper left")
        fig.tight_layout()
        save_figure(fig, os.path.join(args.output, f"backtest_fan_{r}.png"), dpi=120)
        plt.close(fig)

    fig, axes = plt.subplots(1, len(METHODS), figsize=(4 * len(METHODS), 3.2), sharey=True)
    for ax, m in zip(axes, METHODS):
        sel = (kind == args.kind) & available[m]
        if np.any(sel):
            ax.hist(pit[m][sel], bins=10, range=(0, 1), color="tab:gray", edgecolor="white")
            ax.axhline(sel.sum() / 10, color="tab:red", linewidth=1)
            ax.set_title(f"{m}\nn={sel.sum()}, CRPS={np.mean(crps[m][sel]):.4g}", fontsize=9)
        else:
            ax.set_title(f"{m}\n(not available)", fontsize=9)
        ax.set_xlabel("PIT")
    axes[0].set_ylabel("rows")
    fig.tight_layout()
    save_figure(fig, os.path.join(args.output, "backtest_pit.png"), dpi=120)
    plt.close(fig)
    print(f"wrote plots to {args.output}")


if __name__ == "__main__":
    main()
