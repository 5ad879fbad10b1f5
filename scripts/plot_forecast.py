#!/usr/bin/python3
"""Draws an opsim result (HDF5 written by `opsim run -o`) as PNG files:

  fan_<metric>.png            monthly <metric> per region: P10-P90 and P25-P75 bands and the
                              median (P50) for new_bookings (kept by default) or when the run kept
                              its monthly trials (--keep-trials), else mean +/- 1.28 SD
  histogram_<FY>_<metric>.png fiscal-year <metric> per region and in total, across trials, with
                              the targets of that fiscal year and the probability of reaching them

    /usr/bin/python3 scripts/plot_forecast.py results/global_saas.h5 results/plots

Debian's python3-matplotlib, python3-h5py and python3-numpy only; the layout it reads is
documented in results/README.md. The output folder is created if needed; axes carry the
currency and scale ("new_bookings (USD M)"); partial fiscal years say which months they cover.
`opsim report` draws the same for people in one HTML page; this script stays for automation.
"""

import argparse
import os
import sys

import h5py
import matplotlib

matplotlib.use("Agg")  # files only, no display needed
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402

from opsim_output import add_force_option, save_figure, use_arguments

# Metrics to which the fiscal periods add the bookings closed before the horizon (sim/engine/results.cpp).
METRICS_WITH_ACTUALS = ("new_bookings", "new_bookings_spot", "bookings_spot")


def labels(f, name):
    return [v.decode() if isinstance(v, bytes) else str(v) for v in f["labels/" + name][()]]


def attribute(f, name, default=""):
    value = f.attrs.get(name, default)
    return value.decode() if isinstance(value, bytes) else str(value)


def amount_scale(values):
    """(scale, suffix) for the largest value drawn: (1e6, "M") for tens of millions."""
    top = float(np.nanmax(np.abs(values))) if np.size(values) else 0.0
    return next(((s, x) for s, x in ((1e9, "bn"), (1e6, "M"), (1e3, "k")) if top >= s), (1.0, ""))


def amount_formatter(values):
    """Tick labels in the scale of amount_scale, without the suffix (the axis label has it)."""
    scale, suffix = amount_scale(values)
    return FuncFormatter(lambda v, _: f"{v / scale:,.1f}" if suffix else f"{v:,.0f}")


def amount_label(what, currency, values):
    """Axis label with the currency and the scale: "new_bookings (USD M)"."""
    _, suffix = amount_scale(values)
    return f"{what} ({currency}{' ' + suffix if suffix else ''})"


def period_labels(f):
    """Period labels with their coverage when partial: "FY2029 partial: 2 of 12 months (...)"."""
    periods = labels(f, "periods")
    if "labels/period_coverage" not in f:
        return periods
    coverage = labels(f, "period_coverage")
    return [p if not c else f"{p} {c}" for p, c in zip(periods, coverage)]


def grid(count):
    columns = min(3, count)
    rows = (count + columns - 1) // columns
    fig, axes = plt.subplots(rows, columns, figsize=(5.2 * columns, 3.6 * rows), squeeze=False)
    for ax in axes.flat[count:]:
        ax.set_visible(False)
    return fig, list(axes.flat[:count])


def fan_chart(f, metric, out_dir):
    months, regions, segments = labels(f, "months"), labels(f, "regions"), labels(f, "segments")
    k = labels(f, "metrics").index(metric)
    s = segments.index("total")
    currency = attribute(f, "reporting_currency")
    monthly = f["summary/monthly"]
    mean = monthly["mean"][:, :, s, k]
    headline = metric == "new_bookings" and "new_bookings_quantiles" in monthly
    exact = "quantiles" in monthly or headline
    if headline:  # kept by default: monthly new bookings per region, all segments
        levels = list(np.round(f["labels/quantile_levels"][()], 4))
        q = monthly["new_bookings_quantiles"][()]
        band = {p: q[:, :, levels.index(p)] for p in (0.10, 0.25, 0.50, 0.75, 0.90)}
    elif exact:
        levels = list(np.round(f["labels/quantile_levels"][()], 4))
        q = monthly["quantiles"][:, :, s, k, :]
        band = {p: q[:, :, levels.index(p)] for p in (0.10, 0.25, 0.50, 0.75, 0.90)}
    else:
        sd = monthly["sd"][:, :, s, k]
        band = {0.10: mean - 1.28 * sd, 0.90: mean + 1.28 * sd}

    x = np.arange(len(months))
    step = max(1, len(months) // 8)
    fig, axes = grid(len(regions))
    for r, ax in enumerate(axes):
        ax.fill_between(x, band[0.10][:, r], band[0.90][:, r], color="tab:blue", alpha=0.18,
                        label="P10-P90" if exact else "mean ± 1.28 SD")
        if exact:
            ax.fill_between(x, band[0.25][:, r], band[0.75][:, r], color="tab:blue", alpha=0.35, label="P25-P75")
            ax.plot(x, band[0.50][:, r], color="tab:blue", lw=1.8, label="median (P50)")
        ax.plot(x, mean[:, r], color="black", lw=1, ls="--", label="mean")
        ax.set_title(regions[r])
        ax.set_xticks(x[::step])
        ax.set_xticklabels(months[::step], rotation=45, ha="right", fontsize=8)
        ax.yaxis.set_major_formatter(amount_formatter(band[0.90][:, r]))
        ax.set_ylabel(amount_label(metric, currency, band[0.90][:, r]), fontsize=8)
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=8, loc="upper left")
    note = "" if exact else "\nno monthly trials kept (run with --keep-trials for exact quantiles): band = mean ± 1.28 SD"
    fig.suptitle(f"Monthly {metric} by region, {currency} at plan rates, {f.attrs['trials']} trials{note}")
    fig.tight_layout()
    path = os.path.join(out_dir, f"fan_{metric}.png")
    save_figure(fig, path, dpi=110)
    plt.close(fig)
    return path


