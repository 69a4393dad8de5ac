package console

import (
	"bytes"
	"crypto/rand"
	_ "embed"
	"encoding/base64"
	"image"
	"image/color"
	"image/draw"
	"image/png"

	"github.com/skip2/go-qrcode"
)

// The demo queue (sandbox mode only): with `make run` the review queue starts empty, so
// the console offers to take a few demo-roster students through the student journey.

//go:embed demo/photo.jpg
var demoPhoto []byte

// DemoStudent is a student of the demo roster (kept in step with internal/app/seed.go).
type DemoStudent struct {
	Name, StudentNo, Level, Phone string
}

// DemoSchool is the demo roster's school.
const DemoSchool = "upc-east"

// DemoStudents are the demo roster's students the demo queue may use (not 赵六, whom the
// roster marks as already having a 学信网 photo).
func DemoStudents() []DemoStudent {
	return []DemoStudent{
		{"张三", "2019010001", "本科", "13800000001"},
		{"李四", "2019010002", "本科", "13800000002"},
		{"王五", "2020020003", "专科", "13800000003"},
		{"阿依古丽·买买提", "2019010005", "本科", "13800000005"},
		{"陈同学", "2019010110", "本科", "13900000010"},
		{"刘同学", "2019010111", "本科", "13900000011"},
		{"杨同学", "2019010112", "本科", "13900000012"},
		{"黄同学", "2020020013", "专科", "13900000013"},
	}
}

// DemoPhoto returns a compliant ID photo, made unique by i (trailing bytes after the
// JPEG's end marker: the same picture, another hash).
func DemoPhoto(i int) []byte {
	out := make([]byte, 0, len(demoPhoto)+8)
	out = append(out, demoPhoto...)
	return append(out, '\n', byte('0'+i%10), '\n')
}

// DemoCaptureCode draws a fresh random 学信网 capture-code payload as a QR code in a
// 1080 × 2340 phone screenshot (PNG).
func DemoCaptureCode() ([]byte, error) {
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
