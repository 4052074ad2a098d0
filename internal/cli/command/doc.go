// Package command owns what every podiam subcommand shares: the [Env] it
// writes through, the usage error that exits with status 2, and flag
// parsing with PODIAM_* environment fallbacks.
package command
