# Summarizes `go test -bench` output: for each benchmark, the median,
# fastest and slowest time per operation over its runs, with its
# allocations. Used by bench/gobench.sh and bench/compare.sh.
/^Benchmark/ {
	name = $1; sub(/-[0-9]+$/, "", name)
	for (i = 3; i <= NF; i++) {
		if ($(i+1) == "ns/op") ns[name] = ns[name] " " $i
		if ($(i+1) == "B/op") bytes[name] = $i
		if ($(i+1) == "allocs/op") allocs[name] = $i
	}
	if (!(name in seen)) { seen[name] = 1; order[n++] = name }
}
END {
	printf "%-40s %12s %9s %9s %9s %9s\n", "benchmark", "median ns/op", "min", "max", "B/op", "allocs/op"
	for (k = 0; k < n; k++) {
		name = order[k]
		m = split(substr(ns[name], 2), v, " ")
		for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (v[j] + 0 < v[i] + 0) { t = v[i]; v[i] = v[j]; v[j] = t }
		med = (m % 2) ? v[(m + 1) / 2] : (v[m / 2] + v[m / 2 + 1]) / 2
		printf "%-40s %12.0f %9.0f %9.0f %9s %9s\n", name, med, v[1], v[m], bytes[name], allocs[name]
	}
}
