package agenttest

import (
	"os"
	"os/exec"
	"regexp"
	"testing"
)

// marker is set in the environment of the re-executed test binary to the
// name of the test it runs inside the namespace.
const marker = "PODIAM_AGENTTEST_NETNS"

// InNetNS runs the calling top-level test again inside a new network
// namespace with lo up and 169.254.170.23/32 and fd00:ec2::23/128 on it.
// It returns true in that run (the caller goes on with the test's body)
// and false in the outer run, after the inner run's output has been
// logged and its failure reported. It skips without root, unshare or ip,
// unless PODIAM_REQUIRE_K8S or PODIAM_REQUIRE_CLIENTS is set (as `make
// test` sets them): then it fails.
func InNetNS(t *testing.T) bool {
	t.Helper()
	if os.Getenv(marker) == t.Name() {
		return true
	}
	var missing string
	switch {
	case os.Geteuid() != 0:
		missing = "root"
	default:
		for _, bin := range []string{"unshare", "ip"} {
			if _, err := exec.LookPath(bin); err != nil {
				missing = bin
			}
		}
	}
	if missing != "" {
		if os.Getenv("PODIAM_REQUIRE_K8S") != "" || os.Getenv("PODIAM_REQUIRE_CLIENTS") != "" {
			t.Fatalf("a network namespace needs %s, and PODIAM_REQUIRE_K8S or PODIAM_REQUIRE_CLIENTS is set", missing)
		}
		t.Skipf("a network namespace needs %s", missing)
	}
	script := `ip link set lo up && ip addr add 169.254.170.23/32 dev lo && ip -6 addr add fd00:ec2::23/128 dev lo && exec "$0" "$@"`
	cmd := exec.CommandContext(t.Context(), "unshare", "-n", "--", "sh", "-c", script,
		os.Args[0], "-test.run=^"+regexp.QuoteMeta(t.Name())+"$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), marker+"="+t.Name())
	out, err := cmd.CombinedOutput()
	t.Logf("inside the network namespace:\n%s", out)
	if err != nil {
		t.Fatalf("the test failed inside its network namespace: %v", err)
	}
	return false
}
