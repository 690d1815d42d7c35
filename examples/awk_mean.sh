#!/usr/bin/env bash
# awk on a tbfs CSV: count, mean and last value of one scalar tag.
#   examples/awk_mean.sh MOUNTPOINT/RUN/scalars/TAG.csv
# Columns are step,wall_time,value; line 1 is the header.
exec awk -F, 'NR > 1 { n++; s += $3; last = $3 }
	END { if (n) printf "%d points, mean %.6g, last %s\n", n, s / n, last }' "$1"
