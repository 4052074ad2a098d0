package cli

import (
	"github.com/podiam/podiam/internal/cli/command"
)

// Env is what a command reads and writes; tests capture it.
type Env = command.Env
