# Shell helpers the bench/ scripts share (sourced, not run).

# wait_port PORT: wait (up to 10 s) until something listens on 127.0.0.1:PORT.
wait_port() {
	for _ in $(seq 100); do
		(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
		sleep 0.1
	done
	echo "nothing listens on $1" >&2
	return 1
}

# wait_ready URL: wait (up to 30 s) until URL/readyz answers 200: a podiam
# server has bound its port before it has opened its data directory.
wait_ready() {
	for _ in $(seq 300); do
		curl -fs -o /dev/null "$1/readyz" && return 0
		sleep 0.1
	done
	echo "$1 is not ready" >&2
	return 1
}
