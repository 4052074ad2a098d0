package oidc

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// MaxTokenBytes is the longest token Parse accepts (AWS's limit on
// WebIdentityToken).
const MaxTokenBytes = 20000

// maxNumericDate is 9999-12-31T23:59:59Z; later dates are refused so that
// the conversion to time.Time cannot overflow.
const maxNumericDate = 253402300799

// Token is a parsed, not yet verified, compact JWS.
type Token struct {
	// Header holds the JOSE header parameters the verifier uses: the
	// signing algorithm, the key id and the type (which is not checked).
	Header struct{ Alg, Kid, Typ string }
	// Claims are the token's claims as sent.
	Claims Claims

	signingInput []byte // header and payload segments with the dot, as sent
	signature    []byte // decoded

	// jws is the token as go-jose parsed it, for the signature check; nil
	// when the alg is not one podiam accepts (Verify then refuses it,
	// after the claims, in AWS's order).
	jws *jose.JSONWebSignature
}

// Claims are the claims of a token that the verifier or the trust policy
// uses, plus every claim as sent.
type Claims struct {
	Issuer          string // iss
	Subject         string // sub
	AuthorizedParty string // azp
	// Audience is "aud" as a list: a JSON string becomes one element.
	Audience []string
	AMR      []string  // amr; a JSON string becomes one element
	Expiry   time.Time // exp; zero when absent
	IssuedAt time.Time // iat; zero when absent
	// NotBefore is nbf; zero when absent.
	NotBefore time.Time
	// Raw holds every claim as sent, by name.
	Raw map[string]json.RawMessage
}

// EffectiveAudience is the audience AWS matches against the provider's
// client ids: azp if present, else the single aud ("" when aud has several
// values or none).
func (c *Claims) EffectiveAudience() string {
	if c.AuthorizedParty != "" {
		return c.AuthorizedParty
	}
	if len(c.Audience) == 1 {
		return c.Audience[0]
	}
	return ""
}

// Parse parses a compact JWS: three base64url segments without padding
// (header, claims, signature), a JSON header with a string alg and an
// optional kid, and a JSON object of claims. Member names must be unique.
// Numeric dates may be integers or fractions. Parse checks neither the
// signature nor any claim value; Verify does. Errors are *Error of kind
// InvalidToken.
//
// Parse checks the form of the token and reads the header and claims
// itself (AWS's and podiam's rules: one encoding per segment, unique
// member names, no crit or b64, claims as AWS reads them); go-jose parses
// the JWS again, restricted to the algorithms podiam accepts, for the
// signature check, and must read the same alg and kid.
func Parse(token string) (*Token, error) {
	if token == "" || len(token) > MaxTokenBytes {
		return nil, notJWT(fmt.Errorf("token length %d is not within 1..%d", len(token), MaxTokenBytes))
	}
	h, rest, _ := strings.Cut(token, ".")
	p, s, ok := strings.Cut(rest, ".")
	if !ok || strings.Contains(s, ".") {
		return nil, notJWT(errors.New("not three dot-separated segments"))
	}
	header, err := decodeSegment(h)
	if err != nil {
		return nil, notJWT(fmt.Errorf("header: %w", err))
	}
	payload, err := decodeSegment(p)
	if err != nil {
		return nil, notJWT(fmt.Errorf("payload: %w", err))
	}
	sig, err := decodeSegment(s)
	if err != nil {
		return nil, notJWT(fmt.Errorf("signature: %w", err))
	}
	t := &Token{signingInput: []byte(token[:len(h)+1+len(p)]), signature: sig}
	if err := t.parseHeader(header); err != nil {
		return nil, notJWT(fmt.Errorf("header: %w", err))
	}
	if err := t.Claims.parse(payload); err != nil {
		return nil, notJWT(fmt.Errorf("claims: %w", err))
	}
	if err := t.parseJWS(token); err != nil {
		return nil, notJWT(fmt.Errorf("JWS: %w", err))
	}
	return t, nil
}

