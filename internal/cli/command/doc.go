// Package command owns what every podiam subcommand shares: the [Env] it
// writes through, the usage error that exits with status 2, running a
// cobra command tree with flags anywhere and PODIAM_* environment
// fallbacks ([Execute], [FromEnv]), and the shape of a command that only
// groups others ([Group]).
package command
