//go:build unix

package collection

import (
	"context"
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/gradphoto/gradphoto/internal/audit"
	"github.com/gradphoto/gradphoto/internal/dbtest"
	"github.com/gradphoto/gradphoto/internal/notify"
)

// submittedSchool makes school "x" on SQLite with n students delivered in one submitted
// batch, the real outbox behind the SMS, and the result list 学信网 would send back:
// every 100th student 不通过, the others 通过.
func submittedSchool(tb testing.TB, n int) (*Staff, []byte) {
	tb.Helper()
	ts := rosterSchool(tb, n)
	g, entries, now, schools, rs := ts.g, ts.entries, ts.now, ts.schools, ts.roster
	log := dbtest.Discard()
	t0 := now()
	cs := make([]Collection, len(entries))
	items := make([]BatchItem, len(entries))
	batch := Batch{SchoolID: "x", Status: BatchSubmitted, PhotoCount: n, CreatedBy: "sa", CreatedAt: t0}
	if err := g.Create(&batch).Error; err != nil {
		tb.Fatal(err)
	}
	var list strings.Builder
	list.WriteString("学号,结果,原因\n")
	for i, e := range entries {
		sha := fmt.Sprintf("%064x", i)
		cs[i] = Collection{ID: fmt.Sprintf("c_%06d", i), UserID: "u", SchoolID: "x", RosterEntryID: e.ID, Level: e.Level, Name: e.Name,
			StudentNo: e.StudentNo, Phone: fmt.Sprintf("139%08d", i), Status: StatusSubmitted, PhotoSHA256: &sha, CreatedAt: t0, UpdatedAt: t0}
		items[i] = BatchItem{BatchID: batch.ID, SchoolID: "x", CollectionID: cs[i].ID, StudentNo: e.StudentNo, Name: e.Name, Level: e.Level, PhotoSHA256: sha}
		if i%100 == 0 {
			fmt.Fprintf(&list, "%s,不通过,与身份证照片比对不一致\n", e.StudentNo)
		} else {
			fmt.Fprintf(&list, "%s,通过,\n", e.StudentNo)
		}
	}
	if err := g.Session(&gorm.Session{CreateBatchSize: 500}).Create(&cs).Error; err != nil {
		tb.Fatal(err)
	}
	if err := g.Session(&gorm.Session{CreateBatchSize: 500}).Create(&items).Error; err != nil {
		tb.Fatal(err)
	}
	s := NewService(Deps{DB: g, Schools: schools, Roster: rs, Now: now, Log: log})
	st := NewStaff(s, audit.NewLog(g, now, log), Delivery{Codes: testSealer(tb), Cropper: fakeCropper{},
		Outbox: notify.NewOutbox(g, map[string]notify.Sender{notify.ChannelSMS: notify.NewLogSender(log)}, notify.Config{}, now, log)})
	return st, []byte(list.String())
}

// BenchmarkCHSIResults50000 imports 学信网's result list for 50 000 students on SQLite:
// 49 500 通过 and 500 不通过, each of those with its SMS in the outbox (target ≤ 5 s).
// cpu-ms/op is the process CPU time of the import: on a shared machine the wall time
// also counts the wait for a core.
func BenchmarkCHSIResults50000(b *testing.B) {
	var cpu time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		st, file := submittedSchool(b, 50000)
		start := processCPU()
		b.StartTimer()
		res, err := st.ImportCHSIResults(context.Background(), asAdmin, "x", "results.csv", file)
		b.StopTimer()
		cpu += processCPU() - start
		if err != nil || res.Accepted != 49500 || res.Failed != 500 || len(res.Errors) != 0 {
			b.Fatalf("%+v %v", res, err)
		}
	}
	b.ReportMetric(float64(cpu)/float64(b.N)/1e6, "cpu-ms/op")
}

// processCPU is the user+system CPU time of the process.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
