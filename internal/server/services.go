package server

import "strings"

// Service is one of the AWS services the server serves.
type Service struct {
	Name     string // as AWS names it
	Protocol string // the AWS protocol it speaks
}

// Services are the AWS services on the server's listener, for the
// start-up banner and "podiam server --help"; Run mounts each of them.
var Services = []Service{
	{Name: "IAM", Protocol: "Query"},
	{Name: "STS", Protocol: "Query"},
	{Name: "Organizations", Protocol: "JSON 1.1"},
	{Name: "EKS", Protocol: "REST-JSON"},
	{Name: "S3", Protocol: "REST-XML, path-style and virtual-hosted-style"},
}

// ServicesRouting says how a request finds its service among Services.
const ServicesRouting = "They share one endpoint: a request's shape picks its service (a Query Action names IAM\n" +
	"or STS, an X-Amz-Target header a JSON service, a REST request signed for EKS is EKS,\n" +
	"anything else is S3), and its SigV4 credential scope must name that same service."

// serviceNames lists Services with their protocols, in a sentence.
func serviceNames() string {
	var parts []string
	for _, s := range Services {
		parts = append(parts, s.Name+" ("+s.Protocol+")")
	}
	if len(parts) < 2 {
		return strings.Join(parts, "")
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
}
