#!/usr/bin/python3
"""Draws an `opsim compare -o` or `opsim sweep -o` file as PNG files:

  compare_<metric>.png   per whole fiscal year: each scenario's mean per region side by side,
                         and each alternative's difference from the base with its P5-P95 range
                         and median (P50)
  sweep_<column>.png     per fiscal year: the mean with the P10-P90 band and the P50 against the
                         first --set value

    /usr/bin/python3 scripts/plot_compare.py results/compare.h5 results/plots

Debian's python3-matplotlib, python3-h5py and python3-numpy only; the layout it reads is in
results/README.md. The output folder is created if needed.
"""

import argparse
import os
import sys

import h5py
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from plot_forecast import amount_formatter, amount_label, attribute  # noqa: E402

from opsim_output import add_force_option, save_figure, use_arguments


def strings(dataset):
    return [v.decode() if isinstance(v, bytes) else str(v) for v in dataset[()]]


def plot_compare(f, out_dir):
    if "labels/periods" not in f or "scenarios/names" not in f:
        sys.exit("plot_compare.py: this comparison has no /labels or /scenarios (written by an older "
                 "opsim); run `opsim compare` again")
    metric = attribute(f, "metric")
    periods, coverage = strings(f["labels/periods"]), strings(f["labels/period_coverage"])
    regions, names = strings(f["labels/regions"]), strings(f["scenarios/names"])
    means = f["scenarios/period_mean"][()]  # [scenario][period][region]
    s = len(strings(f["labels/segments"])) - 1
    years = [p for p, label in enumerate(periods) if "-Q" not in label and not coverage[p]]
    fig, axes = plt.subplots(len(years), 2, figsize=(12, 3.8 * len(years)), squeeze=False)
    x = np.arange(len(regions))
    for row, p in enumerate(years):
        ax = axes[row][0]
        width = 0.8 / len(names)
        for i, name in enumerate(names):
            ax.bar(x + (i - (len(names) - 1) / 2) * width, means[i, p], width, label=name)
        ax.set_xticks(x)
        ax.set_xticklabels(regions)
        ax.yaxis.set_major_formatter(amount_formatter(means[:, p]))
        ax.set_ylabel(amount_label(f"mean {metric}", "", means[:, p]).replace("( ", "("))
        ax.set_title(f"{periods[p]}: mean per scenario")
        ax.legend(fontsize=8)
        ax = axes[row][1]
        for a in range(1, len(names)):
            group = f[f"alternative_{a}"]
            lo, mid, hi = (group[k][p, :, s] for k in ("p5", "p50", "p95"))
            offset = (a - len(names) / 2) * 0.15
            ax.errorbar(x + offset, mid, yerr=[mid - lo, hi - mid], fmt="o", capsize=4,
                        label=f"{names[a]} - {names[0]}: P50, P5-P95")
        ax.axhline(0, color="grey", lw=1)
        ax.set_xticks(x)
        ax.set_xticklabels(regions)
        ax.set_title(f"{periods[p]}: difference from {names[0]} (paired)")
        ax.legend(fontsize=8)
    fig.suptitle(f"{metric}, {attribute(f, 'trials')} trials per scenario, seed {attribute(f, 'seed')}")
    fig.tight_layout()
    path = os.path.join(out_dir, f"compare_{metric}.png")
    save_figure(fig, path, dpi=110)
    plt.close(fig)
    return [path]


def plot_sweep(f, out_dir):
    table, columns = f["sweep"][()], strings(f["columns"])
    currency = attribute(f, "reporting_currency")
    axis = columns[0]
    paths = []
    for c, name in enumerate(columns):
        if not name.endswith("_mean") or c + 3 >= len(columns):
            continue
        stem = name[: -len("_mean")]
        x = table[:, 0]
        mean, p10, p50, p90 = table[:, c], table[:, c + 1], table[:, c + 2], table[:, c + 3]
        fig, ax = plt.subplots(figsize=(7, 4))
        ax.fill_between(x, p10, p90, alpha=0.25, label="P10-P90")
        ax.plot(x, p50, lw=2, label="P50")
        ax.plot(x, mean, ls="--", color="black", lw=1, label="mean")
        ax.set_xlabel(axis)
        ax.yaxis.set_major_formatter(amount_formatter(p90))
        ax.set_ylabel(amount_label(stem, currency, p90))
        ax.set_title(stem.replace("_partial_", " partial: ").replace("_of_", " of "))
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
        fig.tight_layout()
        path = os.path.join(out_dir, f"sweep_{stem}.png")
        save_figure(fig, path, dpi=110)
        plt.close(fig)
        paths.append(path)
    return paths


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("result", help="HDF5 file written by opsim compare -o or opsim sweep -o")
    parser.add_argument("outdir", nargs="?", help="folder for the PNG files (default: RESULT's folder)")
    add_force_option(parser)
    args = parser.parse_args()
    use_arguments(args)
    out_dir = args.outdir or os.path.dirname(os.path.abspath(args.result))
    os.makedirs(out_dir, exist_ok=True)
    try:
        f = h5py.File(args.result, "r")
    except OSError as e:
        sys.exit(f"plot_compare.py: {args.result}: cannot open as HDF5 ({e})")
    with f:
        if "sweep" in f:
            paths = plot_sweep(f, out_dir)
        elif "alternative_1" in f:
            paths = plot_compare(f, out_dir)
        else:
            sys.exit(f"plot_compare.py: {args.result}: neither a comparison nor a sweep")
    for path in paths:
        print(path)


if __name__ == "__main__":
    main()
