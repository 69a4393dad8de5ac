package e2e

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"sync"
	"testing"

	"github.com/gradphoto/gradphoto/internal/collection"
	"github.com/gradphoto/gradphoto/internal/payment"
)

// raceStudents are the 20 demo students of upc-east who can pay without the 学信网 notice.
func raceStudents() []student {
	out := []student{zhangSan, liSi, wangWu, {"阿依古丽·买买提", "2019010005", "本科", "13800000005"}}
	for i, g := range []string{"陈", "刘", "杨", "黄", "周", "吴", "徐", "孙", "马", "朱", "胡", "郭", "何", "林", "罗", "高"} {
		st := student{g + "同学", fmt.Sprintf("20190101%02d", i+10), "本科", fmt.Sprintf("139000000%02d", i+10)}
		if i%4 == 3 {
			st.Level, st.No = "专科", fmt.Sprintf("20200200%02d", i+10)
		}
		out = append(out, st)
	}
	return out
}

// A reviewer approves while support refunds the same student, 20 times over: one of the
// two wins, the other gets a 409 naming what stands, and no collection ends up both
// approved and refunded.
func TestApproveAndRefundRaceHasOneWinner(t *testing.T) {
	onEachDatabase(t, func(t *testing.T, s *server) {
		ctx := context.Background()
		students := raceStudents()
		ids := make([]string, len(students))
		for i, st := range students {
			tok := s.login(fmt.Sprintf("race%d", i))
			ids[i] = s.verify(tok, st)
			// A fixed 采集码 per student: same picture, same decode, every run (random
			// payloads make this 40-upload setup depend on the rare payload the decoder misses).
			s.upload("/api/v1/collections/"+ids[i]+"/capture-code", tok, "image", "code.png", codeScreenshot(t, racePayload(i))).must(t, 200)
			if st := collectionOf(s.upload("/api/v1/collections/"+ids[i]+"/photo", tok, "photo", "photo.jpg", compliantPhoto(t)).must(t, 200))["status"]; st != "photo_ok" {
				t.Fatalf("status after a compliant photo: %v", st)
			}
			s.payAndWaitForReview(tok, ids[i])
		}
		reviewer, support := s.staffLogin("reviewer"), s.staffLogin("support")
		wins := map[string]int{}
		for range ids {
			claim := s.do("POST", "/admin/api/v1/reviews/claim", reviewer, nil).must(t, 200)
			task := claim.JSON["review"].(map[string]any)
			cid := task["collection"].(map[string]any)["id"].(string)
			o, err := s.App.Payments.OrderForCollection(ctx, cid)
			if err != nil || o == nil {
				t.Fatalf("order of %s: %+v %v", cid, o, err)
			}
			var approve, refund *response
			var wg sync.WaitGroup
			wg.Add(2)
			go func() {
				defer wg.Done()
				approve = s.do("POST", fmt.Sprintf("/admin/api/v1/reviews/%v/decision", task["id"]), reviewer, map[string]string{"decision": "approve"})
			}()
			go func() {
				defer wg.Done()
				refund = s.do("POST", "/admin/api/v1/orders/"+o.OutTradeNo+"/refund", support, map[string]string{"reason": "学生申请退款"})
			}()
			wg.Wait()

			col, err := s.App.Collections.ByID(ctx, cid)
			if err != nil {
				t.Fatal(err)
			}
			ord, err := s.App.Payments.FindOrder(ctx, o.OutTradeNo)
			if err != nil {
				t.Fatal(err)
			}
			refunded := ord.Status == payment.StatusRefunding || ord.Status == payment.StatusRefunded
			approved := col.Status == collection.StatusApproved
			switch {
			case approved && refunded:
				t.Fatalf("collection %s approved and refunded: approve %d %s, refund %d %s", cid, approve.Status, approve.Body, refund.Status, refund.Body)
			case approve.Status == 200 && refund.Status == 409:
				if !approved || refunded || refund.errCode() != "refund_after_approval" || detail(refund, "collection_status") != "approved" {
					t.Fatalf("approval won, but: %s / %s / %+v", col.Status, refund.Body, ord)
				}
				wins["approve"]++
			case refund.Status == 200 && approve.Status == 409:
				if approved || !refunded || col.Status != collection.StatusPhotoOK || approve.errCode() != "review_already_decided" ||
					detail(approve, "review_status") != "cancelled" {
					t.Fatalf("refund won, but: %s / %s / %+v", col.Status, approve.Body, ord)
				}
				wins["refund"]++
			default:
				t.Fatalf("not one winner: approve %d %s, refund %d %s", approve.Status, approve.Body, refund.Status, refund.Body)
			}
		}
		t.Logf("winners over %d pairs: %v", len(ids), wins)
	})
}

// racePayload is student i's 采集码: 60 bytes derived from i, like newPayload's.
func racePayload(i int) string {
	a := sha256.Sum256([]byte(fmt.Sprintf("gradphoto-race-%d-a", i)))
	b := sha256.Sum256([]byte(fmt.Sprintf("gradphoto-race-%d-b", i)))
	return "CHSI:" + base64.RawURLEncoding.EncodeToString(append(a[:], b[:28]...))
}

// detail reads error.details[key] of an error answer.
func detail(r *response, key string) any {
	e, _ := r.JSON["error"].(map[string]any)
	d, _ := e["details"].(map[string]any)
	return d[key]
}
