#!/usr/bin/env python3
"""Draws an alignment written by `opsim territories`: accounts coloured by territory, centres
marked with crosses, accounts moved away from their current owner circled.

    scripts/plot_territories.py results/alignment.h5 -o alignment.png
"""
import argparse
import sys

import h5py
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from opsim_output import add_force_option, save_figure, use_arguments


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("alignment", help="HDF5 file written by opsim territories")
    parser.add_argument("-o", "--output", default="alignment.png", help="PNG to write")
    parser.add_argument("--dpi", type=int, default=150)
    add_force_option(parser)
    args = parser.parse_args()
    use_arguments(args)
    try:
        f = h5py.File(args.alignment, "r")
    except OSError as error:
        print(f"plot_territories: {args.alignment}: {error}", file=sys.stderr)
        return 2
    with f:
        x = f["accounts/x"][:]
        y = f["accounts/y"][:]
        territory = f["accounts/territory"][:]
        moved = f["accounts/moved"][:].astype(bool)
        centre = f["territories/centre"][:]
        report = dict(f["report"].attrs)
    p = len(centre)
    fig, ax = plt.subplots(figsize=(8, 8))
    cmap = plt.get_cmap("tab20", max(p, 1))
    size = max(2.0, 30.0 / np.sqrt(max(len(x), 1) / 100.0))
    ax.scatter(x, y, c=territory % 20, cmap=cmap, s=size, linewidths=0)
    if moved.any():
        ax.scatter(x[moved], y[moved], s=size * 4, facecolors="none", edgecolors="red",
                   linewidths=0.6, label="moved")
    used = centre[centre >= 0]
    if used.size:
        ax.scatter(x[used], y[used], marker="x", c="black", s=size * 3, label="centre")
    kind = report.get("objective_kind", b"")
    kind = kind.decode() if isinstance(kind, bytes) else str(kind)
    ax.set_title(f"{p} territories, {kind} {report.get('objective', float('nan')):.4g}, "
                 f"feasible={'yes' if report.get('feasible', 0) else 'no'}")
    ax.set_aspect("equal", adjustable="datalim")
    if ax.get_legend_handles_labels()[0]:
        ax.legend(loc="best", fontsize="small")
    fig.tight_layout()
    save_figure(fig, args.output, dpi=args.dpi)
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
