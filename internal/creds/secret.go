package creds

import (
	"crypto/subtle"
	"fmt"
	"io"
	"log/slog"
)

// secretAlphabet is the alphabet of secret access keys (base64's).
const secretAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

// SecretLength is the length of a secret access key.
const SecretLength = 40

// Secret is a secret access key. It prints, formats, logs and marshals as
// "[redacted]"; Reveal returns the text, for the one place that must hand
// it out (CreateAccessKey) and for signing-key derivation. Compare secrets
// with Equal, which takes constant time.
type Secret struct {
	text string
}

// NewSecret returns a random 40-character secret access key.
func NewSecret(rand io.Reader) (Secret, error) {
	b := make([]byte, SecretLength)
	if _, err := io.ReadFull(rand, b); err != nil {
		return Secret{}, fmt.Errorf("make secret: %w", err)
	}
	for i, c := range b {
		b[i] = secretAlphabet[c&63]
	}
	return Secret{text: string(b)}, nil
}

// SecretFromText wraps a known secret, such as one read back from the
// store after unsealing.
func SecretFromText(s string) Secret { return Secret{text: s} }

// Reveal returns the secret's text.
func (s Secret) Reveal() string { return s.text }

// IsZero reports whether s holds no secret.
func (s Secret) IsZero() bool { return s.text == "" }

// Equal compares two secrets in constant time.
func (s Secret) Equal(o Secret) bool {
	return subtle.ConstantTimeCompare([]byte(s.text), []byte(o.text)) == 1
}

const redacted = "[redacted]"

func (Secret) String() string   { return redacted }
func (Secret) GoString() string { return "creds.Secret{" + redacted + "}" }

// Format keeps %v, %s, %q and %#v from printing the secret.
func (s Secret) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		fmt.Fprint(f, s.GoString())
		return
	}
	fmt.Fprint(f, redacted)
}

// LogValue keeps log/slog from logging the secret.
func (Secret) LogValue() slog.Value { return slog.StringValue(redacted) }

// MarshalText keeps encoders (JSON, XML, text) from writing the secret.
func (Secret) MarshalText() ([]byte, error) { return []byte(redacted), nil }