// parseJWS has go-jose parse the token, accepting only the algorithms of
// algs. A token with another alg keeps a nil jws. go-jose must read the
// header as parseHeader did.
func (t *Token) parseJWS(token string) error {
	jws, err := jose.ParseSignedCompact(token, joseAlgs)
	var unexpected *jose.ErrUnexpectedSignatureAlgorithm
	if errors.As(err, &unexpected) {
		return nil
	}
	if err != nil {
		return err
	}
	if len(jws.Signatures) != 1 {
		return errors.New("not one signature")
	}
	h := jws.Signatures[0].Protected
	if h.Algorithm != t.Header.Alg || h.KeyID != t.Header.Kid {
		return errors.New("go-jose reads another alg or kid")
	}
	t.jws = jws
	return nil
}

func notJWT(cause error) *Error { return newError(InvalidToken, msgNotJWT, cause) }

// decodeSegment decodes base64url without padding. Only the URL alphabet
// is allowed (the decoder would skip line breaks) and unused trailing bits
// must be zero, so that every segment has exactly one encoding.
func decodeSegment(s string) ([]byte, error) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return nil, fmt.Errorf("byte %d is not base64url", i)
		}
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(s)
	if err != nil {
		return nil, errors.New("bad base64url")
	}
	return b, nil
}

func (t *Token) parseHeader(data []byte) error {
	m, err := members(data)
	if err != nil {
		return err
	}
	if _, ok := m["crit"]; ok {
		return errors.New("critical header parameters are not supported")
	}
	// An unencoded payload (RFC 7797) must be listed in crit; go-jose
	// would sign over it without, so it is refused here.
	if _, ok := m["b64"]; ok {
		return errors.New("the b64 header parameter is not supported")
	}
	for _, f := range []struct {
		name string
		dst  *string
	}{{"alg", &t.Header.Alg}, {"kid", &t.Header.Kid}, {"typ", &t.Header.Typ}} {
		if _, err := stringMember(m, f.name, f.dst); err != nil {
			return err
		}
	}
	if t.Header.Alg == "" {
		return errors.New("no alg")
	}
	return nil
}

func (c *Claims) parse(data []byte) error {
	m, err := members(data)
	if err != nil {
		return err
	}
	c.Raw = m
	for _, f := range []struct {
		name string
		dst  *string
	}{{"iss", &c.Issuer}, {"sub", &c.Subject}, {"azp", &c.AuthorizedParty}} {
		if _, err := stringMember(m, f.name, f.dst); err != nil {
			return err
		}
	}
	for _, f := range []struct {
		name string
		dst  *[]string
	}{{"aud", &c.Audience}, {"amr", &c.AMR}} {
		if err := stringsMember(m, f.name, f.dst); err != nil {
			return err
		}
	}
	for _, f := range []struct {
		name string
		dst  *time.Time
	}{{"exp", &c.Expiry}, {"iat", &c.IssuedAt}, {"nbf", &c.NotBefore}} {
		if err := dateMember(m, f.name, f.dst); err != nil {
			return err
		}
	}
	return nil
}

// members decodes a JSON object into its members as sent, refusing
// duplicate names (RFC 7515 section 4 allows either this or keeping the
// last) and anything after the object. The object is checked whole by
// json.Valid, then walked once; a name is decoded by encoding/json only
// when it holds an escape or a byte past ASCII.
func members(data []byte) (map[string]json.RawMessage, error) {
	if !json.Valid(data) {
		return nil, errors.New("not a JSON object")
	}
	i := skipSpace(data, 0)
	if data[i] != '{' {
		return nil, errors.New("not a JSON object")
	}
	m := map[string]json.RawMessage{}
	i = skipSpace(data, i+1)
	for data[i] != '}' {
		end := valueEnd(data, i) // the name, a string
		name, err := jsonString(data[i:end])
		if err != nil {
			return nil, errors.New("not a JSON object")
		}
		i = skipSpace(data, skipSpace(data, end)+1) // past the colon
		end = valueEnd(data, i)
		if _, dup := m[name]; dup {
			return nil, errors.New("duplicate member name")
		}
		m[name] = json.RawMessage(data[i:end:end])
		if i = skipSpace(data, end); data[i] == ',' {
			i = skipSpace(data, i+1)
		}
	}
	return m, nil
}

