package roster

import (
	"context"
	"errors"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/gradphoto/gradphoto/internal/dbtest"
)

func TestNormalizeName(t *testing.T) {
	same := [][]string{
		{"阿依古丽·买买提", "阿依古丽•买买提", "阿依古丽・买买提", "阿依古丽.买买提", " 阿依古丽 · 买买提 ", "阿依古丽．买买提"},
		{"张三", "张 三", " 张三　"},
		{"Zhang San", "zhangsan", "ＺＨＡＮＧ ＳＡＮ"},
	}
	for _, group := range same {
		for _, v := range group[1:] {
			if NormalizeName(v) != NormalizeName(group[0]) {
				t.Errorf("%q and %q should match", v, group[0])
			}
		}
	}
	if NormalizeName("张三") == NormalizeName("张四") {
		t.Fatal("different names match")
	}
}

func TestPhone(t *testing.T) {
	for in, want := range map[string]string{"138 0000 0001": "13800000001", "+86 13800000001": "13800000001", "１３８０００００００１": "13800000001"} {
		if got := NormalizePhone(in); got != want || !ValidPhone(got) {
			t.Errorf("%q -> %q", in, got)
		}
	}
	for _, bad := range []string{"", "1380000000", "23800000001", "138000000012"} {
		if ValidPhone(NormalizePhone(bad)) {
			t.Errorf("%q valid", bad)
		}
	}
	if MaskPhone("13800000001") != "138****0001" {
		t.Fatal(MaskPhone("13800000001"))
	}
}

func TestMatchAndUpsert(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, g *gorm.DB) {
		ctx := context.Background()
		if err := g.Exec("INSERT INTO schools (id, name, province, aliases, levels, price_fen, photo_profile, active, created_at, updated_at) VALUES ('s1','甲大学','','[]','[\"本科\"]',2000,'',true,?,?)", time.Now(), time.Now()).Error; err != nil {
			t.Fatal(err)
		}
		s := NewService(g, time.Now, dbtest.Discard())
		created, updated, err := s.Upsert(ctx, "s1", []Row{
			{StudentNo: "001", Name: "张三", Level: "本科", Phone: "13800000001"},
			{StudentNo: "002", Name: "李四", Level: "本科"},
		})
		if err != nil || created != 2 || updated != 0 {
			t.Fatalf("%d %d %v", created, updated, err)
		}
		created, updated, err = s.Upsert(ctx, "s1", []Row{{StudentNo: "002", Name: "李四", Level: "本科", Phone: "13800000002", HasCHSIPhoto: true}, {StudentNo: "003", Name: "王五", Level: "本科"}})
		if err != nil || created != 1 || updated != 1 {
			t.Fatalf("%d %d %v", created, updated, err)
		}
		e, err := s.Match(ctx, Claim{SchoolID: "s1", Level: "本科", Name: "李四", StudentNo: "002", Phone: "13800000002"})
		if err != nil || !e.HasCHSIPhoto {
			t.Fatalf("%+v %v", e, err)
		}
		for _, c := range []Claim{
			{SchoolID: "s1", Level: "本科", Name: "张三", StudentNo: "001", Phone: "13900000000", MatchPhone: true}, // roster phone differs, and the school compares
			{SchoolID: "s1", Level: "专科", Name: "张三", StudentNo: "001"},
			{SchoolID: "s2", Level: "本科", Name: "张三", StudentNo: "001"},
			{SchoolID: "s1", Level: "本科", Name: "张三", StudentNo: "999"},
		} {
			if _, err := s.Match(ctx, c); !errors.Is(err, ErrNoMatch) {
				t.Errorf("%+v: %v", c, err)
			}
		}
		// No phone in the roster: any phone is recorded, not compared.
		if _, err := s.Match(ctx, Claim{SchoolID: "s1", Level: "本科", Name: "王五", StudentNo: "003", Phone: "13900000000", MatchPhone: true}); err != nil {
			t.Fatal(err)
		}
		// By default the phone is a contact number: a different one still matches.
		if _, err := s.Match(ctx, Claim{SchoolID: "s1", Level: "本科", Name: "张三", StudentNo: "001", Phone: "13900000000"}); err != nil {
			t.Fatal(err)
		}
	})
}

func TestPut(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, g *gorm.DB) {
		ctx := context.Background()
		if err := g.Exec("INSERT INTO schools (id, name, province, aliases, levels, price_fen, photo_profile, active, created_at, updated_at) VALUES ('s1','甲大学','','[]','[\"本科\",\"专科\"]',2000,'',true,?,?)", time.Now(), time.Now()).Error; err != nil {
			t.Fatal(err)
		}
		s := NewService(g, time.Now, dbtest.Discard())
		levels := []string{"本科", "专科"}
		e, created, err := s.Put(ctx, "s1", levels, Row{StudentNo: " 2019x01 ", Name: "张三", Level: "本科", Phone: "+86 138-0000-0001"})
		if err != nil || !created || e.StudentNo != "2019X01" || e.Phone != "13800000001" || e.NameKey != "张三" {
			t.Fatalf("create: %+v %v %v", e, created, err)
		}
		e, created, err = s.Put(ctx, "s1", levels, Row{StudentNo: "2019X01", Name: "张 三", Level: "专科", Phone: "13800000009", HasCHSIPhoto: true})
		if err != nil || created || e.Level != "专科" || e.Phone != "13800000009" || !e.HasCHSIPhoto {
			t.Fatalf("correct: %+v %v %v", e, created, err)
		}
		var n int64
		g.Model(&Entry{}).Where("school_id = ?", "s1").Count(&n)
		if n != 1 {
			t.Fatalf("%d entries, want 1", n)
		}
		for _, bad := range []Row{
			{StudentNo: "2019X02", Name: "", Level: "本科"},
			{StudentNo: "2019X02", Name: "李四", Level: "博士"},
			{StudentNo: "2019X02", Name: "李四", Level: "本科", Phone: "12345"},
			{StudentNo: "20/19", Name: "李四", Level: "本科"},
		} {
			if _, _, err := s.Put(ctx, "s1", levels, bad); !errors.Is(err, ErrEntryInvalid) {
				t.Errorf("%+v: %v", bad, err)
			}
		}
		g.Model(&Entry{}).Where("school_id = ?", "s1").Count(&n)
		if n != 1 {
			t.Fatalf("a refused entry was stored: %d entries", n)
		}
	})
}
