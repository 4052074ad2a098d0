#!/usr/bin/env bash
# Runs the same S3 load (bench/s3load) against podiam and MinIO, side by
# side on this machine, ROUNDS times (default 3), alternating which goes
# first, each on a fresh data directory on loopback, and prints every run
# and then, per figure, the median with the fastest and slowest run.
# MinIO comes from `go install github.com/minio/minio@latest` (MINIO names
# another binary, PODIAM a podiam binary; default: built from this tree);
# it is not part of CI. Each run: 16 clients of 4 KiB PUTs then GETs, one
# LARGE object up and down, then STREAMS concurrent streams of STREAM_SIZE
# each way, with the server's peak RSS during the streams. BASE_PODIAM names
# a second podiam binary (an earlier build) to run as "base" in the same
# rounds, for a before/after beside MinIO.
#
#   bench/s3compare.sh
#   ROUNDS=5 STREAMS=64 STREAM_SIZE=256MiB bench/s3compare.sh
#   BASE_PODIAM=/tmp/podiam-before bench/s3compare.sh
#
# VERSIONED=1 adds a run of podiam with versioning on in its buckets
# ("podiamv"); SSE=1 starts MinIO with a static KMS key and gives its
# buckets SSE-S3 default encryption, so that MinIO encrypts at rest as
# podiam does (podiam's buckets are asked for SSE-S3 too, a no-op since
# it encrypts every object).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
. bench/lib.sh
minio=${MINIO:-$HOME/.cache/podiam/bin/minio}
[ -x "$minio" ] || minio=$(go env GOPATH)/bin/minio
rounds=${ROUNDS:-3}
clients=${CLIENTS:-16}
duration=${DURATION:-5s}
large=${LARGE:-256MiB}
streams=${STREAMS:-64}
stream_size=${STREAM_SIZE:-32MiB}
work=$(mktemp -d)
# The servers run in the rounds' subshell: their pids go to a file, for
# the trap to stop them whatever happens.
trap 'kill $(cat "$work/pids" 2>/dev/null) $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
podiam=${PODIAM:-}
base_podiam=${BASE_PODIAM:-}
if [ -z "$podiam" ]; then
	podiam=$work/podiam
	go build -o "$podiam" ./cmd/podiam
fi
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

measure() { # name pid endpoint access secret [s3load flags...]
	local name=$1 pid=$2 endpoint=$3 access=$4 secret=$5
	shift 5
	"$work/s3load" -endpoint "$endpoint" -access-key "$access" -secret-key "$secret" "$@" \
		-clients "$clients" -duration "$duration" -large "$large" -bucket bench-small | sed "s/^/$name | /"
	touch "$work/sampling"
	peak_rss "$pid" >"$work/peak" &
	local sampler=$!
	"$work/s3load" -endpoint "$endpoint" -access-key "$access" -secret-key "$secret" "$@" \
		-streams "$streams" -large "$stream_size" -bucket bench-streams | sed "s/^/$name | /"
	rm -f "$work/sampling"
	wait "$sampler"
	sed "s/^/$name | /" "$work/peak"
}

run_podiam() { # name binary [s3load flags...]
	local name=$1 bin=$2
	shift 2
	"$bin" server --data "$work/podiam-data" --listen 127.0.0.1:4591 >"$work/podiam.log" 2>&1 &
	local pid=$!
	echo "$pid" >>"$work/pids"
	# A build from before /readyz existed opened its data directory
	# before it bound its port.
	if [ "$name" = base ]; then wait_port 4591; else wait_ready http://127.0.0.1:4591; fi
	measure "$name" "$pid" http://127.0.0.1:4591 \
		"$(awk '/aws_access_key_id/ {print $3}' "$work/podiam-data/credentials")" \
		"$(awk '/aws_secret_access_key/ {print $3}' "$work/podiam-data/credentials")" "$@"
	kill "$pid"
	wait "$pid" 2>/dev/null || true
	rm -rf "$work/podiam-data"
}

sse_flags=()
minio_env=()
if [ "${SSE:-0}" = 1 ]; then
	sse_flags=(-sse)
	minio_env=("MINIO_KMS_SECRET_KEY=bench-key:$(head -c 32 /dev/urandom | base64)")
fi

run_minio() {
	env "${minio_env[@]}" MINIO_ROOT_USER=benchadmin MINIO_ROOT_PASSWORD=benchadmin-secret \
		"$minio" server "$work/minio-data" --address 127.0.0.1:4592 --console-address 127.0.0.1:4593 >"$work/minio.log" 2>&1 &
	local pid=$!
	echo "$pid" >>"$work/pids"
	wait_port 4592
	sleep 1
	measure minio "$pid" http://127.0.0.1:4592 benchadmin benchadmin-secret "${sse_flags[@]}"
	kill "$pid"
	wait "$pid" 2>/dev/null || true
	rm -rf "$work/minio-data"
}

echo "MinIO: $("$minio" --version | head -1)"
for round in $(seq "$rounds"); do
	echo "== run $round"
	if [ $((round % 2)) = 1 ]; then
		[ -z "$base_podiam" ] || run_podiam base "$base_podiam"
		run_podiam podiam "$podiam" "${sse_flags[@]}"
		[ "${VERSIONED:-0}" != 1 ] || run_podiam podiamv "$podiam" -versioning "${sse_flags[@]}"
		run_minio
	else
		run_minio
		[ "${VERSIONED:-0}" != 1 ] || run_podiam podiamv "$podiam" -versioning "${sse_flags[@]}"
		run_podiam podiam "$podiam" "${sse_flags[@]}"
		[ -z "$base_podiam" ] || run_podiam base "$base_podiam"
	fi
done | tee "$work/runs"

# One line per server and figure: the median, fastest and slowest run.
echo "== medians of $rounds runs (fastest-slowest)"
awk -F' [|] ' '
/^(base|podiam|podiamv|minio) \| / {
	srv = $1; line = $2; val = ""; fig = ""
	if (match(line, /^(PUT|GET) [0-9]+ B, [0-9]+ clients/)) { fig = substr(line, 1, 3) " small ops/s"; split(line, f, ", "); for (i in f) if (f[i] ~ / req\/s$/) { val = f[i]; sub(/ req\/s/, "", val) } }
	else if (match(line, /MB\/s/)) { fig = line; sub(/:.*/, "", fig); val = line; sub(/^.*: /, "", val); sub(/ MB\/s.*/, "", val) }
	else if (line ~ /^peak RSS/) { fig = "peak RSS MiB"; val = line; sub(/^.*: /, "", val); sub(/ MiB/, "", val) }
	if (fig == "") next
	key = srv SUBSEP fig
	vals[key] = vals[key] " " val
	if (!(fig in seen)) { seen[fig] = 1; order[n++] = fig }
}
function med(s,   a, m, i, j, t) {
	m = split(substr(s, 2), a, " ")
	for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
	return sprintf("%s (%s-%s)", (m % 2) ? a[(m + 1) / 2] : (a[m / 2] + a[m / 2 + 1]) / 2, a[1], a[m])
}
END {
	for (k = 0; k < n; k++) {
		fig = order[k]
		base = ((("base" SUBSEP fig) in vals) ? sprintf("base %-26s ", med(vals["base" SUBSEP fig])) : "")
		ver = ((("podiamv" SUBSEP fig) in vals) ? sprintf("podiamv %-26s ", med(vals["podiamv" SUBSEP fig])) : "")
		printf "%-40s %spodiam %-26s %sminio %s\n", fig, base, med(vals["podiam" SUBSEP fig]), ver, med(vals["minio" SUBSEP fig])
	}
}' "$work/runs"
