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
