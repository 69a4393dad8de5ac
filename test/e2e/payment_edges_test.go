package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/gradphoto/gradphoto/internal/config"
	"github.com/gradphoto/gradphoto/internal/payment"
)

const alertPhone = "13900000099"

func withAlertPhone(cfg *config.Config) { cfg.Support.AlertPhone = alertPhone }

// An order WeChat closed (expired, or closed on its side) no longer blocks the student:
// the next tap gets a new order and pays it.
func TestClosedOrderIsReplacedInOneTap(t *testing.T) {
	onEachDatabase(t, func(t *testing.T, s *server) {
		tok := s.login("reorder")
		id := s.readyToPay(tok, zhangSan)
		first := s.do("POST", "/api/v1/collections/"+id+"/order", tok, nil).must(t, 200).JSON["order"].(map[string]any)["out_trade_no"].(string)
		s.do("POST", "/sandbox/pay/transactions/"+first+"/fail", "", nil).must(t, 200)

		r := s.do("POST", "/api/v1/collections/"+id+"/order", tok, nil).must(t, 200)
		second := r.JSON["order"].(map[string]any)["out_trade_no"].(string)
		if second == first || r.JSON["pay_params"].(map[string]any)["package"] == "" {
			t.Fatalf("re-order: %s", r.Body)
		}
		if r := s.do("POST", "/sandbox/pay/transactions/"+second+"/succeed", "", nil).must(t, 200); r.JSON["notify_status"] != float64(200) {
			t.Fatalf("pay: %s", r.Body)
		}
		c := collectionOf(s.do("GET", "/api/v1/collections/"+id, tok, nil).must(t, 200))
		if c["status"] != "in_review" || c["order"].(map[string]any)["out_trade_no"] != second {
			t.Fatalf("after paying the new order: %v", c)
		}
		if o, err := s.App.Payments.FindOrder(context.Background(), first); err != nil || o.Status != payment.StatusClosed {
			t.Fatalf("first order: %+v %v", o, err)
		}
	})
}

// A payment of an order we had closed is refunded by itself, audited, and texted to support.
func TestLatePaymentOfAClosedOrderRefundsItself(t *testing.T) {
	run := func(t *testing.T, s *server) {
		ctx := context.Background()
		tok := s.login("latepay")
		id := s.readyToPay(tok, liSi)
		otn := s.do("POST", "/api/v1/collections/"+id+"/order", tok, nil).must(t, 200).JSON["order"].(map[string]any)["out_trade_no"].(string)
		// Closed on our side only (as the reconciler does when WeChat had no prepay).
		if err := s.App.DB.Exec("UPDATE orders SET status = 'closed', open_collection_id = NULL WHERE out_trade_no = ?", otn).Error; err != nil {
			t.Fatal(err)
		}
		if r := s.do("POST", "/sandbox/pay/transactions/"+otn+"/succeed", "", nil).must(t, 200); r.JSON["notify_status"] != float64(200) {
			t.Fatalf("pay: %s", r.Body)
		}
		waitFor(t, "the automatic refund", 5*time.Second, func() bool {
			o, err := s.App.Payments.FindOrder(ctx, otn)
			return err == nil && o.Status == payment.StatusRefunded
		})
		c := collectionOf(s.do("GET", "/api/v1/collections/"+id, tok, nil).must(t, 200))
		if c["status"] != "photo_ok" {
			t.Fatalf("a refunded late payment moved the collection: %v", c["status"])
		}
		admin := s.staffLogin("admin")
		r := s.do("GET", "/admin/api/v1/audit?action=payment_anomaly", admin, nil).must(t, 200)
		entries, _ := r.JSON["entries"].([]any)
		if len(entries) != 1 || entries[0].(map[string]any)["target"] != otn ||
			entries[0].(map[string]any)["detail"].(map[string]any)["auto_refund"] != true {
			t.Fatalf("audit: %s", r.Body)
		}
		if text := s.waitForSMS(alertPhone, otn); !strings.Contains(text, "已自动退款") {
			t.Fatalf("SMS to support: %q", text)
		}
	}
	t.Run("sqlite", func(t *testing.T) { run(t, startServer(t, withAlertPhone)) })
	t.Run("mysql", func(t *testing.T) { run(t, startServer(t, onMySQL(t), withAlertPhone)) })
}
