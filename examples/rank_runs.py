#!/usr/bin/python3
"""Rank runs by a metric, with their hyperparameters: the "which variant
did best" table, straight from a tbfs mount.

    examples/rank_runs.py MOUNTPOINT [COLUMN] [--min]

COLUMN is any column of MOUNTPOINT/runs.csv, typically `<tag>/last`,
`<tag>/max` or `<tag>/min` (default: the first `*/max` column). Runs without
that metric are left out. Prints the ranking with every `hparam/...` column.
Uses Debian's python3 (apt-get install python3-pandas).
"""
import sys

import pandas as pd


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    if not args:
        sys.exit(__doc__)
    runs = pd.read_csv(f"{args[0]}/runs.csv")
    metric = args[1] if len(args) > 1 else next(
        c for c in runs.columns if c.endswith("/max"))
    hparams = [c for c in runs.columns if c.startswith("hparam/")]
    best = runs.dropna(subset=[metric]).sort_values(
        metric, ascending="--min" in sys.argv)
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(best[["run", metric] + hparams].to_string(index=False))


if __name__ == "__main__":
    main()
