#!/bin/sh
# Builds kube-apiserver, kube-controller-manager, etcd and kubectl from the
# Go module proxy, once, into a cache outside the clone, and prints the
# directory that holds them. A cold build takes 11-13 minutes on two
# cores; kubectl's own packages add 50 s of CPU to it (2m20s of wall
# time on a busy shared machine). A warm build relinks in seconds; with
# the binaries present it returns at once. A cache missing some of them
# (one made before kubectl was added) builds only those. Override the
# cache with OUT=dir.
set -eu
cd "$(dirname "$0")"
K8S=v1.33.13
OUT=${OUT:-${XDG_CACHE_HOME:-$HOME/.cache}/podiam/k8s-test-bins/$K8S-$(go env GOVERSION)}
missing= pkgs=
for b in kube-apiserver:k8s.io/kubernetes/cmd/kube-apiserver \
	kube-controller-manager:k8s.io/kubernetes/cmd/kube-controller-manager \
	etcd:go.etcd.io/etcd/server/v3 \
	kubectl:k8s.io/kubernetes/cmd/kubectl; do
	if [ ! -x "$OUT/${b%%:*}" ]; then
		missing="$missing ${b%%:*}"
		pkgs="$pkgs ${b#*:}"
	fi
done
if [ -z "$missing" ]; then
	echo "$OUT"
	exit 0
fi
rm -rf "$OUT.tmp"
mkdir -p "$OUT.tmp" "$OUT"
V="-X k8s.io/component-base/version.gitVersion=$K8S -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=33"
echo "building$missing $K8S into $OUT (11-13 minutes when cold)" >&2
# shellcheck disable=SC2086 # pkgs is a list of words
CGO_ENABLED=0 go build -trimpath -ldflags "-s -w $V" -o "$OUT.tmp/" $pkgs >&2
for n in server v3; do
	if [ -e "$OUT.tmp/$n" ]; then mv "$OUT.tmp/$n" "$OUT.tmp/etcd"; fi
done
# Each binary is renamed into place whole: a reader never sees half of one.
for b in $missing; do
	mv "$OUT.tmp/$b" "$OUT/$b"
done
rm -rf "$OUT.tmp"
echo "$OUT"
