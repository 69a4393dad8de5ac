// Command qrshot writes phone screenshots of 学信网 capture-code QR codes (random CHSI
// payloads) for the console's browser tests and demo queue: qrshot DIR N writes
// DIR/code-1.png … DIR/code-N.png.
package main

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"os"
	"path/filepath"
	"strconv"

	"github.com/skip2/go-qrcode"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: qrshot DIR N")
		os.Exit(2)
	}
	n, err := strconv.Atoi(os.Args[2])
	if err != nil || n < 1 {
		fmt.Fprintln(os.Stderr, "qrshot: N must be a positive number")
		os.Exit(2)
	}
	for i := 1; i <= n; i++ {
		shot, err := screenshot()
		if err == nil {
			err = os.WriteFile(filepath.Join(os.Args[1], fmt.Sprintf("code-%d.png", i)), shot, 0o644)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "qrshot:", err)
			os.Exit(1)
		}
	}
}

// screenshot draws a fresh payload's QR code into a 1080×2340 phone screenshot, the way
// the 学信网 app shows it (same layout as the e2e tests' codeScreenshot).
func screenshot() ([]byte, error) {
	b := make([]byte, 60)
	if _, err := rand.Read(b); err != nil {
		return nil, err
	}
	q, err := qrcode.New("CHSI:"+base64.RawURLEncoding.EncodeToString(b), qrcode.Medium)
	if err != nil {
		return nil, err
	}
	shot := image.NewRGBA(image.Rect(0, 0, 1080, 2340))
	draw.Draw(shot, shot.Bounds(), &image.Uniform{color.RGBA{242, 242, 247, 255}}, image.Point{}, draw.Src)
	draw.Draw(shot, image.Rect(0, 0, 1080, 160), &image.Uniform{color.RGBA{20, 110, 220, 255}}, image.Point{}, draw.Src)
	draw.Draw(shot, image.Rect(240, 700, 840, 1300), q.Image(600), image.Point{}, draw.Src)
	var buf bytes.Buffer
	err = png.Encode(&buf, shot)
	return buf.Bytes(), err
}
