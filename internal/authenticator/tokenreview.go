package authenticator

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"

	"github.com/podiam/podiam/internal/fault"
)

// The review API versions the webhooks answer, each in the version asked.
const (
	authenticationV1      = "authentication.k8s.io/v1"
	authenticationV1beta1 = "authentication.k8s.io/v1beta1"
)

// The extra keys of a user the authenticator let in (single values), as
// aws-iam-authenticator fills them; the authorization webhook finds the
// principal by ExtraPrincipalID and ExtraARN.
const (
	ExtraARN             = "arn"
	ExtraCanonicalARN    = "canonicalArn"
	ExtraSessionName     = "sessionName"
	ExtraAccessKeyID     = "accessKeyId"
	ExtraPrincipalID     = "principalId"
	ExtraSigsPrincipalID = "sigs.k8s.io/aws-iam-authenticator/principalId"
)

// UIDPrefix starts the uid of every user the authenticator lets in:
// aws-iam-authenticator:<account>:<principal id>.
const UIDPrefix = "aws-iam-authenticator:"

// maxReviewBody bounds a review's body: a token is at most 4 KiB.
const maxReviewBody = 64 << 10

// Log keys.
const (
	logReason   = "reason"
	logKind     = "kind"
	logARN      = "arn"
	logUser     = "username"
	logGroups   = "groups"
	logSource   = "source"
	logDuration = "duration"
)

// Authenticate serves TokenReviews (POST /authenticate): the token
// verified by Verifier, the caller mapped by Mapper.
type Authenticate struct {
	Verifier Verifier
	Mapper   *Mapper
	Log      *slog.Logger
	Now      func() time.Time // time.Now when nil
}

func (h *Authenticate) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "expected POST", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxReviewBody+1))
	var review authenticationv1.TokenReview
	switch {
	case err != nil:
		http.Error(w, "read the request body", http.StatusBadRequest)
		return
	case len(body) > maxReviewBody:
		http.Error(w, "the TokenReview is too large", http.StatusRequestEntityTooLarge)
		return
	case json.Unmarshal(body, &review) != nil:
		http.Error(w, "expected a request body to be a TokenReview", http.StatusBadRequest)
		return
	}
	tm := review.TypeMeta
	switch tm.APIVersion {
	case authenticationV1, authenticationV1beta1:
		if tm.Kind != "TokenReview" {
			http.Error(w, "expected a request body to be a TokenReview", http.StatusBadRequest)
			return
		}
	case "":
		// aws-iam-authenticator reads a review without its TypeMeta too;
		// the answer then has none.
	default:
		http.Error(w, "unsupported TokenReview version "+tm.APIVersion, http.StatusBadRequest)
		return
	}
	now := time.Now
	if h.Now != nil {
		now = h.Now
	}
	start := now()
	user, source, err := h.authenticate(r, review.Spec.Token)
	if err != nil {
		status := refusalStatus(err)
		kind := fault.KindOf(err)
		level := slog.LevelWarn
		if status >= 500 {
			level = slog.LevelError
		}
		h.Log.Log(r.Context(), level, "token refused", logKind, kind.String(), logReason, err.Error(), logDuration, now().Sub(start))
		writeJSON(w, status, authenticationv1.TokenReview{TypeMeta: tm})
		return
	}
	h.Log.Info("token accepted", logARN, user.Extra[ExtraARN], logUser, user.Username, logGroups, user.Groups, logSource, source, logDuration, now().Sub(start))
	writeJSON(w, http.StatusOK, authenticationv1.TokenReview{TypeMeta: tm,
		Status: authenticationv1.TokenReviewStatus{Authenticated: true, User: user}})
}

// authenticate verifies token and maps its caller.
func (h *Authenticate) authenticate(r *http.Request, token string) (authenticationv1.UserInfo, string, error) {
	if token == "" {
		return authenticationv1.UserInfo{}, "", fault.Errorf(fault.Malformed, "the TokenReview has no token")
	}
	id, err := h.Verifier.Verify(r.Context(), token)
	if err != nil {
		return authenticationv1.UserInfo{}, "", err
	}
	c, err := NewCaller(id)
	if err != nil {
		return authenticationv1.UserInfo{}, "", err
	}
	username, groups, source, err := h.Mapper.Map(r.Context(), c)
	if err != nil {
		return authenticationv1.UserInfo{}, "", err
	}
	return authenticationv1.UserInfo{
		Username: username,
		UID:      UIDPrefix + c.Account + ":" + c.PrincipalID,
		Groups:   groups,
		Extra: map[string]authenticationv1.ExtraValue{
			ExtraARN:             {c.ARN},
			ExtraCanonicalARN:    {c.CanonicalARN},
			ExtraSessionName:     {c.SessionName},
			ExtraAccessKeyID:     {c.AccessKeyID},
			ExtraPrincipalID:     {c.PrincipalID},
			ExtraSigsPrincipalID: {c.PrincipalID},
		},
	}, source, nil
}

// refusalStatus is the HTTP status of a refusal. kube-apiserver caches
// a 200 with authenticated false for its cache TTL, so every refusal is
// an error status, which it never caches: 429 when STS throttles (it
// retries), 503 when STS or a mapping source cannot be reached, 500 when
// it fails, else 403.
func refusalStatus(err error) int {
	switch fault.KindOf(err) {
	case fault.LimitExceeded:
		return http.StatusTooManyRequests
	case fault.Unavailable:
		return http.StatusServiceUnavailable
	case fault.Failure:
		return http.StatusInternalServerError
	}
	return http.StatusForbidden
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "encode the response", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}
