package photo

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"image"
	"math"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// standardised checks data and asserts it comes back passing, with a 480×640
// standard photo whose head top, eye line, face width and head height sit in the
// spec's bands, measured on the standard photo itself.
func standardised(t *testing.T, data []byte) *Report {
	t.Helper()
	c := testChecker(t)
	rep, err := c.Check(context.Background(), data, DefaultProfile())
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Passed || !rep.Standard.Standardized {
		t.Fatalf("passed %v, standardised %v; failed: %+v", rep.Passed, rep.Standard.Standardized, rep.Failed())
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(rep.Standard.JPEG))
	if err != nil || format != "jpeg" || cfg.Width != 480 || cfg.Height != 640 {
		t.Fatalf("standard photo %s %dx%d: %v", format, cfg.Width, cfg.Height, err)
	}
	if q := jpegQuality(t, rep.Standard.JPEG); q < 90 {
		t.Errorf("standard JPEG quality about %d, want ≥ 90", q)
	}
	if rep.Standard.Scale > 1.25 {
		t.Errorf("scale %v > 1.25", rep.Standard.Scale)
	}
	// The standard photo checked as an upload of its own is the same verdict, and
	// its crop is (nearly) all of it.
	again, err := c.Check(context.Background(), rep.Standard.JPEG, DefaultProfile())
	if err != nil {
		t.Fatal(err)
	}
	g := again.Geometry
	if !again.Passed || g.HeadTopY == nil || g.EyeLineY == nil || g.Face == nil || g.ChinY == nil {
		t.Fatalf("the standard photo itself: passed %v, failed %+v", again.Passed, again.Failed())
	}
	p := DefaultProfile()
	in := func(what string, v, lo, hi float64) {
		if v < lo || v > hi {
			t.Errorf("%s %.1f outside %.1f–%.1f", what, v, lo, hi)
		}
	}
	in("head top px", *g.HeadTopY, p.MinHeadTop*640, p.MaxHeadTop*640)
	in("eye line px", *g.EyeLineY, p.MinEyeLine*640, p.MaxEyeLine*640)
	in("face width px", g.Face.W*faceWidthPerSize, p.MinFaceWidth*480, p.MaxFaceWidth*480)
	in("head height", (*g.ChinY-*g.HeadTopY)/640, p.MinHeadHeight, p.MaxHeadHeight)
	return rep
}

func TestStandardFrom2CunStudioFile(t *testing.T) {
	// 413×579 (ratio 0.71), the head filling 55 % of the height, as studios deliver.
	img := place(getFixtures(t).blueSrc, placement{headHeight: 0.52, headTop: 0.1, centreX: 0.5, aspect: 413.0 / 579}, 579)
	if img.Bounds().Dx() != 413 {
		t.Fatalf("fixture %v", img.Bounds())
	}
	rep := standardised(t, encodeJPEG(t, img, 95))
	for _, id := range []string{CheckDimensions, CheckAspectRatio} {
		if ch, _ := rep.Find(id); !ch.Passed {
			t.Errorf("%s refused a 2寸 file: %+v", id, ch)
		}
	}
	cr := rep.Standard.Crop
	if cr[0] < 0 || cr[1] < 0 || cr[0]+cr[2] > 413 || cr[1]+cr[3] > 579 || cr[2]*4 != cr[3]*3 {
		t.Errorf("crop %v not a 3:4 window inside 413×579", cr)
	}
}

// A 2寸 file whose head fills 0.60 of its widest window is inside the standard's
// head-height band (0.42–0.62), though not inside it with the usual margin: it gets
// a standard photo (chooseWindow's second try, edgeMargin), judged like any other.
func TestStandard2CunFileWithALargeHead(t *testing.T) {
	img := place(getFixtures(t).blueSrc, placement{headHeight: 0.57, headTop: 0.09, centreX: 0.5, aspect: 413.0 / 579}, 579)
	rep := standardised(t, encodeJPEG(t, img, 95))
	if hh, _ := rep.Find(CheckHeadHeight); hh.Value < 0.59 {
		t.Errorf("head height %v on the standard photo: the fixture no longer needs the second try", hh.Value)
	}
}

func TestStandardFromPhonePhotoWithMargin(t *testing.T) {
	// A phone photo: the person small and off to one side, lots of background.
	img := place(getFixtures(t).blueSrc, placement{headHeight: 0.24, headTop: 0.3, centreX: 0.4, aspect: 0.75}, 2000)
	rep := standardised(t, encodeJPEG(t, img, 90))
	if s := rep.Standard.Scale; s > 0.8 {
		t.Errorf("scale %v: a phone photo is shrunk", s)
	}
}

func TestStandardKeepsColours(t *testing.T) {
	img := place(getFixtures(t).blueSrc, placement{headHeight: 0.3, headTop: 0.25, centreX: 0.45, aspect: 0.75}, 1280)
	rep := standardised(t, encodeJPEG(t, img, 95))
	std, _, err := image.Decode(bytes.NewReader(rep.Standard.JPEG))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []image.Point{{10, 10}, {470, 10}, {10, 200}} {
		r, g, b, _ := std.At(p.X, p.Y).RGBA()
		if d := math.Abs(float64(r>>8)-float64(standardBlue.R)) + math.Abs(float64(g>>8)-float64(standardBlue.G)) + math.Abs(float64(b>>8)-float64(standardBlue.B)); d > 15 {
			t.Errorf("background at %v is %d,%d,%d, want about %v", p, r>>8, g>>8, b>>8, standardBlue)
		}
	}
}

