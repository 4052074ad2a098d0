package eks

import "encoding/base64"

// A list's nextToken is the key of the last item returned, in base64url:
// the next page starts after it, so items added or deleted between pages
// neither repeat nor skip the others.

func encodeToken(key string) string {
	return base64.RawURLEncoding.EncodeToString([]byte("v1:" + key))
}

func decodeToken(tok string) (string, bool) {
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil || len(b) < 3 || string(b[:3]) != "v1:" {
		return "", false
	}
	return string(b[3:]), true
}
