package app

import (
	"context"
	"time"

	"github.com/gradphoto/gradphoto/internal/auth"
	"github.com/gradphoto/gradphoto/internal/config"
	"github.com/gradphoto/gradphoto/internal/notify"
	"github.com/gradphoto/gradphoto/internal/notify/tencent"
	"github.com/gradphoto/gradphoto/internal/notify/wxsubscribe"
	"github.com/gradphoto/gradphoto/internal/review"
	"github.com/gradphoto/gradphoto/internal/sandbox"
	"github.com/gradphoto/gradphoto/internal/usecase"
)

// reviews is what newReview builds.
type reviews struct {
	outbox  *notify.Outbox
	service *review.Service
	workers []worker
}

// newReview builds the notification outbox and the review queue, connects the queue to
// collections, and returns them with their workers (outbox sender, SLA sweep).
func newReview(cfg *config.Config, a *App, mini *auth.MiniProgram, now func() time.Time) (*reviews, error) {
	senders := map[string]notify.Sender{notify.ChannelSMS: notify.NewLogSender(a.Log)}
	if cfg.Notify.Provider == "tencent" {
		t := cfg.Notify.Tencent
		sms, err := tencent.New(tencent.Config{Endpoint: t.Endpoint, Region: t.Region, SecretID: t.SecretID, SecretKey: t.SecretKey,
			SdkAppID: t.SdkAppID, SignName: t.SignName, Templates: map[string]string{
				notify.TemplateReviewApproved: t.TemplateApproved, notify.TemplateReviewRejected: t.TemplateRejected,
				notify.TemplateReminder:       t.TemplateReminder,
				notify.TemplateCHSIFailed:     t.TemplateCHSIFailed,
				notify.TemplatePaymentAnomaly: t.TemplatePaymentAnomaly}}, nil, now)
		if err != nil {
			return nil, err
		}
		senders[notify.ChannelSMS] = sms
	}
	// The subscribe channel exists only once its templates are configured.
	subCfg := wxsubscribe.Config{TemplateApproved: cfg.WeChat.SubscribeTemplateApproved, TemplateRejected: cfg.WeChat.SubscribeTemplateRejected,
		State: cfg.WeChat.SubscribeState}
	if subCfg.TemplateApproved != "" && subCfg.TemplateRejected != "" {
		var hook func(context.Context) context.Context
		if cfg.Sandbox() {
			// The SDK's HTTP client is shared by the process; the context names this app's sandbox.
			base := cfg.WeChat.SandboxURL
			hook = func(ctx context.Context) context.Context { return sandbox.WithBaseURL(ctx, base) }
		}
		senders[notify.ChannelSubscribe] = wxsubscribe.New(mini.SDK(), subCfg, hook)
	}
	out := &reviews{outbox: notify.NewOutbox(a.DB, senders, notify.Config{MaxAttempts: cfg.Notify.MaxAttempts}, now, a.Log)}
	out.service = review.NewService(a.DB, usecase.NewReviewSubjects(a.Collections, a.Schools, a.Auth, subCfg.TemplateID),
		out.outbox, review.Config{Lease: cfg.Review.Lease, SLA: cfg.Review.SLA}, now, a.Log)
	out.workers = []worker{
		{"notify-outbox", func(ctx context.Context) { out.outbox.Run(ctx, cfg.Notify.PollInterval) }},
		{"review-sla", func(ctx context.Context) { out.service.Run(ctx, time.Minute) }},
	}
	return out, nil
}

// sentSMS adapts the outbox to the sandbox's SMS list.
type sentSMS struct{ o *notify.Outbox }

func (s sentSMS) RecentSMS(ctx context.Context, limit int) ([]sandbox.SentSMS, error) {
	recs, err := s.o.RecentSMS(ctx, limit)
	if err != nil {
		return nil, err
	}
	out := make([]sandbox.SentSMS, len(recs))
	for i, r := range recs {
		out[i] = sandbox.SentSMS{ID: r.ID, Phone: r.Recipient, Template: r.Template, Params: r.Params,
			Text: r.Text, CollectionID: r.CollectionID, SentAt: r.SentAt}
	}
	return out, nil
}