func TestNoStandardCropSaysWhy(t *testing.T) {
	c := testChecker(t)
	for _, tc := range []struct {
		name  string
		img   func(t testing.TB) image.Image
		check string
		words []string
	}{
		{"face too small for the resolution", placed(placement{0.28, 0.2, 0.5, 0.75}), CheckFaceWidth, []string{"太小", "至少需要", "像素"}},
		{"hair at the top edge", placed(placement{0.45, 0.0, 0.5, 0.75}), CheckHeadTop, []string{"头顶", "上边缘"}},
		{"chin near the bottom edge", placed(placement{0.55, 0.3, 0.5, 0.75}), CheckHeadHeight, []string{"下巴或肩膀"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep, err := c.Check(context.Background(), encodeJPEG(t, tc.img(t), 95), DefaultProfile())
			if err != nil {
				t.Fatal(err)
			}
			if rep.Passed || rep.Standard.Standardized {
				t.Fatalf("passed %v, standardised %v", rep.Passed, rep.Standard.Standardized)
			}
			ch, _ := rep.Find(tc.check)
			if ch.Passed {
				t.Fatalf("%s passed", tc.check)
			}
			for _, w := range tc.words {
				if !strings.Contains(ch.Message, w) {
					t.Errorf("%s message %q lacks %q", tc.check, ch.Message, w)
				}
			}
		})
	}
}

func TestChooseWindowAimsAtHalfTheFrame(t *testing.T) {
	p := DefaultProfile()
	// A head 400 px tall in a large original: the window is 800 px high, hair top
	// at 1/8 of it, face centred.
	hd := head{top: 1000, chin: 1400, eyes: 1190, centre: 1500, faceWidth: 300}
	w, ok := chooseWindow(hd, 3000, 4000, p, relax{})
	if !ok || w.h != 800 || w.w != 600 || w.y != 900 || w.x != 1200 {
		t.Fatalf("window %+v ok %v, want {1200 900 600 800}", w, ok)
	}
	// The same head in a 413-wide original: the full width, the head larger.
	hd = head{top: 60, chin: 360, eyes: 205, centre: 206, faceWidth: 220}
	w, ok = chooseWindow(hd, 413, 579, p, relax{})
	if !ok || w.h > 551 || w.x < 0 || w.x+w.w > 413 || w.y < 0 || w.y+w.h > 579 {
		t.Fatalf("2寸 window %+v ok %v", w, ok)
	}
}

// reportJSON is one photo's report as the API serialises it.
func reportJSON(t testing.TB, c *Checker, data []byte) string {
	rep, err := c.Check(context.Background(), data, DefaultProfile())
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	return string(b) + string(rep.Standard.JPEG)
}

// deterministicInputs are photos whose landmarks used to move between runs: real
// photographs and a turned face.
var deterministicInputs = []string{"turned_02.jpg", "frontal_glasses_01.jpg", "group_04.jpg"}

// TestSameBytesSameReport checks each photo 20 times here and 20 times in a
// second process: one identical report (values and standard photo included).
func TestSameBytesSameReport(t *testing.T) {
	if os.Getenv("GRADPHOTO_REPORT_CHILD") == "1" {
		return
	}
	c := testChecker(t)
	var here []string
	for _, name := range deterministicInputs {
		data := realFile(name)(t)
		first := reportJSON(t, c, data)
		for i := 1; i < 20; i++ {
			if got := reportJSON(t, c, data); got != first {
				t.Fatalf("%s: run %d differs from run 1", name, i+1)
			}
		}
		here = append(here, first)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestReportChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), "GRADPHOTO_REPORT_CHILD=1")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("child process: %v", err)
	}
	for i, name := range deterministicInputs {
		if !bytes.Contains(out, []byte(sumLine(name, here[i]))) {
			t.Errorf("%s: the second process gave another report", name)
		}
	}
}

func sumLine(name, rep string) string {
	return "REPORT " + name + " " + hashHex([]byte(rep)) + "\n"
}

// TestReportChild runs only as TestSameBytesSameReport's second process.
func TestReportChild(t *testing.T) {
	if os.Getenv("GRADPHOTO_REPORT_CHILD") != "1" {
		t.Skip("the second process of TestSameBytesSameReport")
	}
	c := testChecker(t)
	for _, name := range deterministicInputs {
		data := realFile(name)(t)
		first := reportJSON(t, c, data)
		for i := 1; i < 20; i++ {
			if reportJSON(t, c, data) != first {
				t.Fatalf("%s differs within the second process", name)
			}
		}
		os.Stdout.WriteString(sumLine(name, first))
	}
}

func hashHex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// An upload that is a standard photo already keeps its pixels: the report and the
// standard JPEG are those of resampling it and analysing it afresh, and a cropped
// upload is cut and resampled.
func TestStandardUploadKeepsItsPixels(t *testing.T) {
	for name, data := range map[string][]byte{"standard": standardJPEG(t), "cropped": croppedJPEG(t)} {
		fast, err := testChecker(t).Check(context.Background(), data, DefaultProfile())
		if err != nil {
			t.Fatal(err)
		}
		slow, err := NewChecker()
		if err != nil {
			t.Fatal(err)
		}
		slow.alwaysRender = true
		ref, err := slow.Check(context.Background(), data, DefaultProfile())
		if err != nil {
			t.Fatal(err)
		}
		if !fast.Standard.Standardized {
			t.Fatalf("%s: no standard photo", name)
		}
		same := fast.Standard.Crop == [4]int{0, 0, StandardWidth, StandardHeight}
		if same != (name == "standard") {
			t.Errorf("%s: crop %v", name, fast.Standard.Crop)
		}
		a, _ := json.Marshal(fast)
		b, _ := json.Marshal(ref)
		if !bytes.Equal(a, b) || !bytes.Equal(fast.Standard.JPEG, ref.Standard.JPEG) {
			t.Errorf("%s: the report or the JPEG differs from resampling and analysing afresh:\n%s\n%s", name, a, b)
		}
	}
}
