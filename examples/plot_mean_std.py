#!/usr/bin/python3
"""Mean ± std of a tag across runs (seeds), from compare/…stats.csv.

    examples/plot_mean_std.py MOUNTPOINT/compare/scalars/TAG.stats.csv OUT.png

The stats file has one row per step: step,runs,mean,std,min,max,median.
Draws the mean with a ±1 std band (and the min–max envelope) with
matplotlib (apt-get install python3-matplotlib); without matplotlib it
prints the table instead.
"""
import sys

import pandas as pd


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    stats = pd.read_csv(sys.argv[1])
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print(stats.to_string(index=False))
        return
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.fill_between(stats.step, stats["min"], stats["max"], alpha=0.15,
                    label="min–max")
    std = stats["std"].fillna(0)
    ax.fill_between(stats.step, stats["mean"] - std, stats["mean"] + std,
                    alpha=0.35, label="mean ± std")
    ax.plot(stats.step, stats["mean"], label="mean")
    ax.set_xlabel("step")
    ax.set_title(sys.argv[1].split("/compare/scalars/")[-1])
    ax.legend()
    fig.tight_layout()
    fig.savefig(sys.argv[2], dpi=100)
    print(f"wrote {sys.argv[2]} ({len(stats)} steps, up to "
          f"{int(stats.runs.max())} runs)")


if __name__ == "__main__":
    main()
