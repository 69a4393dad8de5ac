package capturecode_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"testing"

	"github.com/gradphoto/gradphoto/internal/capturecode"
	"github.com/skip2/go-qrcode"
)

// Clean screenshots whose codes hold a run of modules that looks like a finder
// pattern: gozxing took it for one, stopped looking before the true bottom-left
// finder and read nothing (found by drawing 3 000 random payloads: 4 failed). They
// read on the first attempt now.
func TestFalseFinderInsideTheCode(t *testing.T) {
	d := capturecode.NewDecoder()
	for _, payload := range []string{
		"CHSI:7grQ0v_B3ovoWrhwQouiBESC3Bi-URaaHrDYzhezblECNr9ddMFXadF_QBeKe6yr6nHzTuV_EOcLRE5Y",
		"CHSI:2Le_BURDJWiZyDErDKrTLKUPYzLnFIrg2Ez58DElIrXhmZqKqfGgLFWA9eT_ALE6MS8LAknRjnfI9UPv",
		"CHSI:qhk-xkdeoKmUx9b9-kOKDrjz3heaKHdqDu_NKMrhBNvQjo30SkXTV0PpG-uFu-6wE6nXenzAaYPemFkP",
		"CHSI:3xJ0HAGfk6VhWXF0hAUVw45GOJYvxsfN0NxAxa-RuZ17iZr1dbeLmouZOq_k4BgbK4BMt1QVQYAHaJXT",
	} {
		res, err := d.DecodeResult(context.Background(), phoneScreenshot(t, payload))
		if err != nil || res.Text != payload {
			t.Fatalf("%s: %q, %v", payload, res.Text, err)
		}
		if res.Strategy != "half" {
			t.Errorf("%s: read by %s, want the first attempt", payload, res.Strategy)
		}
	}
}

// phoneScreenshot draws payload's code, 600 px wide, into a 1080×2340 screenshot
// with an app bar, as the e2e tests do.
func phoneScreenshot(t *testing.T, payload string) []byte {
	t.Helper()
	q, err := qrcode.New(payload, qrcode.Medium)
	if err != nil {
		t.Fatal(err)
	}
	shot := image.NewRGBA(image.Rect(0, 0, 1080, 2340))
	draw.Draw(shot, shot.Bounds(), &image.Uniform{color.RGBA{242, 242, 247, 255}}, image.Point{}, draw.Src)
	draw.Draw(shot, image.Rect(0, 0, 1080, 160), &image.Uniform{color.RGBA{20, 110, 220, 255}}, image.Point{}, draw.Src)
	draw.Draw(shot, image.Rect(240, 700, 840, 1300), q.Image(600), image.Point{}, draw.Src)
	var buf bytes.Buffer
	if err := png.Encode(&buf, shot); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
