package eksapi

import (
	"encoding/json"
	"net/http"

	"github.com/podiam/podiam/internal/eks"
	"github.com/podiam/podiam/internal/httpapi"
	"github.com/podiam/podiam/internal/iam"
)

// putBindingInput is podiam's own operation's body (no AWS equivalent).
type putBindingInput struct {
	Endpoint             string `json:"endpoint"`
	CertificateAuthority struct {
		Data string `json:"data"`
	} `json:"certificateAuthority"`
	Issuer string          `json:"issuer"`
	Keys   json.RawMessage `json:"keys"`
}

func (h handlers) putBinding(r *http.Request, c iam.Caller) (int, any, error) {
	var in putBindingInput
	if err := httpapi.DecodeJSON(r, &in); err != nil {
		return 0, nil, err
	}
	b := eks.Binding{Endpoint: in.Endpoint, CAData: in.CertificateAuthority.Data, Issuer: in.Issuer}
	if len(in.Keys) > 0 && string(in.Keys) != "null" {
		b.Keys = in.Keys
	}
	cl, err := h.svc.PutBinding(r.Context(), c, r.PathValue("name"), b)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, clusterOutput{clusterOut(cl)}, nil
}
