#!/usr/bin/env bash
# Runs the same S3 load (bench/s3load) against podiam and MinIO, side by
# side on this machine, one after the other in the same run, each on a
# fresh data directory on loopback. MinIO comes from `go install
# github.com/minio/minio@latest` (MINIO names another binary); it is not
# part of CI. Prints each server's figures and its peak RSS during the
# large-stream phase.
#
#   bench/s3compare.sh            # 16 clients, 10 s, 256 MiB, 64 streams of 32 MiB
#   STREAMS=64 STREAM_SIZE=256MiB bench/s3compare.sh
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
. bench/lib.sh
minio=${MINIO:-$(go env GOPATH)/bin/minio}
clients=${CLIENTS:-16}
duration=${DURATION:-10s}
large=${LARGE:-256MiB}
streams=${STREAMS:-64}
stream_size=${STREAM_SIZE:-32MiB}
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
go build -o "$work/podiam" ./cmd/podiam
go build -o "$work/s3load" ./bench/s3load

# peak_rss PID: the highest VmRSS of PID while the file "$work/sampling" exists.
peak_rss() {
	local pid=$1 peak=0 v
	while [ -e "$work/sampling" ]; do
		v=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
		[ "${v:-0}" -gt "$peak" ] && peak=$v
		sleep 0.1
	done
	echo "peak RSS during the streams: $((peak / 1024)) MiB"
}

measure() { # name pid endpoint access secret
	local name=$1 pid=$2 endpoint=$3 access=$4 secret=$5
	echo "== $name"
	"$work/s3load" -endpoint "$endpoint" -access-key "$access" -secret-key "$secret" \
		-clients "$clients" -duration "$duration" -large "$large" -bucket bench-small
	touch "$work/sampling"
	peak_rss "$pid" >"$work/peak" &
	local sampler=$!
	"$work/s3load" -endpoint "$endpoint" -access-key "$access" -secret-key "$secret" \
		-streams "$streams" -large "$stream_size" -bucket bench-streams
	rm -f "$work/sampling"
	wait "$sampler"
	cat "$work/peak"
	echo "RSS after: $(awk '/VmRSS/ {print int($2/1024)" MiB"}' "/proc/$pid/status")"
}


"$work/podiam" server --data "$work/podiam-data" --listen 127.0.0.1:4591 >"$work/podiam.log" 2>&1 &
podiam_pid=$!
wait_port 4591
sleep 0.5
access=$(awk '/aws_access_key_id/ {print $3}' "$work/podiam-data/credentials")
secret=$(awk '/aws_secret_access_key/ {print $3}' "$work/podiam-data/credentials")
measure "podiam" "$podiam_pid" http://127.0.0.1:4591 "$access" "$secret"
kill "$podiam_pid"
wait "$podiam_pid" 2>/dev/null || true
rm -rf "$work/podiam-data"

MINIO_ROOT_USER=benchadmin MINIO_ROOT_PASSWORD=benchadmin-secret \
	"$minio" server "$work/minio-data" --address 127.0.0.1:4592 --console-address 127.0.0.1:4593 >"$work/minio.log" 2>&1 &
minio_pid=$!
wait_port 4592
sleep 1
measure "MinIO ($("$minio" --version | head -1))" "$minio_pid" http://127.0.0.1:4592 benchadmin benchadmin-secret
