package awsproto

import (
	"strconv"
	"time"
	"unicode/utf8"
)

// xmlAppender is a result that writes its own elements: the small
// results of the calls made most (GetCallerIdentity, AssumeRole,
// AssumeRoleWithWebIdentity, GetSessionToken) are written by appends
// rather than by encoding/xml's reflection, byte for byte as encoding/xml
// writes them (FuzzAppendXML checks it).
type xmlAppender interface {
	appendXML(b []byte) []byte
}

// appendEscaped appends s as encoding/xml escapes text and attribute
// values: the five markup characters, tab, newline and carriage return as
// references, and a character XML cannot hold (or a byte of bad UTF-8)
// as U+FFFD.
func appendEscaped(b []byte, s string) []byte {
	last := 0
	for i := 0; i < len(s); {
		c := s[i]
		width := 1
		var esc string
		if c < utf8.RuneSelf {
			switch c {
			case '"':
				esc = "&#34;"
			case '\'':
				esc = "&#39;"
			case '&':
				esc = "&amp;"
			case '<':
				esc = "&lt;"
			case '>':
				esc = "&gt;"
			case '\t':
				esc = "&#x9;"
			case '\n':
				esc = "&#xA;"
			case '\r':
				esc = "&#xD;"
			default:
				if c < 0x20 {
					esc = "\uFFFD"
				}
			}
		} else {
			var r rune
			r, width = utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && width == 1 || !inCharacterRange(r) {
				esc = "\uFFFD"
			}
		}
		if esc != "" {
			b = append(b, s[last:i]...)
			b = append(b, esc...)
			last = i + width
		}
		i += width
	}
	return append(b, s[last:]...)
}

// inCharacterRange is XML's Char production, for runes past ASCII.
func inCharacterRange(r rune) bool {
	return r >= 0x20 && r <= 0xD7FF || r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF
}

// appendElement appends <name>text</name>.
func appendElement(b []byte, name, text string) []byte {
	b = append(b, '<')
	b = append(b, name...)
	b = append(b, '>')
	b = appendEscaped(b, text)
	b = append(b, "</"...)
	b = append(b, name...)
	return append(b, '>')
}

func (r *GetCallerIdentityResult) appendXML(b []byte) []byte {
	b = appendElement(b, "UserId", r.UserId)
	b = appendElement(b, "Account", r.Account)
	return appendElement(b, "Arn", r.Arn)
}

func (c *Credentials) appendXML(b []byte) []byte {
	b = append(b, "<Credentials>"...)
	b = appendElement(b, "AccessKeyId", c.AccessKeyId)
	b = appendElement(b, "SecretAccessKey", c.SecretAccessKey)
	b = appendElement(b, "SessionToken", c.SessionToken)
	b = append(b, "<Expiration>"...)
	b = time.Time(c.Expiration).UTC().AppendFormat(b, "2006-01-02T15:04:05Z")
	b = append(b, "</Expiration>"...)
	return append(b, "</Credentials>"...)
}

func (u *AssumedRoleUser) appendXML(b []byte) []byte {
	b = append(b, "<AssumedRoleUser>"...)
	b = appendElement(b, "AssumedRoleId", u.AssumedRoleId)
	b = appendElement(b, "Arn", u.Arn)
	return append(b, "</AssumedRoleUser>"...)
}

// appendPackedSize appends PackedPolicySize, when there is one.
func appendPackedSize(b []byte, n *int) []byte {
	if n == nil {
		return b
	}
	b = append(b, "<PackedPolicySize>"...)
	b = strconv.AppendInt(b, int64(*n), 10)
	return append(b, "</PackedPolicySize>"...)
}

// appendOptional appends <name>text</name> unless text is empty
// (omitempty).
func appendOptional(b []byte, name, text string) []byte {
	if text == "" {
		return b
	}
	return appendElement(b, name, text)
}

func (r *AssumeRoleResult) appendXML(b []byte) []byte {
	b = r.Credentials.appendXML(b)
	b = r.AssumedRoleUser.appendXML(b)
	b = appendPackedSize(b, r.PackedPolicySize)
	return appendOptional(b, "SourceIdentity", r.SourceIdentity)
}

func (r *AssumeRoleWithWebIdentityResult) appendXML(b []byte) []byte {
	b = r.Credentials.appendXML(b)
	b = appendElement(b, "SubjectFromWebIdentityToken", r.SubjectFromWebIdentityToken)
	b = r.AssumedRoleUser.appendXML(b)
	b = appendPackedSize(b, r.PackedPolicySize)
	b = appendElement(b, "Provider", r.Provider)
	b = appendElement(b, "Audience", r.Audience)
	return appendOptional(b, "SourceIdentity", r.SourceIdentity)
}

func (r *GetSessionTokenResult) appendXML(b []byte) []byte { return r.Credentials.appendXML(b) }
