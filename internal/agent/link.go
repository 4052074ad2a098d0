package agent

import (
	"context"
	"fmt"
	"log/slog"
	"os/exec"
	"strings"
)

// LinkName is the dummy link that carries the link-local addresses, as
// AWS's agent's init container names it.
const LinkName = "pod-id-link0"

// Runner runs a command and returns its combined output.
type Runner func(ctx context.Context, name string, args ...string) ([]byte, error)

// Exec runs commands with os/exec.
func Exec(ctx context.Context, name string, args ...string) ([]byte, error) {
	return exec.CommandContext(ctx, name, args...).CombinedOutput()
}

// Init makes the dummy link LinkName (unless it exists), brings it up and
// puts HostIPv4/32 and HostIPv6/128 on it with iproute2's ip. It can be
// run again. The IPv4 address is required; the IPv6 one is only logged
// when it fails (a node without IPv6).
func Init(ctx context.Context, run Runner, log *slog.Logger) error {
	ip := func(args ...string) error {
		out, err := run(ctx, "ip", args...)
		if err != nil {
			return fmt.Errorf("ip %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
		}
		return nil
	}
	if ip("link", "show", "dev", LinkName) != nil {
		if err := ip("link", "add", LinkName, "type", "dummy"); err != nil {
			return err
		}
	}
	if err := ip("link", "set", "dev", LinkName, "up"); err != nil {
		return err
	}
	if err := ip("-4", "addr", "replace", HostIPv4+"/32", "dev", LinkName); err != nil {
		return err
	}
	if err := ip("-6", "addr", "replace", HostIPv6+"/128", "dev", LinkName); err != nil {
		log.Warn("IPv6 address not added", "err", err)
	}
	return nil
}
