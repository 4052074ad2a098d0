#!/usr/bin/env bash
# Runs the policy engine's Go benchmarks COUNT times (default 10) and prints
# the median, fastest and slowest time per operation of each, with its
# allocations. The figures
# in docs/BENCHMARKS.md come from this script.
set -euo pipefail
cd "$(dirname "$0")/.."
count=${COUNT:-10}
pkgs=${PKGS:-./internal/authz/ ./internal/policy/}
out=$(mktemp)
trap 'rm -f "$out"' EXIT
# shellcheck disable=SC2086 # PKGS is a list
go test -run '^$' -bench . -benchmem -count "$count" $pkgs >"$out"
grep '^cpu:' "$out" | head -1
awk -f bench/summary.awk "$out"
