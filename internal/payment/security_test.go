package payment

import (
	"bytes"
	"context"
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gradphoto/gradphoto/internal/apperr"
)

// paidAtWeChat places an order and pays it in the sandbox without a notification,
// returning the order and WeChat's transaction (the genuine notification resource).
func (e *env) paidAtWeChat(name string) (*Order, *Transaction) {
	e.t.Helper()
	ctx := context.Background()
	s := e.student(name)
	o, _, err := e.createOrder(ctx, s.UserID, s.CollectionID, false)
	if err != nil {
		e.t.Fatal(err)
	}
	if status, out := e.hook("/pay/transactions/" + o.OutTradeNo + "/succeed?notify=0"); status != 200 {
		e.t.Fatalf("succeed: %v", out)
	}
	tx, err := e.gw.QueryByOutTradeNo(ctx, o.OutTradeNo)
	if err != nil || tx.TradeState != TradeSuccess {
		e.t.Fatalf("query: %+v %v", tx, err)
	}
	return o, tx
}

// genuine builds a notification signed by the sandbox's platform key and encrypted
// under the APIv3 key: what WeChat would send for resource.
func (e *env) genuine(id string, resource any) *http.Request {
	e.t.Helper()
	req, err := e.pay.NewNotification(context.Background(), e.notify, id, EventTransactionSuccess, "支付成功", "transaction", resource)
	if err != nil {
		e.t.Fatal(err)
	}
	return req
}

func bodyOf(t *testing.T, r *http.Request) []byte {
	t.Helper()
	b, err := io.ReadAll(r.Body)
	if err != nil {
		t.Fatal(err)
	}
	r.Body = io.NopCloser(bytes.NewReader(b))
	return b
}

