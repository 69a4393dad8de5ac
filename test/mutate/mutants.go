package main

// mutant is one check removed or flipped.
type mutant struct {
	Name    string
	File    string
	Find    string // must occur exactly once in File
	Replace string
	Pkg     string // the package whose tests must notice
	Run     string // go test -run
	MySQL   bool   // the check is about row locks: run on MySQL/MariaDB
}

const (
	payPkg     = "./internal/payment/"
	notifyFile = "internal/payment/notify.go"
	svcFile    = "internal/payment/service.go"
	refundFile = "internal/payment/refund.go"
	e2ePkg     = "./test/e2e/"
	refundRun  = "TestRefundNotificationChecks"
	payRun     = "TestReorder|TestOrderPaid|TestPaidAfterClose|TestSecondPaid|TestSecondTransaction|TestNonSuccess|TestRefund"
	raceRun    = "TestApproveAndRefundRaceHasOneWinner"
)

// mutants are the money checks of issue 18, each with the tests that guard it.
var mutants = []mutant{
	// Refund results (notification, answer or query): applyRefund.
	{Name: "refund: unknown order accepted", File: notifyFile, Find: "case db.IsNotFound(err):", Replace: "case false:", Pkg: payPkg, Run: refundRun},
	{Name: "refund: other merchant accepted", File: notifyFile, Find: `case r.MchID != "" && r.MchID != s.cfg.MchID:`, Replace: "case false:", Pkg: payPkg, Run: refundRun},
	{Name: "refund: unrequested refund accepted", File: notifyFile, Find: "case o.OutRefundNo == nil || *o.OutRefundNo != r.OutRefundNo:", Replace: "case false:", Pkg: payPkg, Run: refundRun},
	{Name: "refund: other out_refund_no accepted", File: notifyFile, Find: "case o.OutRefundNo == nil || *o.OutRefundNo != r.OutRefundNo:", Replace: "case o.OutRefundNo == nil:", Pkg: payPkg, Run: refundRun},
	{Name: "refund: refunded amount not checked", File: notifyFile, Find: "r.Amount.Refund != o.AmountFen || r.Amount.Total", Replace: "r.Amount.Total", Pkg: payPkg, Run: refundRun},
	{Name: "refund: total amount not checked", File: notifyFile, Find: " || r.Amount.Total != o.AmountFen)", Replace: ")", Pkg: payPkg, Run: refundRun},
	{Name: "refund: settled refund applied again", File: notifyFile, Find: "case o.Status == StatusRefunded:", Replace: "case false:", Pkg: payPkg, Run: refundRun},
	{Name: "refund: SUCCESS not applied", File: notifyFile, Find: "case r.Status == RefundSuccess:", Replace: "case false:", Pkg: payPkg, Run: refundRun},
	{Name: "refund: CLOSED ignored", File: notifyFile, Find: "case r.Status == RefundAbnormal || r.Status == RefundClosed:", Replace: "case r.Status == RefundAbnormal:", Pkg: payPkg, Run: refundRun},
	{Name: "refund: ABNORMAL ignored", File: notifyFile, Find: "case r.Status == RefundAbnormal || r.Status == RefundClosed:", Replace: "case r.Status == RefundClosed:", Pkg: payPkg, Run: refundRun},
	{Name: "refund endpoint: any event applied", File: notifyFile, Find: "	case EventRefundSuccess, EventRefundAbnormal, EventRefundClosed:\n	default:", Replace: "	case EventRefundSuccess, EventRefundAbnormal, EventRefundClosed, EventTransactionSuccess:\n	default:", Pkg: payPkg, Run: refundRun},

	// Payment notifications: recordOnly, anomalies, automatic refunds.
	{Name: "pay: non-SUCCESS event applied", File: notifyFile, Find: "if n.EventType != EventTransactionSuccess {", Replace: "if false {", Pkg: payPkg, Run: "TestNonSuccess"},
	{Name: "pay: non-transaction resource not recorded", File: notifyFile, Find: `return s.recordOnly(ctx, n.ID, n.EventType, "", OutcomeAnomaly, "resource is not a transaction")`, Replace: "return nil", Pkg: payPkg, Run: "TestNonSuccess"},
	{Name: "anomalies not told (audit, SMS)", File: notifyFile, Find: "	if s.alerts == nil {\n		return nil\n	}\n	if err := s.alerts.PaymentAnomaly(", Replace: "	if true {\n		return nil\n	}\n	if err := s.alerts.PaymentAnomaly(", Pkg: payPkg, Run: refundRun + "|TestPaidAfterClose|TestSecondTransaction"},
	{Name: "pay: recordOnly anomaly not told", File: notifyFile, Find: "		if outcome != OutcomeAnomaly {\n			return nil\n		}", Replace: "		if true {\n			return nil\n		}", Pkg: payPkg, Run: "TestNonSuccess"},
	{Name: "pay: paid after close kept", File: notifyFile, Find: `return OutcomeAnomaly, "paid while the order is " + order.Status, true, nil`, Replace: `return OutcomeAnomaly, "paid while the order is " + order.Status, false, nil`, Pkg: payPkg, Run: "TestPaidAfterClose"},
	{Name: "pay: paid after close applied", File: notifyFile, Find: `return OutcomeAnomaly, "paid while the order is " + order.Status, true, nil`, Replace: `return OutcomeApplied, "", false, nil`, Pkg: payPkg, Run: "TestPaidAfterClose"},
	{Name: "pay: second paid order kept", File: notifyFile, Find: `outcome, detail, refund = OutcomeAnomaly, "second paid order for the collection", true`, Replace: `outcome, detail, refund = OutcomeAnomaly, "second paid order for the collection", false`, Pkg: payPkg, Run: "TestSecondPaid"},
	{Name: "pay: second transaction ignored", File: notifyFile, Find: "if order.TransactionID == t.TransactionID {", Replace: "if true {", Pkg: payPkg, Run: "TestSecondTransaction"},
	{Name: "pay: automatic refund not submitted", File: notifyFile, Find: "s.submitAutoRefund(ctx, order.OutTradeNo)", Replace: "_ = order", Pkg: payPkg, Run: "TestPaidAfterClose|TestSecondPaid"},

	// Orders: re-order after close, expiry and re-price; ORDERPAID sync.
	{Name: "order: ORDER_CLOSED not re-ordered", File: svcFile, Find: `if isGatewayCode(err, "ORDER_CLOSED") {`, Replace: "if false {", Pkg: payPkg, Run: "TestReorderWhenWeChatClosed"},
	{Name: "order: closed order not closed here", File: svcFile, Find: "if _, err := s.markClosed(ctx, open.OutTradeNo); err != nil {", Replace: "if err := error(nil); err != nil {", Pkg: payPkg, Run: "TestReorderWhenWeChatClosed"},
	{Name: "order: expiring order reused", File: svcFile, Find: "open.ExpiresAt.After(s.clock().Add(5*time.Minute))", Replace: "true", Pkg: payPkg, Run: "TestReorderAfterExpiry"},
	{Name: "order: old price reused", File: svcFile, Find: "open.AmountFen == subj.AmountFen", Replace: "true", Pkg: payPkg, Run: "TestReorderAfterExpiry"},
	{Name: "order: ORDERPAID on prepay not synced", File: svcFile, Find: "		if isOrderPaid(err) {\n			// Paid but not yet notified", Replace: "		if false {\n			// Paid but not yet notified", Pkg: payPkg, Run: "TestOrderPaid"},
	{Name: "order: ORDERPAID on close not synced", File: svcFile, Find: "		if isOrderPaid(err) {\n			s.syncCreated(ctx, o)\n			return ErrAlreadyPaid", Replace: "		if false {\n			s.syncCreated(ctx, o)\n			return ErrAlreadyPaid", Pkg: payPkg, Run: "TestOrderPaid"},

	// Refund requests: WeChat's refusal undone.
	{Name: "refund: refusal not undone", File: refundFile, Find: "if revertOnRefusal {", Replace: "if false {", Pkg: payPkg, Run: "TestRefundRefused"},
	{Name: "refund: refusal taken for unknown", File: refundFile, Find: "if errors.As(err, &ge) && ge.StatusCode < 500 {", Replace: "if false {", Pkg: payPkg, Run: "TestRefundRefused"},
	{Name: "refund: undone collection not queued", File: refundFile, Find: "return s.reviews.Enqueue(ctx, o.CollectionID, paidAt)", Replace: "return nil", Pkg: payPkg, Run: "TestRefundRefused"},
	{Name: "refund: unknown outcome undone", File: refundFile, Find: "		s.log.WarnContext(ctx, \"refund outcome unknown, left to the reconciler\", \"out_trade_no\", o.OutTradeNo, \"err\", err)\n		return o, nil", Replace: "		return nil, s.undoRefund(ctx, o)", Pkg: payPkg, Run: "TestRefundRefused"},

	// One decision per collection.
	{Name: "decision: refund rule outside the lock", File: "internal/usecase/refund.go", Find: "		if err := r.rule.LockRefund(ctx, who, o.CollectionID); err != nil {\n			return err\n		}\n", Replace: "", Pkg: e2ePkg, Run: raceRun + "/sqlite"},
	{Name: "decision: refund rule in a transaction of its own", File: "internal/usecase/refund.go", Find: "	var started bool\n	err = db.Tx(ctx, r.g, func(ctx context.Context) error {\n		if err := r.rule.LockRefund(ctx, who, o.CollectionID); err != nil {\n			return err\n		}\n", Replace: "	var started bool\n	if err := db.Tx(ctx, r.g, func(ctx context.Context) error { return r.rule.LockRefund(ctx, who, o.CollectionID) }); err != nil {\n		return nil, failed(err)\n	}\n	err = db.Tx(ctx, r.g, func(ctx context.Context) error {\n", Pkg: "./internal/usecase/", Run: "TestRefundDecidesInOneTransaction"},
	{Name: "decision: approved refundable by support", File: "internal/collection/staff.go", Find: "if photoApproved(c.Status) && who.Role != auth.RoleAdmin {", Replace: "if c.Status == StatusExported && who.Role != auth.RoleAdmin {", Pkg: e2ePkg, Run: raceRun + "/sqlite"},
	{Name: "decision: collection row not locked", File: "internal/collection/service.go", Find: "	return s.load(ctx, \"\", id, true)\n}\n\n// setStatus", Replace: "	return s.load(ctx, \"\", id, false)\n}\n\n// setStatus", Pkg: e2ePkg, Run: raceRun + "/mysql", MySQL: true},
}