def targets_by_period(f):
    """{(metric, period, region, segment): (amount, probability, standard error)}"""
    if "summary/targets" not in f:
        return {}
    t = f["summary/targets"]
    text = {name: [v.decode() if isinstance(v, bytes) else str(v) for v in t[name][()]]
            for name in ("metric", "period", "region", "segment")}
    return {(text["metric"][i], text["period"][i], text["region"][i], text["segment"][i]):
            (t["amount"][i], t["probability"][i], t["standard_error"][i]) for i in range(len(text["metric"]))}


def histograms(f, metric, out_dir):
    periods, regions, segments = labels(f, "periods"), labels(f, "regions"), labels(f, "segments")
    shown = period_labels(f)
    k = labels(f, "metrics").index(metric)
    s = segments.index("total")
    currency = attribute(f, "reporting_currency")
    targets = targets_by_period(f)
    paths = []
    for p, period in enumerate(periods):
        if "-Q" in period:
            continue  # fiscal years only
        values = f["trials/periods"][:, p, :, s, k]  # [trial, region]
        fig, axes = grid(len(regions))
        for r, ax in enumerate(axes):
            column = values[:, r]
            ax.hist(column, bins=min(60, max(10, len(column) // 40)), color="tab:green", alpha=0.75)
            ax.axvline(column.mean(), color="black", ls="--", lw=1, label=f"mean {column.mean():,.0f}")
            median = float(np.median(column))
            ax.axvline(median, color="tab:blue", lw=1.5, label=f"P50 {median:,.0f}")
            target = targets.get((metric, period, regions[r], "total"))
            if target is not None:
                amount, probability, se = target
                ax.axvline(amount, color="tab:red", lw=2,
                           label=f"target {amount:,.0f}\nP(reach) {100 * probability:.1f}% ± {100 * se:.1f}")
            ax.set_title(regions[r])
            ax.xaxis.set_major_formatter(amount_formatter(column))
            ax.set_xlabel(amount_label(metric, currency, column), fontsize=8)
            ax.tick_params(axis="x", labelsize=8)
            ax.set_ylabel("trials")
            ax.legend(fontsize=7, loc="upper right")
        actuals = " (actuals to date included)" if metric in METRICS_WITH_ACTUALS else ""
        fig.suptitle(f"{shown[p]} {metric}{actuals}, {currency} at plan rates, {values.shape[0]} trials")
        fig.tight_layout()
        path = os.path.join(out_dir, f"histogram_{period}_{metric}.png")
        save_figure(fig, path, dpi=110)
        plt.close(fig)
        paths.append(path)
    return paths


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("result", help="HDF5 file written by opsim run -o")
    parser.add_argument("outdir", nargs="?", help="folder for the PNG files (default: RESULT's folder)")
    parser.add_argument("--out", help="the same as OUTDIR")
    parser.add_argument("--metric", default="new_bookings", help="metric to draw (default new_bookings)")
    add_force_option(parser)
    args = parser.parse_args()
    use_arguments(args)
    out_dir = args.out or args.outdir or os.path.dirname(os.path.abspath(args.result))
    os.makedirs(out_dir, exist_ok=True)
    try:
        f = h5py.File(args.result, "r")
    except OSError as e:
        sys.exit(f"plot_forecast.py: {args.result}: cannot open as HDF5 ({e})")
    with f:
        if "summary" not in f:
            sys.exit(f"plot_forecast.py: {args.result}: no /summary group (a shard? merge it with `opsim merge`)")
        if args.metric not in labels(f, "metrics"):
            sys.exit(f"plot_forecast.py: unknown metric {args.metric!r} (known: {', '.join(labels(f, 'metrics'))})")
        for path in [fan_chart(f, args.metric, out_dir)] + histograms(f, args.metric, out_dir):
            print(path)


if __name__ == "__main__":
    main()