// signWith signs a notification body with key as WeChat's platform would.
func signWith(t *testing.T, key *rsa.PrivateKey, serial string, body []byte, at time.Time) http.Header {
	t.Helper()
	ts := strconv.FormatInt(at.Unix(), 10)
	nonce := "5K8264ILTKCH16CQ2502SI8ZNMTM67VS"
	sum := sha256.Sum256([]byte(ts + "\n" + nonce + "\n" + string(body) + "\n"))
	sig, err := rsa.SignPKCS1v15(nil, key, crypto.SHA256, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set("Wechatpay-Timestamp", ts)
	h.Set("Wechatpay-Nonce", nonce)
	h.Set("Wechatpay-Serial", serial)
	h.Set("Wechatpay-Signature", base64.StdEncoding.EncodeToString(sig))
	return h
}

func TestNotificationSecurity(t *testing.T) {
	e := newEnv(t, "sqlite", envOptions{})
	otherKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	mutated := func(tx *Transaction, f func(t *Transaction)) *Transaction {
		c := *tx
		a := *tx.Amount
		c.Amount = &a
		f(&c)
		return &c
	}

	tests := []struct {
		name string
		// build returns the request to deliver, given the order's genuine transaction.
		build func(t *testing.T, tx *Transaction) *http.Request
		skew  time.Duration // the server's clock against WeChat's
		// wantUnauthorized: refused with 401; otherwise answered 200 and recorded as an anomaly.
		wantUnauthorized bool
	}{
		{name: "unsigned", wantUnauthorized: true, build: func(t *testing.T, tx *Transaction) *http.Request {
			r := e.genuine("", tx)
			r.Header.Del("Wechatpay-Signature")
			return r
		}},
		{name: "signed with another key (probe)", wantUnauthorized: true, build: func(t *testing.T, tx *Transaction) *http.Request {
			r := e.genuine("", tx)
			r.Header = signWith(t, otherKey, e.keys.PlatformSerial, bodyOf(t, r), time.Now())
			return r
		}},
		{name: "unknown serial", wantUnauthorized: true, build: func(t *testing.T, tx *Transaction) *http.Request {
			r := e.genuine("", tx)
			r.Header.Set("Wechatpay-Serial", "5157F09EFDC096DE15EBE81A47057A7232F1B8E1")
			return r
		}},
		{name: "replayed after 6 minutes", wantUnauthorized: true, skew: 6 * time.Minute, build: func(t *testing.T, tx *Transaction) *http.Request {
			return e.genuine("", tx)
		}},
		{name: "amount tampered in transit", wantUnauthorized: true, build: func(t *testing.T, tx *Transaction) *http.Request {
			// An attacker who even knew the APIv3 key cannot re-sign the body.
			r := e.genuine("", tx)
			h := r.Header
			var env map[string]any
			if err := json.Unmarshal(bodyOf(t, r), &env); err != nil {
				t.Fatal(err)
			}
			res := env["resource"].(map[string]any)
			plain, _ := json.Marshal(mutated(tx, func(t *Transaction) { t.Amount.Total = 1; one := int64(1); t.Amount.PayerTotal = &one }))
			res["ciphertext"] = sealForTest(t, e.keys.APIv3Key, res["nonce"].(string), res["associated_data"].(string), plain)
			body, _ := json.Marshal(env)
			r = e.genuine("", tx)
			r.Body, r.Header = io.NopCloser(bytes.NewReader(body)), h
			return r
		}},
		{name: "garbage body and signature", wantUnauthorized: true, build: func(t *testing.T, tx *Transaction) *http.Request {
			r := e.genuine("", tx)
			r.Body = io.NopCloser(bytes.NewReader([]byte(`{"id":"x"}`)))
			r.Header.Set("Wechatpay-Signature", "AAAA")
			return r
		}},
		{name: "signed, wrong amount", build: func(t *testing.T, tx *Transaction) *http.Request {
			return e.genuine("", mutated(tx, func(t *Transaction) { t.Amount.Total = 1 }))
		}},
		{name: "signed, payer paid less", build: func(t *testing.T, tx *Transaction) *http.Request {
			return e.genuine("", mutated(tx, func(t *Transaction) { less := t.Amount.Total - 1; t.Amount.PayerTotal = &less }))
		}},
		{name: "signed, other appid", build: func(t *testing.T, tx *Transaction) *http.Request {
			return e.genuine("", mutated(tx, func(t *Transaction) { t.AppID = "wx0000000000000bad" }))
		}},
		{name: "signed, other mchid", build: func(t *testing.T, tx *Transaction) *http.Request {
			return e.genuine("", mutated(tx, func(t *Transaction) { t.MchID = "1900009999" }))
		}},
		{name: "signed, other currency", build: func(t *testing.T, tx *Transaction) *http.Request {
			return e.genuine("", mutated(tx, func(t *Transaction) { t.Amount.Currency = "USD" }))
		}},
		{name: "signed, unknown order", build: func(t *testing.T, tx *Transaction) *http.Request {
			return e.genuine("", mutated(tx, func(t *Transaction) { t.OutTradeNo = "P000000000000000000000000000000" }))
		}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, tx := e.paidAtWeChat("sec" + strconv.Itoa(i))
			req := tt.build(t, tx)
			alertsBefore := strings.Count(e.logs.String(), "ALERT payment anomaly")
			e.clock.Advance(tt.skew)
			err := e.svc.HandleNotify(context.Background(), req)
			e.clock.Advance(-tt.skew)
			if tt.wantUnauthorized {
				if apperr.As(err).Kind != apperr.KindUnauthorized {
					t.Fatalf("err = %v, want Unauthorized", err)
				}
			} else {
				if err != nil {
					t.Fatalf("err = %v, want nil (acknowledged, not applied)", err)
				}
				if !hasLine(e.logs.String(), "ERROR", "ALERT payment anomaly") || strings.Count(e.logs.String(), "ALERT payment anomaly") != alertsBefore+1 {
					t.Fatal("no alert logged")
				}
			}
			got := e.order(o.OutTradeNo)
			if got.Status != StatusCreated || got.PaidAt != nil || got.TransactionID != "" || got.PaidCollectionID != nil {
				t.Fatalf("the order changed: %+v", got)
			}
			if len(e.cols.marks()) != 0 || e.reviews.count() != 0 {
				t.Fatal("the collection moved on")
			}
			// The genuine notification still applies afterwards.
			if err := e.svc.HandleNotify(context.Background(), e.genuine("", tx)); err != nil {
				t.Fatal(err)
			}
			if got := e.order(o.OutTradeNo); got.Status != StatusPaid {
				t.Fatalf("genuine notification after the attempt: %+v", got)
			}
			e.cols.mu.Lock()
			e.cols.marked = nil
			e.cols.mu.Unlock()
			e.reviews.mu.Lock()
			e.reviews.calls = nil
			e.reviews.mu.Unlock()
		})
	}
}

