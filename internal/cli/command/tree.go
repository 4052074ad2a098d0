package command

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// Prepare readies the command tree under root to run in env: flags may
// come before or after arguments, every flag not given falls back to its
// PODIAM_* variable, help, usage and completion scripts are written to
// env, errors are returned and never printed (so that the caller renders
// them once), and bad flags are a UsageError. It adds the help and
// completion commands, so that the tree is whole before it runs.
func Prepare(env Env, root *cobra.Command) *cobra.Command {
	root.SetIn(env.Stdin)
	root.SetOut(env.Stdout)
	root.SetErr(env.Stderr)
	root.SilenceErrors = true
	root.SilenceUsage = true
	root.SetFlagErrorFunc(flagError)
	// A group runs only to report a missing or unknown subcommand, so its
	// usage is that of a command that does not run: "CMD [command]", not
	// also "CMD [flags]". (Not a usage template: text/template would keep
	// every method of every type in the binary, 11 MB of it.)
	usage := root.UsageFunc()
	root.SetUsageFunc(func(c *cobra.Command) error {
		if run := c.RunE; run != nil && c.HasAvailableSubCommands() {
			c.RunE = nil
			defer func() { c.RunE = run }()
		}
		return usage(c)
	})
	// cobra runs only the nearest PersistentPreRun(E) of the command run:
	// a command below that set one would lose its PODIAM_* fallbacks.
	root.PersistentPreRunE = func(cmd *cobra.Command, _ []string) error {
		return FromEnv(cmd.Flags(), env.Getenv)
	}
	root.InitDefaultHelpCmd()
	root.InitDefaultCompletionCmd() // after SetOut: it keeps the writer
	return root
}

// Execute runs root, made ready by Prepare, with args (without the
// program name).
func Execute(ctx context.Context, root *cobra.Command, args []string) error {
	if args == nil {
		args = []string{} // nil would make cobra read os.Args
	}
	root.SetArgs(args)
	return root.ExecuteContext(ctx)
}

// Run executes cmd as a subcommand of a bare "podiam" root: it is how a
// noun package runs "podiam <noun> args" on its own, for its tests.
func Run(ctx context.Context, env Env, cmd *cobra.Command, args []string) error {
	root := &cobra.Command{Use: "podiam"}
	root.AddCommand(cmd)
	return Execute(ctx, Prepare(env, root), append([]string{cmd.Name()}, args...))
}

// Group makes cmd a command that only holds subs. Run bare it prints its
// usage and fails with status 2, as it does when the subcommand is
// unknown; "help [subcommand]" prints help.
func Group(cmd *cobra.Command, subs ...*cobra.Command) *cobra.Command {
	cmd.AddCommand(subs...)
	cmd.Args = cobra.ArbitraryArgs
	cmd.FParseErrWhitelist.UnknownFlags = true // "polcy validate --kind trust f" is about "polcy"
	cmd.SuggestionsMinimumDistance = 2
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if len(args) == 0 {
			fmt.Fprint(cmd.OutOrStdout(), cmd.UsageString())
			return Usagef("%sa subcommand is required", prefix(cmd))
		}
		if args[0] == "help" {
			target, rest, err := cmd.Find(args[1:])
			if err == nil && len(rest) == 0 {
				return target.Help()
			}
			if len(rest) > 0 {
				cmd, args = target, rest
			}
		}
		fmt.Fprint(cmd.ErrOrStderr(), cmd.UsageString())
		msg := fmt.Sprintf("%sunknown subcommand %q", prefix(cmd), args[0])
		if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
			msg += fmt.Sprintf(" (did you mean %s?)", strings.Join(s, " or "))
		}
		return &UsageError{Msg: msg}
	}
	return cmd
}

// NoArgs is the Args check of a command that takes no positional
// arguments.
func NoArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return Usagef("%sunexpected argument %q", prefix(cmd), args[0])
	}
	return nil
}

// Name is the command's path without the program name: "policy simulate".
func Name(cmd *cobra.Command) string {
	_, rest, _ := strings.Cut(cmd.CommandPath(), " ")
	return rest
}

// prefix starts a message about cmd: "policy simulate: ", or "" for the
// root.
func prefix(cmd *cobra.Command) string {
	if n := Name(cmd); n != "" {
		return n + ": "
	}
	return ""
}

// flagError makes a flag that cannot be parsed a UsageError naming the
// command and its help. An unknown flag is reported in the standard flag
// package's words; a long flag given with one dash (which that package
// accepted) is told to take two.
func flagError(cmd *cobra.Command, err error) error {
	msg := err.Error()
	var unknown *pflag.NotExistError
	if errors.As(err, &unknown) {
		short := unknown.GetSpecifiedShortnames()
		long, _, _ := strings.Cut(short, "=")
		switch {
		case short == "":
			msg = "flag provided but not defined: --" + unknown.GetSpecifiedName()
		case len(long) > 1 && cmd.Flags().Lookup(long) != nil:
			msg = fmt.Sprintf("flag provided but not defined: -%s (a long flag takes two dashes: --%s)", short, long)
		default:
			msg = "flag provided but not defined: -" + short
		}
	}
	return Usagef("%s%s (see '%s --help')", prefix(cmd), msg, cmd.CommandPath())
}
