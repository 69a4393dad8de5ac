package e2e

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gradphoto/gradphoto/internal/payment"
	"github.com/gradphoto/gradphoto/internal/sandbox"
)

// readyToPay takes st through verification, the capture code and a compliant photo.
func (s *server) readyToPay(token string, st student) string {
	s.t.Helper()
	id := s.verify(token, st)
	s.photoOK(token, id)
	return id
}

// payKeys loads the sandbox merchant's keys the server generated.
func (s *server) payKeys() *sandbox.PayKeys {
	s.t.Helper()
	k, err := sandbox.EnsurePayKeys(filepath.Join(s.App.Config.DataDir, "sandbox", "pay"))
	if err != nil {
		s.t.Fatal(err)
	}
	return k
}

func TestPaymentJourney(t *testing.T) {
	onEachDatabase(t, func(t *testing.T, s *server) {
		tok := s.login("payer")
		id := s.readyToPay(tok, zhangSan)

		r := s.do("POST", "/api/v1/collections/"+id+"/order", tok, nil).must(t, 200)
		order := r.JSON["order"].(map[string]any)
		otn := order["out_trade_no"].(string)
		if order["status"] != "created" || order["amount_fen"] != float64(2000) || len(otn) > 32 {
			t.Fatalf("order: %s", r.Body)
		}
		// pay_params are wx.requestPayment's, signed with the merchant key.
		p := r.JSON["pay_params"].(map[string]any)
		for _, k := range []string{"timeStamp", "nonceStr", "package", "signType", "paySign"} {
			if v, _ := p[k].(string); v == "" {
				t.Fatalf("pay_params.%s missing: %s", k, r.Body)
			}
		}
		sig, _ := base64.StdEncoding.DecodeString(p["paySign"].(string))
		sum := sha256.Sum256([]byte(s.App.Config.WeChat.AppID + "\n" + p["timeStamp"].(string) + "\n" + p["nonceStr"].(string) + "\n" + p["package"].(string) + "\n"))
		if err := rsa.VerifyPKCS1v15(&s.payKeys().MchPrivateKey.PublicKey, crypto.SHA256, sum[:], sig); err != nil || p["signType"] != "RSA" {
			t.Fatalf("paySign does not verify: %v", err)
		}

		// The student pays; WeChat (the sandbox) notifies the server.
		r = s.do("POST", "/sandbox/pay/transactions/"+otn+"/succeed", "", nil).must(t, 200)
		if r.JSON["notify_status"] != float64(200) {
			t.Fatalf("notification not accepted: %s", r.Body)
		}
		c := collectionOf(s.do("GET", "/api/v1/collections/"+id, tok, nil).must(t, 200))
		if c["status"] != "in_review" || c["order"].(map[string]any)["status"] != "paid" {
			t.Fatalf("after payment: %v", c)
		}
		if rv, _ := c["review"].(map[string]any); rv == nil || rv["status"] != "pending" {
			t.Fatalf("a paid collection should be queued for review: %v", c["review"])
		}

		// WeChat redelivers: acknowledged, nothing changes.
		for i := 0; i < 3; i++ {
			if r := s.do("POST", "/sandbox/pay/transactions/"+otn+"/notify", "", nil).must(t, 200); r.JSON["notify_status"] != float64(200) {
				t.Fatalf("redelivery %d: %s", i, r.Body)
			}
		}
		ns, err := s.App.Payments.Notifications(context.Background(), otn)
		if err != nil || len(ns) != 1 || ns[0].Outcome != payment.OutcomeApplied {
			t.Fatalf("notifications %+v %v", ns, err)
		}
		if r := s.do("POST", "/api/v1/collections/"+id+"/order", tok, nil).must(t, 409); r.errCode() != "already_paid" {
			t.Fatalf("%s", r.Body)
		}

		// Forged and unsigned notifications get 401 FAIL.
		for name, hdr := range map[string]map[string]string{
			"unsigned": {},
			"forged": {"Wechatpay-Serial": s.payKeys().PlatformSerial, "Wechatpay-Timestamp": strconv.FormatInt(time.Now().Unix(), 10),
				"Wechatpay-Nonce": "abc", "Wechatpay-Signature": base64.StdEncoding.EncodeToString([]byte("not a signature"))},
		} {
			req, _ := http.NewRequest("POST", s.URL+"/pay/wechat/notify", strings.NewReader(`{"id":"x","event_type":"TRANSACTION.SUCCESS"}`))
			req.Header.Set("Content-Type", "application/json")
			for k, v := range hdr {
				req.Header.Set(k, v)
			}
			if r := s.send(req); r.Status != 401 || r.JSON["code"] != "FAIL" {
				t.Fatalf("%s notification: %d %s", name, r.Status, r.Body)
			}
		}

		// Support refunds; WeChat confirms by notification.
		support := s.staffLogin("support")
		r = s.do("POST", "/admin/api/v1/orders/"+otn+"/refund", support, map[string]string{"reason": "学生申请退款"}).must(t, 200)
		if st := r.JSON["order"].(map[string]any)["status"]; st != "refunding" && st != "refunded" {
			t.Fatalf("refund: %s", r.Body)
		}
		waitFor(t, "the refund notification", 5*time.Second, func() bool {
			o, err := s.App.Payments.FindOrder(context.Background(), otn)
			return err == nil && o.Status == payment.StatusRefunded
		})
		s.do("POST", "/admin/api/v1/orders/"+otn+"/refund", tok, map[string]string{"reason": "x"}).must(t, 403) // a student token
	})
}

func TestOrderNeedsTheCHSINoticeAcknowledged(t *testing.T) {
	s := startServer(t)
	tok := s.login("chsi")
	id := s.readyToPay(tok, zhaoLiu)
	r := s.do("POST", "/api/v1/collections/"+id+"/order", tok, nil).must(t, 409)
	if r.errCode() != "already_has_chsi_photo" || !strings.Contains(string(r.Body), "学信网") {
		t.Fatalf("%s", r.Body)
	}
	s.do("POST", "/api/v1/collections/"+id+"/order", tok, map[string]bool{"ack_chsi_photo": true}).must(t, 200)

	other := s.login("chsi-other")
	s.do("POST", "/api/v1/collections/"+id+"/order", other, nil).must(t, 404)
	early := s.verify(other, liSi)
	if r := s.do("POST", "/api/v1/collections/"+early+"/order", other, nil).must(t, 409); r.errCode() != "wrong_step" {
		t.Fatalf("%s", r.Body)
	}
}
