package notify

import (
	"context"
	"log/slog"
)

// LogSender is the development provider: the message stays in the outbox (the sandbox
// lists it at GET /sandbox/sms) and is printed with the recipient masked.
type LogSender struct{ log *slog.Logger }

// NewLogSender returns a Sender that only logs.
func NewLogSender(log *slog.Logger) *LogSender { return &LogSender{log: log} }

var _ Sender = (*LogSender)(nil)

// Send prints m; it never fails.
func (s *LogSender) Send(ctx context.Context, m Message) error {
	s.log.InfoContext(ctx, "notification (log provider)", "channel", m.Channel,
		"to", MaskRecipient(m.Channel, m.Recipient), "template", m.Template,
		"key", m.IdempotencyKey, "text", Render(m.Template, m.Params))
	return nil
}
