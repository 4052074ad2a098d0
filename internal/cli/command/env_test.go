package command

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/spf13/pflag"
)

// TestFromEnv: a flag not on the command line takes PODIAM_<FLAG>; one on
// the command line keeps its value; a repeatable flag takes a
// comma-separated list; a bad value is a UsageError naming the variable.
func TestFromEnv(t *testing.T) {
	type flags struct {
		name    string
		json    bool
		timeout time.Duration
		files   []string
	}
	setup := func() (*pflag.FlagSet, *flags) {
		var f flags
		fs := pflag.NewFlagSet("t", pflag.ContinueOnError)
		fs.StringVar(&f.name, "role-name", "default", "")
		fs.BoolVar(&f.json, "json", false, "")
		fs.DurationVar(&f.timeout, "body-timeout", time.Second, "")
		fs.StringArrayVar(&f.files, "identity-policy", nil, "")
		return fs, &f
	}
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want flags
		err  string // the variable a UsageError names
	}{
		{name: "defaults", want: flags{name: "default", timeout: time.Second}},
		{name: "from the environment", env: map[string]string{"PODIAM_ROLE_NAME": "r", "PODIAM_JSON": "true", "PODIAM_BODY_TIMEOUT": "5s", "PODIAM_IDENTITY_POLICY": "a.json,b.json"},
			want: flags{name: "r", json: true, timeout: 5 * time.Second, files: []string{"a.json", "b.json"}}},
		{name: "flags win", args: []string{"--role-name", "f", "--json=false", "--identity-policy", "c.json"},
			env:  map[string]string{"PODIAM_ROLE_NAME": "r", "PODIAM_JSON": "true", "PODIAM_IDENTITY_POLICY": "a.json,b.json"},
			want: flags{name: "f", timeout: time.Second, files: []string{"c.json"}}},
		{name: "bad duration", env: map[string]string{"PODIAM_BODY_TIMEOUT": "soon"}, err: "PODIAM_BODY_TIMEOUT"},
		{name: "bad bool", env: map[string]string{"PODIAM_JSON": "yes please"}, err: "PODIAM_JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs, got := setup()
			if err := fs.Parse(tt.args); err != nil {
				t.Fatal(err)
			}
			err := FromEnv(fs, func(k string) string { return tt.env[k] })
			if tt.err != "" {
				var usage *UsageError
				if !errors.As(err, &usage) || len(usage.Msg) < len(tt.err) || usage.Msg[:len(tt.err)] != tt.err {
					t.Fatalf("error %v, want a UsageError naming %s", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.name != tt.want.name || got.json != tt.want.json || got.timeout != tt.want.timeout || !slices.Equal(got.files, tt.want.files) {
				t.Fatalf("got %+v, want %+v", *got, tt.want)
			}
		})
	}
	fs, got := setup()
	if err := FromEnv(fs, nil); err != nil || got.name != "default" {
		t.Fatalf("nil getenv: %v, %+v", err, *got)
	}
}

func TestEnvName(t *testing.T) {
	for flag, want := range map[string]string{"listen": "PODIAM_LISTEN", "attach-policy-arn": "PODIAM_ATTACH_POLICY_ARN", "tls-cert": "PODIAM_TLS_CERT"} {
		if got := EnvName(flag); got != want {
			t.Errorf("EnvName(%q) = %q, want %q", flag, got, want)
		}
	}
}