// skipSpace returns the index of the first byte at or after i that is
// not JSON whitespace.
func skipSpace(data []byte, i int) int {
	for i < len(data) && (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r') {
		i++
	}
	return i
}

// valueEnd returns the index just past the JSON value that starts at i,
// in data that json.Valid accepted.
func valueEnd(data []byte, i int) int {
	depth := 0
	for ; i < len(data); i++ {
		switch data[i] {
		case '"':
			for i++; data[i] != '"'; i++ {
				if data[i] == '\\' {
					i++
				}
			}
			if depth == 0 {
				return i + 1
			}
		case '{', '[':
			depth++
		case '}', ']':
			depth--
			if depth == 0 {
				return i + 1
			}
			if depth < 0 {
				return i // the end of the enclosing object
			}
		case ',', ' ', '\t', '\n', '\r':
			if depth == 0 {
				return i
			}
		}
	}
	return i
}

// jsonString decodes a JSON string as encoding/json does, reading a plain
// one (no escape, ASCII only) in place.
func jsonString(raw []byte) (string, error) {
	if len(raw) < 2 || raw[0] != '"' {
		return "", errors.New("not a string")
	}
	plain := true
	for _, c := range raw[1 : len(raw)-1] {
		if c == '\\' || c >= 0x80 || c < 0x20 {
			plain = false
			break
		}
	}
	if plain {
		return string(raw[1 : len(raw)-1]), nil
	}
	var s string
	err := json.Unmarshal(raw, &s)
	return s, err
}

func isNull(raw json.RawMessage) bool { return string(raw) == "null" }

// stringMember sets *dst to the string member name, if present and not
// null; it reports whether it was.
func stringMember(m map[string]json.RawMessage, name string, dst *string) (bool, error) {
	raw, ok := m[name]
	if !ok || isNull(raw) {
		return false, nil
	}
	v, err := jsonString(raw)
	if err != nil {
		return false, fmt.Errorf("%s is not a string", name)
	}
	*dst = v
	return true, nil
}

// stringsMember sets *dst to the member name, a string or an array of
// strings.
func stringsMember(m map[string]json.RawMessage, name string, dst *[]string) error {
	raw, ok := m[name]
	if !ok || isNull(raw) {
		return nil
	}
	if len(raw) > 0 && raw[0] == '"' {
		s, err := jsonString(raw)
		if err != nil {
			return fmt.Errorf("%s is not a string", name)
		}
		*dst = []string{s}
		return nil
	}
	var list []string
	if err := json.Unmarshal(raw, &list); err != nil || list == nil {
		return fmt.Errorf("%s is neither a string nor an array of strings", name)
	}
	*dst = list
	return nil
}

// dateMember sets *dst to the NumericDate member name: seconds since the
// epoch, an integer or a fraction, between 0 and the end of year 9999.
func dateMember(m map[string]json.RawMessage, name string, dst *time.Time) error {
	raw, ok := m[name]
	if !ok || isNull(raw) {
		return nil
	}
	// A JSON number (the member is valid JSON) is read as encoding/json
	// reads it, by strconv.ParseFloat.
	if len(raw) == 0 || raw[0] != '-' && (raw[0] < '0' || raw[0] > '9') {
		return fmt.Errorf("%s is not a number", name)
	}
	f, err := strconv.ParseFloat(string(raw), 64)
	if err != nil {
		return fmt.Errorf("%s is not a number", name)
	}
	if !(f >= 0 && f <= maxNumericDate) {
		return fmt.Errorf("%s is out of range", name)
	}
	sec := math.Floor(f)
	*dst = time.Unix(int64(sec), int64((f-sec)*1e9)).UTC()
	return nil
}
