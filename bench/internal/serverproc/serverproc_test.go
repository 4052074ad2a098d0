package serverproc

import (
	"strings"
	"testing"
)

const exposition = `# HELP podiam_requests_total AWS API requests answered.
# TYPE podiam_requests_total counter
podiam_requests_total{action="AssumeRoleForPodIdentity",outcome="ok",service="eks-auth"} 1000
podiam_requests_total{action="AssumeRoleForPodIdentity",outcome="AccessDeniedException",service="eks-auth"} 3
podiam_requests_total{action="GetRole",outcome="ok",service="iam"} 7
# HELP calls_seconds Calls.
# TYPE calls_seconds histogram
calls_seconds_bucket{outcome="ok",le="0.001"} 2
calls_seconds_bucket{outcome="ok",le="+Inf"} 5
calls_seconds_sum{outcome="ok"} 0.01
calls_seconds_count{outcome="ok"} 5
calls_seconds_bucket{outcome="error",le="+Inf"} 1
calls_seconds_sum{outcome="error"} 1
calls_seconds_count{outcome="error"} 1
`

func TestSum(t *testing.T) {
	for _, c := range []struct {
		name   string
		metric string
		labels map[string]string
		want   float64
	}{
		{"every outcome", "podiam_requests_total", map[string]string{"service": "eks-auth", "action": "AssumeRoleForPodIdentity"}, 1003},
		{"one outcome", "podiam_requests_total", map[string]string{"service": "eks-auth", "outcome": "ok"}, 1000},
		{"another service", "podiam_requests_total", map[string]string{"service": "iam"}, 7},
		{"no series matches", "podiam_requests_total", map[string]string{"service": "s3"}, 0},
		{"every series", "podiam_requests_total", nil, 1010},
		{"histogram samples", "calls_seconds", nil, 6},
		{"histogram samples of one outcome", "calls_seconds", map[string]string{"outcome": "ok"}, 5},
		{"no such metric", "nothing", nil, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := Sum(strings.NewReader(exposition), c.metric, c.labels)
			if err != nil || got != c.want {
				t.Fatalf("%v, %v; want %v", got, err, c.want)
			}
		})
	}
	if _, err := Sum(strings.NewReader("bad{ 1\n"), "bad", nil); err == nil {
		t.Fatal("a malformed exposition was read")
	}
}
