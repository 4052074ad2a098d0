#!/usr/bin/env bash
# Compares this tree with a base revision on the same machine in one run,
# interleaved (base, this tree, base, this tree, ...), so that both sides
# see the same noise:
#   - the Go benchmarks of PKGS matching BENCH, ROUNDS runs a side, each
#     summarized as bench/gobench.sh does;
#   - the whole server over loopback: bench/s3load's 4 KiB PUTs and GETs
#     (16 clients, DURATION each) and bench/iamload's GetRole, AssumeRole
#     and GetCallerIdentity with session credentials, ROUNDS runs a side.
#
#   BASE=fa0a4c8 bench/compare.sh
#   BASE=v1 ROUNDS=5 PKGS=./internal/sigv4/ LOOPBACK=0 bench/compare.sh
set -euo pipefail
cd "$(dirname "$0")/.."
base=${BASE:?set BASE to the revision to compare with}
rounds=${ROUNDS:-3}
pkgs=${PKGS:-./internal/sigv4/ ./internal/sts/ ./internal/s3/ ./internal/creds/}
bench=${BENCH:-.}
duration=${DURATION:-5s}
loopback=${LOOPBACK:-1}
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; git worktree remove --force "$work/base" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
git worktree add --detach "$work/base" "$base" >/dev/null 2>&1
here=$PWD
for side in base new; do
	dir=$here
	[ "$side" = base ] && dir=$work/base
	(cd "$dir" && go build -o "$work/$side-podiam" ./cmd/podiam)
done
go build -o "$work/s3load" ./bench/s3load

echo "== Go benchmarks ($pkgs), $rounds interleaved runs a side"
for _ in $(seq "$rounds"); do
	for side in base new; do
		dir=$here
		[ "$side" = base ] && dir=$work/base
		# shellcheck disable=SC2086 # PKGS is a list
		(cd "$dir" && go test -run '^$' -bench "$bench" -benchmem -count 1 $pkgs) >>"$work/$side.bench"
	done
done
for side in base new; do
	echo "-- $side"
	awk -f bench/summary.awk "$work/$side.bench"
done
[ "$loopback" = 1 ] || exit 0

wait_port() {
	for _ in $(seq 100); do
		(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
		sleep 0.1
	done
	echo "nothing listens on $1" >&2
	return 1
}

echo "== S3 over loopback: 4 KiB objects, 16 clients, $duration each, $rounds interleaved runs a side"
for round in $(seq "$rounds"); do
	for side in base new; do
		data=$work/$side-data-$round
		"$work/$side-podiam" server --data "$data" --listen 127.0.0.1:4592 >"$work/$side.log" 2>&1 &
		pid=$!
		wait_port 4592
		key=$(awk '/aws_access_key_id/ {print $3}' "$data/credentials")
		secret=$(awk '/aws_secret_access_key/ {print $3}' "$data/credentials")
		echo "-- $side, run $round"
		"$work/s3load" -endpoint http://127.0.0.1:4592 -access-key "$key" -secret-key "$secret" \
			-clients 16 -duration "$duration" -large 0 -bucket cmp | grep -E 'PUT|GET'
		kill "$pid"
		wait "$pid" 2>/dev/null || true
	done
done

echo "== IAM and STS over loopback (bench/iamload -roles 100 -clients 16 -duration $duration), $rounds interleaved runs a side"
for round in $(seq "$rounds"); do
	for side in base new; do
		dir=$here
		[ "$side" = base ] && dir=$work/base
		echo "-- $side, run $round"
		(cd "$dir" && go run ./bench/iamload -roles 100 -clients 16 -duration "$duration") | grep -E 'GetRole|AssumeRole|GetCallerIdentity'
	done
done
