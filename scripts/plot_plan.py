#!/usr/bin/env python3
"""Draws the result of `opsim quotas`: the attainment histogram of seat-trials, each seat's
probability of reaching quota (fairness), quota against mean bookings per seat, and, with a
compensation plan, the distribution of total cost of sales with the budget.

    /usr/bin/python3 scripts/plot_plan.py quotas.h5 --out plots/
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


def strings(dataset):
    return [v.decode() if isinstance(v, bytes) else str(v) for v in dataset[:]]


def save(fig, out, name, written):
    path = os.path.join(out, name)
    save_figure(fig, path, dpi=120, bbox_inches="tight")
    plt.close(fig)
    written.append(path)


def plot(f, out):
    written = []
    seats = f["quotas/seats"]
    method = f["quotas"].attrs.get("method", b"")
    method = method.decode() if isinstance(method, bytes) else str(method)
    organisation = f["quotas/organisation"]
    year = int(organisation["fiscal_year"][0])
    share = float(organisation["expected_share_at_quota"][0])

    histogram = f["quotas/attainment_histogram"]
    edges = histogram["attainment_from"][:]
    fig, ax = plt.subplots(figsize=(8, 4.5))
    width = edges[1] - edges[0] if len(edges) > 1 else 0.1
    ax.bar(100 * edges, histogram["share"][:], width=100 * width, align="edge", color="#4472c4")
    ax.axvline(100, color="black", linestyle="--", linewidth=1)
    ax.set_xlabel("attainment, % of quota (last bin open-ended)")
    ax.set_ylabel("share of seat-trials")
    ax.set_title(f"FY{year} attainment, {method} quotas: {100 * share:.1f}% of seats at or above quota")
    save(fig, out, "attainment_histogram.png", written)

    probability = seats["p_reach_quota"][:]
    has_quota = np.isfinite(probability)
    if "seat_class" in seats:  # the fairness figures are the sellers' (overlay seats aside)
        sellers = np.array([c.decode() == "sellers" for c in seats["seat_class"][()]])
        has_quota &= sellers
    fig, ax = plt.subplots(figsize=(8, 4.5))
    ax.hist(probability[has_quota], bins=np.linspace(0, 1, 41), color="#70ad47")
    ax.set_xlabel("probability that the seat reaches its quota")
    ax.set_ylabel("seats")
    sd = float(organisation["probability_sd"][0])
    gini = float(organisation["gini_expected_attainment"][0])
    ax.set_title(f"Fairness: sd of P(quota) {sd:.3f}, Gini of expected attainment {gini:.3f}")
    save(fig, out, "seat_probability.png", written)

    quota, mean = seats["quota"][:], seats["mean"][:]
    p10, p90 = seats["p10"][:], seats["p90"][:]
    regions = strings(seats["region"])
    fig, ax = plt.subplots(figsize=(7, 7))
    for region in sorted(set(regions)):
        pick = np.array([r == region for r in regions]) & has_quota
        ax.errorbar(quota[pick], mean[pick], yerr=[mean[pick] - p10[pick], p90[pick] - mean[pick]],
                    fmt="o", markersize=3, elinewidth=0.5, label=region)
    top = max(np.nanmax(quota[has_quota]), np.nanmax(p90[has_quota])) if has_quota.any() else 1
    ax.plot([0, top], [0, top], color="black", linewidth=0.8, linestyle="--")
    ax.set_xlabel("quota")
    ax.set_ylabel("bookings: mean, P10 to P90")
    ax.set_title(f"FY{year} quota against simulated bookings per seat")
    ax.legend(fontsize=8)
    save(fig, out, "quota_vs_bookings.png", written)

    if "compensation" in f and "trial_total_cost" in f["compensation"]:
        comp = f["compensation"]
        cost = comp["trial_total_cost"][:]
        rows = strings(comp["quantity"])
        budget = float(comp["mean"][rows.index("budget")]) if "budget" in rows else float("nan")
        fig, ax = plt.subplots(figsize=(8, 4.5))
        ax.hist(cost, bins=50, color="#ed7d31")
        title = "total cost of sales per trial (incl. base pay)"
        if np.isfinite(budget):
            ax.axvline(budget, color="black", linestyle="--", linewidth=1, label="budget")
            ax.legend()
            title += f": P(cost > budget) {np.mean(cost > budget):.2f}"
        ax.set_xlabel("cost")
        ax.set_ylabel("trials")
        ax.set_title(title)
        save(fig, out, "compensation_cost.png", written)
    return written


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("quotas", help="HDF5 file written by opsim quotas -o")
    parser.add_argument("--out", default=".", help="folder for the PNG files")
    add_force_option(parser)
    args = parser.parse_args()
    use_arguments(args)
    try:
        f = h5py.File(args.quotas, "r")
    except OSError as error:
        print(f"plot_plan: {args.quotas}: cannot open as HDF5 ({error})", file=sys.stderr)
        return 2
    with f:
        if "quotas/seats" not in f:
            print(f"plot_plan: {args.quotas}: not a quotas result (no /quotas/seats)", file=sys.stderr)
            return 2
        os.makedirs(args.out, exist_ok=True)
        for path in plot(f, args.out):
            print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
