package command

import (
	"fmt"
	"strings"

	"github.com/spf13/pflag"
)

// FromEnv fills every flag of fs not given on the command line from
// PODIAM_<NAME> (upper case, '-' as '_'), so that a flag beats the
// environment, which beats the default. A repeatable flag takes a
// comma-separated list from the environment. getenv may be nil.
func FromEnv(fs *pflag.FlagSet, getenv func(string) string) error {
	if getenv == nil {
		return nil
	}
	var err error
	fs.VisitAll(func(f *pflag.Flag) {
		if err != nil || f.Changed || f.Name == "help" || f.Name == "version" {
			return
		}
		name := EnvName(f.Name)
		v := getenv(name)
		if v == "" {
			return
		}
		if list, ok := f.Value.(pflag.SliceValue); ok {
			err = list.Replace(strings.Split(v, ","))
			f.Changed = err == nil
		} else {
			err = fs.Set(f.Name, v)
		}
		if err != nil {
			err = &UsageError{Msg: fmt.Sprintf("%s: %v", name, err)}
		}
	})
	return err
}

// EnvName is the environment variable that backs a flag.
func EnvName(flagName string) string {
	return "PODIAM_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}
