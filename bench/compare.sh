#!/usr/bin/env bash
# Compares this tree with a base revision on the same machine in one run,
# interleaved and in alternating order (base then this tree, this tree then
# base, ...), so that both sides see the same noise and neither always runs
# in the wake of the other (the disk still writing back its PUTs, say):
#   - the Go benchmarks of PKGS matching BENCH, ROUNDS runs a side, each
#     summarized as bench/gobench.sh does;
#   - the whole server over loopback: bench/s3load's 4 KiB PUTs and GETs
#     (16 clients, DURATION each) and bench/iamload's GetRole, AssumeRole
#     and GetCallerIdentity with session credentials, ROUNDS runs a side.
#
# GOBENCH=0, S3LOAD=0 or IAMLOAD=0 leaves a part out.
#
#   BASE=fa0a4c8 bench/compare.sh
#   BASE=v1 ROUNDS=5 PKGS=./internal/sigv4/ S3LOAD=0 IAMLOAD=0 bench/compare.sh
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
. bench/lib.sh
base=${BASE:?set BASE to the revision to compare with}
rounds=${ROUNDS:-3}
pkgs=${PKGS:-./internal/sigv4/ ./internal/sts/ ./internal/s3/ ./internal/creds/}
bench=${BENCH:-.}
duration=${DURATION:-5s}
gobench=${GOBENCH:-1}
s3load=${S3LOAD:-1}
iamload=${IAMLOAD:-1}
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

[ "$gobench" = 1 ] && echo "== Go benchmarks ($pkgs), $rounds interleaved runs a side"
# order N: the two sides in the order of round N.
order() { if [ $(($1 % 2)) = 1 ]; then echo base new; else echo new base; fi; }

for round in $(seq "$rounds"); do
	[ "$gobench" = 1 ] || break
	for side in $(order "$round"); do
		dir=$here
		[ "$side" = base ] && dir=$work/base
		# shellcheck disable=SC2086 # PKGS is a list
		(cd "$dir" && go test -run '^$' -bench "$bench" -benchmem -count 1 $pkgs) >>"$work/$side.bench"
	done
done
for side in base new; do
	[ "$gobench" = 1 ] || break
	echo "-- $side"
	awk -f bench/summary.awk "$work/$side.bench"
done


[ "$s3load" = 1 ] && echo "== S3 over loopback: 4 KiB objects, 16 clients, $duration each, $rounds interleaved runs a side"
for round in $(seq "$rounds"); do
	[ "$s3load" = 1 ] || break
	for side in $(order "$round"); do
		data=$work/$side-data-$round
		"$work/$side-podiam" server --data "$data" --listen 127.0.0.1:4592 >"$work/$side.log" 2>&1 &
		pid=$!
		wait_ready http://127.0.0.1:4592
		key=$(awk '/aws_access_key_id/ {print $3}' "$data/credentials")
		secret=$(awk '/aws_secret_access_key/ {print $3}' "$data/credentials")
		echo "-- $side, run $round"
		"$work/s3load" -endpoint http://127.0.0.1:4592 -access-key "$key" -secret-key "$secret" \
			-clients 16 -duration "$duration" -large 0 -bucket cmp | grep -E 'PUT|GET'
		kill "$pid"
		wait "$pid" 2>/dev/null || true
	done
done

[ "$iamload" = 1 ] && echo "== IAM and STS over loopback (bench/iamload -roles 100 -clients 16 -duration $duration), $rounds interleaved runs a side"
for round in $(seq "$rounds"); do
	[ "$iamload" = 1 ] || break
	for side in $(order "$round"); do
		dir=$here
		[ "$side" = base ] && dir=$work/base
		echo "-- $side, run $round"
		(cd "$dir" && go run ./bench/iamload -roles 100 -clients 16 -duration "$duration") | grep -E 'GetRole|AssumeRole|GetCallerIdentity'
	done
done
