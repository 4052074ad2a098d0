package eksauthapi

import (
	"net/http"

	"github.com/podiam/podiam/internal/awsproto"
	"github.com/podiam/podiam/internal/eksauth"
	"github.com/podiam/podiam/internal/fault"
	"github.com/podiam/podiam/internal/httpapi"
)

// Name is EKS Auth's SigV4 signing name.
const Name = "eks-auth"

// New is EKS Auth over svc on the REST-JSON protocol.
func New(svc *eksauth.Service) *httpapi.RESTJSONService {
	mux := http.NewServeMux()
	h := handlers{svc}
	mux.HandleFunc("POST /clusters/{clusterName}/assume-role-for-pod-identity", h.assumeRoleForPodIdentity)
	mux.HandleFunc("/", unknownOperation)
	return &httpapi.RESTJSONService{Name: Name, Handler: mux, Errors: awsproto.EKSAuthError}
}

type handlers struct{ svc *eksauth.Service }

// assumeRoleInput is the request body.
type assumeRoleInput struct {
	Token string `json:"token"`
}

// The answer's shapes (eks-auth/2023-11-26).
type (
	assumeRoleOutput struct {
		Subject                subject           `json:"subject"`
		Audience               string            `json:"audience"`
		PodIdentityAssociation association       `json:"podIdentityAssociation"`
		AssumedRoleUser        assumedRoleUser   `json:"assumedRoleUser"`
		Credentials            credentialsOutput `json:"credentials"`
	}
	subject struct {
		Namespace      string `json:"namespace"`
		ServiceAccount string `json:"serviceAccount"`
	}
	association struct {
		AssociationArn string `json:"associationArn"`
		AssociationId  string `json:"associationId"`
	}
	assumedRoleUser struct {
		Arn          string `json:"arn"`
		AssumeRoleId string `json:"assumeRoleId"`
	}
	credentialsOutput struct {
		SessionToken    string `json:"sessionToken"`
		SecretAccessKey string `json:"secretAccessKey"`
		AccessKeyId     string `json:"accessKeyId"`
		Expiration      int64  `json:"expiration"`
	}
)

func (h handlers) assumeRoleForPodIdentity(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	httpapi.SetOperation(ctx, "AssumeRoleForPodIdentity")
	caller, ok := httpapi.CallerFrom(ctx)
	if !ok {
		httpapi.Fail(ctx, fault.Internal("eks-auth: no caller", nil))
		return
	}
	var in assumeRoleInput
	if err := httpapi.DecodeJSON(r, &in); err != nil {
		httpapi.Fail(ctx, err)
		return
	}
	res, err := h.svc.AssumeRoleForPodIdentity(ctx, caller, r.PathValue("clusterName"), in.Token)
	if err != nil {
		httpapi.Fail(ctx, err)
		return
	}
	c := res.Credentials
	out := assumeRoleOutput{
		Subject:                subject{Namespace: res.Namespace, ServiceAccount: res.ServiceAccount},
		Audience:               res.Audience,
		PodIdentityAssociation: association{AssociationArn: res.AssociationARN, AssociationId: res.AssociationID},
		AssumedRoleUser:        assumedRoleUser{Arn: res.AssumedRoleARN, AssumeRoleId: res.AssumedRoleID},
		Credentials: credentialsOutput{SessionToken: c.Credentials.Token, SecretAccessKey: c.Credentials.Secret.Reveal(),
			AccessKeyId: c.Credentials.AccessKeyID, Expiration: c.Expiration.Unix()},
	}
	awsproto.WriteRESTJSON(w, http.StatusOK, httpapi.RequestIDFrom(ctx), out)
}

func unknownOperation(w http.ResponseWriter, r *http.Request) {
	httpapi.Fail(r.Context(), awsproto.UnknownOperation(http.StatusNotFound, "EKS Auth has no operation "+r.Method+" "+r.URL.Path+"."))
}
