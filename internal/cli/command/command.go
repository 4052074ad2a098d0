package command

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// Env is what a command reads and writes, injected so tests capture it.
type Env struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	// Getenv reads the environment; nil reads nothing.
	Getenv func(string) string
}

// Command is one subcommand.
type Command struct {
	Name    string
	Summary string
	Run     func(ctx context.Context, env Env, args []string) error
}

// UsageError is bad input: the command prints it and exits with status 2.
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

// Usagef builds a UsageError.
func Usagef(format string, args ...any) error {
	return &UsageError{Msg: fmt.Sprintf(format, args...)}
}

// ErrHelp reports that help was asked for and printed.
var ErrHelp = flag.ErrHelp

// Parse parses args into fs and then fills every flag not given on the
// command line from PODIAM_<NAME> (upper case, '-' as '_'). A repeatable
// flag takes a comma-separated list from the environment.
func Parse(fs *flag.FlagSet, env Env, args []string) error {
	fs.SetOutput(env.Stderr)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return ErrHelp
		}
		return &UsageError{Msg: err.Error()}
	}
	if env.Getenv == nil {
		return nil
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		if set[f.Name] || err != nil {
			return
		}
		name := EnvName(f.Name)
		v := env.Getenv(name)
		if v == "" {
			return
		}
		vals := []string{v}
		if _, multi := f.Value.(interface{ Repeatable() }); multi {
			vals = strings.Split(v, ",")
		}
		for _, one := range vals {
			if e := f.Value.Set(one); e != nil {
				err = &UsageError{Msg: fmt.Sprintf("%s: %v", name, e)}
				return
			}
		}
	})
	return err
}

// EnvName is the environment variable that backs a flag.
func EnvName(flagName string) string {
	return "PODIAM_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// Strings is a repeatable string flag.
type Strings []string

func (s *Strings) String() string { return strings.Join(*s, ",") }

// Set appends a value.
func (s *Strings) Set(v string) error {
	*s = append(*s, v)
	return nil
}

// Repeatable marks the flag as taking a list from the environment.
func (s *Strings) Repeatable() {}

// Dispatch runs the subcommand named by args[0] among cmds.
func Dispatch(ctx context.Context, env Env, prog string, cmds []Command, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		PrintUsage(env.Stdout, prog, cmds)
		if len(args) == 0 {
			return Usagef("%sa subcommand is required", errPrefix(prog))
		}
		return nil
	}
	for _, c := range cmds {
		if c.Name == args[0] {
			return c.Run(ctx, env, args[1:])
		}
	}
	PrintUsage(env.Stderr, prog, cmds)
	return Usagef("%sunknown subcommand %q", errPrefix(prog), args[0])
}

// errPrefix names a nested command in its errors; Main adds "podiam: ".
func errPrefix(prog string) string {
	_, rest, ok := strings.Cut(prog, " ")
	if !ok {
		return ""
	}
	return rest + ": "
}

// PrintUsage lists the subcommands.
func PrintUsage(w io.Writer, prog string, cmds []Command) {
	fmt.Fprintf(w, "Usage: %s <command> [flags]\n\nCommands:\n", prog)
	for _, c := range cmds {
		fmt.Fprintf(w, "  %-10s %s\n", c.Name, c.Summary)
	}
	fmt.Fprintf(w, "\nRun '%s <command> -h' for a command's flags.\n", prog)
}

// ExitError ends a command that has already printed what went wrong with
// the given exit status.
type ExitError struct{ Code int }

func (e *ExitError) Error() string { return fmt.Sprintf("exit status %d", e.Code) }
