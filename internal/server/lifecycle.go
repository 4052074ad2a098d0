package server

import (
	"context"
	"net/http"
	"time"

	"github.com/podiam/podiam/internal/audit"
	"github.com/podiam/podiam/internal/s3"
)

// lifecyclePrincipal is who the audit log says acts for a lifecycle
// rule: S3 itself, as the bucket owner's system action.
const lifecyclePrincipal = "s3.amazonaws.com"

// runLifecycle applies buckets' lifecycle configurations every
// cfg.LifecycleInterval until the server closes; each object expired or
// upload aborted is one audit record.
func (s *Server) runLifecycle(svc *s3.Service, log *audit.Log) error {
	if s.cfg.LifecycleInterval <= 0 {
		return nil
	}
	lr, err := s3.NewLifecycleRunner(s3.RunnerConfig{S3: svc, Accounts: s.store, Versions: svc, Report: lifecycleAudit(log, s.cfg.Now),
		Ran: s.cfg.OnLifecycleRun, Logger: s.cfg.Logger})
	if err != nil {
		return err
	}
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		lr.RunEvery(ctx, s.cfg.LifecycleInterval, s.cfg.Now)
	}()
	// Stopped, and waited for, before the store closes.
	s.closers = append(s.closers, func() error { stop(); <-done; return nil })
	return nil
}

// lifecycleAudit writes one audit record per lifecycle event; the rule
// shows as the deciding statement, lifecycle/<rule id>, and the
// operation as S3's server access logs name it.
func lifecycleAudit(log *audit.Log, now func() time.Time) func(context.Context, s3.LifecycleEvent) {
	if log == nil {
		return nil
	}
	return func(_ context.Context, e s3.LifecycleEvent) {
		rec := &audit.Record{Time: now().UTC(), RequestID: newRequestID(), Account: e.Account, Principal: lifecyclePrincipal,
			Action: e.Action, Resource: e.Resource(), Reason: e.Operation, Statements: []string{"lifecycle/" + e.RuleID}, Status: http.StatusNoContent}
		_ = log.Write(rec) // a failing audit log fails the requests that write to it, which report it
	}
}
