package server_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/podiam/podiam/internal/sigv4"
)

// TestBadInput sends signed requests that are wrong in each way a client
// can get them wrong, and checks AWS's code and status for each, and that
// the server still answers afterwards.
func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	r := start(t, dir)
	c := readCredentials(t, dir)
	send := func(body, contentType string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest("POST", r.url+"/", strings.NewReader(body))
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		err := v4.NewSigner().SignHTTP(context.Background(), c, req, sigv4.HashPayload([]byte(body)), "iam", "us-east-1", time.Now())
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	form := "application/x-www-form-urlencoded; charset=utf-8"
	tests := []struct {
		name, body, contentType string
		status                  int
		code                    string
	}{
		{"unknown action", "Action=MakeCoffee&Version=2010-05-08", form, 400, "InvalidAction"},
		{"wrong version", "Action=ListRoles&Version=2006-03-01", form, 400, "InvalidAction"},
		{"no action", "Version=2010-05-08", form, 400, "MissingAction"},
		{"missing parameter", "Action=GetRole&Version=2010-05-08", form, 400, "MissingParameter"},
		{"bad integer", "Action=ListRoles&Version=2010-05-08&MaxItems=lots", form, 400, "InvalidParameterValue"},
		{"malformed form", "Action=ListRoles&Version=2010-05-08&bad=%zz", form, 404, "MalformedQueryString"},
		{"not a form", `{"Action":"ListRoles"}`, "application/json", 415, "UnsupportedMediaType"},
		{"oversized body", "Action=ListRoles&Version=2010-05-08&Path=" + strings.Repeat("a", 2<<20), form, 413, "RequestEntityTooLarge"},
		{"malformed policy", "Action=CreatePolicy&Version=2010-05-08&PolicyName=p&PolicyDocument=%7B%22Statement%22%3A%5B%5D%7D", form, 400, "MalformedPolicyDocument"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := send(tt.body, tt.contentType)
			if status != tt.status || !strings.Contains(body, "<Code>"+tt.code+"</Code>") {
				t.Fatalf("status %d, body %s; want %d %s", status, body, tt.status, tt.code)
			}
		})
	}
	if status, body := send("Action=ListRoles&Version=2010-05-08", form); status != 200 {
		t.Fatalf("after bad input: %d %s", status, body)
	}
}