func sealForTest(t *testing.T, key, nonce, ad string, plain []byte) string {
	t.Helper()
	block, err := aes.NewCipher([]byte(key))
	if err != nil {
		t.Fatal(err)
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(gcm.Seal(nil, []byte(nonce), plain, []byte(ad)))
}

// TestConcurrentDeliveriesApplyOnce delivers one notification several times at once,
// plus a second notification id for the same payment, as WeChat can when our answer is
// slow: the payment applies exactly once.
func TestConcurrentDeliveriesApplyOnce(t *testing.T) {
	for _, dialect := range dialects(t) {
		t.Run(dialect, func(t *testing.T) {
			e := newEnv(t, dialect, envOptions{})
			o, tx := e.paidAtWeChat("race")
			first := e.genuine("", tx)
			body := bodyOf(t, first)
			second := e.genuine("", tx) // another id, same payment

			const n = 6
			errs := make([]error, n)
			var wg sync.WaitGroup
			start := make(chan struct{})
			for i := 0; i < n; i++ {
				wg.Add(1)
				go func(i int) {
					defer wg.Done()
					var r *http.Request
					if i == n-1 {
						r = second
					} else {
						r = first.Clone(context.Background())
						r.Body = io.NopCloser(bytes.NewReader(body))
					}
					<-start
					errs[i] = e.svc.HandleNotify(context.Background(), r)
				}(i)
			}
			close(start)
			wg.Wait()
			for i, err := range errs {
				if err != nil {
					t.Errorf("delivery %d: %v", i, err)
				}
			}
			if got := e.order(o.OutTradeNo); got.Status != StatusPaid {
				t.Fatalf("order %+v", got)
			}
			if m := e.cols.marks(); len(m) != 1 || e.reviews.count() != 1 {
				t.Fatalf("applied %d times (%d enqueues)", len(m), e.reviews.count())
			}
			applied := 0
			for _, n := range e.notifications(o.OutTradeNo) {
				if n.Outcome == OutcomeApplied {
					applied++
				}
			}
			if applied != 1 {
				t.Fatalf("%d notifications recorded as applied", applied)
			}
		})
	}
}

// TestNotifyWhenTheStoreFails: a failure inside the transaction (here MarkPaid) rolls
// everything back and answers 5xx so that WeChat retries; the retry then applies.
func TestNotifyWhenTheStoreFails(t *testing.T) {
	e := newEnv(t, "sqlite", envOptions{})
	o, tx := e.paidAtWeChat("down")
	req := e.genuine("", tx)
	body := bodyOf(t, req)
	e.cols.failMark = apperr.ErrUnavailable
	err := e.svc.HandleNotify(context.Background(), req)
	if k := apperr.As(err).Kind; k != apperr.KindUnavailable {
		t.Fatalf("err = %v (kind %v), want Unavailable", err, k)
	}
	if got := e.order(o.OutTradeNo); got.Status != StatusCreated || len(e.notifications(o.OutTradeNo)) != 0 {
		t.Fatalf("a failed delivery left traces: %+v", got)
	}
	e.cols.failMark = nil
	retry := req.Clone(context.Background())
	retry.Body = io.NopCloser(bytes.NewReader(body))
	if err := e.svc.HandleNotify(context.Background(), retry); err != nil {
		t.Fatal(err)
	}
	if got := e.order(o.OutTradeNo); got.Status != StatusPaid {
		t.Fatalf("retry: %+v", got)
	}
}

// TestNotifyWhenTheDatabaseIsDown: 503 FAIL (WeChat retries), never 200.
func TestNotifyWhenTheDatabaseIsDown(t *testing.T) {
	e := newEnv(t, "sqlite", envOptions{})
	_, tx := e.paidAtWeChat("dbdown")
	req := e.genuine("", tx)
	sqlDB, err := e.g.DB()
	if err != nil {
		t.Fatal(err)
	}
	_ = sqlDB.Close()
	err = e.svc.HandleNotify(context.Background(), req)
	if k := apperr.As(err).Kind; k != apperr.KindUnavailable {
		t.Fatalf("err = %v (kind %v), want Unavailable", err, k)
	}
}
