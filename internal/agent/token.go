package agent

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"math"
	"strings"
	"time"
)

// Claims are what the agent reads from a service-account token, without
// checking its signature: eks-auth verifies the token, the agent only
// refuses what eks-auth would refuse anyway and finds the pod it is for.
type Claims struct {
	Expires   time.Time // zero when the token has no exp
	NotBefore time.Time // zero when the token has no nbf
	Namespace string
	PodName   string
	PodUID    string // the cache key
}

// TokenError is a token the agent refuses (400) with AWS's agent's text.
type TokenError struct{ Msg string }

func (e *TokenError) Error() string { return e.Msg }

// The texts of aws/eks-pod-identity-agent; the parse errors after
// "cannot be parsed: " are those of golang-jwt v5's ParseUnverified and
// Validator, which the agent calls.
const (
	msgEmpty       = "Service account token cannot be empty"
	msgUnparsable  = "Service account token cannot be parsed: "
	msgClaims      = "Service account token failed basic claim validations: "
	msgNoK8sClaims = "Service account token missing kubernetes.io claims"
	msgNoPod       = "Service account token missing pod claims"
	msgNoPodUID    = "Service account token missing pod uid"

	errMalformed    = "token is malformed: "
	errUnverifiable = "token is unverifiable: "
	errExpired      = "token is expired"
	errNotValidYet  = "token is not valid yet"
	errInvalidType  = "invalid type for claim: "
)

// signingMethods are the "alg" values golang-jwt v5 knows: a token with
// another is refused as unverifiable, as the agent refuses it.
var signingMethods = map[string]bool{
	"HS256": true, "HS384": true, "HS512": true,
	"RS256": true, "RS384": true, "RS512": true,
	"ES256": true, "ES384": true, "ES512": true,
	"PS256": true, "PS384": true, "PS512": true,
	"EdDSA": true, "none": true,
}

// ParseToken reads a service-account token's claims without verifying its
// signature and checks its times against now, as the agent does before
// it looks in its cache. A refusal is a *TokenError.
func ParseToken(raw string, now time.Time) (Claims, error) {
	if raw == "" {
		return Claims{}, &TokenError{msgEmpty}
	}
	claims, err := parseUnverified(raw)
	if err != nil {
		return Claims{}, &TokenError{msgUnparsable + err.Error()}
	}
	var c Claims
	var problems []string
	exp, err := numericDate(claims, "exp")
	if err != nil {
		problems = append(problems, err.Error())
	} else if c.Expires = exp; !exp.IsZero() && !now.Before(exp) {
		problems = append(problems, errExpired)
	}
	nbf, err := numericDate(claims, "nbf")
	if err != nil {
		problems = append(problems, err.Error())
	} else if c.NotBefore = nbf; !nbf.IsZero() && now.Before(nbf) {
		problems = append(problems, errNotValidYet)
	}
	if len(problems) > 0 {
		return Claims{}, &TokenError{msgClaims + strings.Join(problems, ", ")}
	}
	k8s, ok := claims["kubernetes.io"].(map[string]any)
	if !ok {
		return Claims{}, &TokenError{msgNoK8sClaims}
	}
	pod, ok := k8s["pod"].(map[string]any)
	if !ok {
		return Claims{}, &TokenError{msgNoPod}
	}
	c.PodUID, _ = pod["uid"].(string)
	if c.PodUID == "" {
		return Claims{}, &TokenError{msgNoPodUID}
	}
	c.PodName, _ = pod["name"].(string)
	c.Namespace, _ = k8s["namespace"].(string)
	return c, nil
}

// parseUnverified splits and decodes a JWS compact serialization as
// golang-jwt v5's ParseUnverified does, with its error texts.
func parseUnverified(raw string) (map[string]any, error) {
	header, rest, ok := strings.Cut(raw, ".")
	if !ok {
		return nil, errors.New(errMalformed + "token contains an invalid number of segments")
	}
	payload, sig, ok := strings.Cut(rest, ".")
	if !ok || strings.Contains(sig, ".") {
		return nil, errors.New(errMalformed + "token contains an invalid number of segments")
	}
	hb, err := base64.RawURLEncoding.DecodeString(header)
	if err != nil {
		return nil, errors.New(errMalformed + "could not base64 decode header: " + err.Error())
	}
	var h map[string]any
	if err := json.Unmarshal(hb, &h); err != nil {
		return nil, errors.New(errMalformed + "could not JSON decode header: " + err.Error())
	}
	pb, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil {
		return nil, errors.New(errMalformed + "could not base64 decode claim: " + err.Error())
	}
	var claims map[string]any
	if err := json.Unmarshal(pb, &claims); err != nil {
		return nil, errors.New(errMalformed + "could not JSON decode claim: " + err.Error())
	}
	alg, ok := h["alg"].(string)
	switch {
	case !ok:
		return nil, errors.New(errUnverifiable + "signing method (alg) is unspecified")
	case !signingMethods[alg]:
		return nil, errors.New(errUnverifiable + "signing method (alg) is unavailable")
	}
	return claims, nil
}

// numericDate reads a NumericDate claim as golang-jwt's MapClaims does:
// absent or 0 is the zero time, a JSON number is seconds since the epoch
// (truncated to the second), anything else (null included) is an invalid
// type.
func numericDate(claims map[string]any, name string) (time.Time, error) {
	v, ok := claims[name]
	if !ok {
		return time.Time{}, nil
	}
	f, ok := v.(float64)
	if !ok || math.IsNaN(f) || math.IsInf(f, 0) {
		return time.Time{}, errors.New(errInvalidType + name + " is invalid")
	}
	if f == 0 {
		return time.Time{}, nil
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)).Truncate(time.Second), nil
}
