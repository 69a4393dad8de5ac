package photo

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"image"
	"image/color"
	"image/gif"
	"math"
	"math/rand/v2"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/disintegration/imaging"

	"github.com/gradphoto/gradphoto/internal/apperr"
)

var (
	checkerOnce sync.Once
	sharedChk   *Checker
	chkErr      error
)

func testChecker(t testing.TB) *Checker {
	t.Helper()
	checkerOnce.Do(func() { sharedChk, chkErr = NewChecker() })
	if chkErr != nil {
		t.Fatal(chkErr)
	}
	return sharedChk
}

// canvasPoint maps a point of frontal_plain_01.jpg to the 480×640 canvas of pl.
func canvasPoint(pl placement, sx, sy float64) (float64, float64) {
	const outH = 640
	scale := float64(plainChin-plainHairTop) / (pl.headHeight * outH)
	outW := math.Round(outH * pl.aspect)
	top := float64(plainHairTop) - pl.headTop*outH*scale
	left := float64(plainCentreX) - pl.centreX*outW*scale
	return (sx - left) / scale, (sy - top) / scale
}

// Landmarks of frontal_plain_01.jpg, read off the photo.
var (
	plainLeftPupil  = [2]float64{114, 183}
	plainRightPupil = [2]float64{204, 182}
	plainMouth      = [2]float64{161, 285}
	plainCheek      = [2]float64{125, 255}
)

type photoCase struct {
	name     string
	data     func(t testing.TB) []byte
	mustFail []string // check ids that must fail
	mustPass []string // check ids that must pass (the defect is this one alone)
}

func jpegOf(f func(t testing.TB) image.Image) func(t testing.TB) []byte {
	return func(t testing.TB) []byte { return encodeJPEG(t, f(t), 95) }
}

func realFile(name string) func(t testing.TB) []byte {
	return func(t testing.TB) []byte {
		b, err := os.ReadFile("testdata/" + name)
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(name, ".png") {
			// The PNG originals are judged on their content: re-encode as JPEG.
			return encodeJPEG(t, loadTestImage(t, name), 95)
		}
		return b
	}
}

func standardJPEG(t testing.TB) []byte { return encodeJPEG(t, standardImage(t), 95) }

func placed(pl placement) func(t testing.TB) image.Image {
	return func(t testing.TB) image.Image { return place(getFixtures(t).blueSrc, pl, 640) }
}

func photoCases() []photoCase {
	std := standardPlacement
	geometryOK := []string{CheckSharpness, CheckBackgroundBlue, CheckColorMode, CheckEyesOpen, CheckEyesLevel, CheckFaceFrontal}
	return []photoCase{
		{name: "standard passes everything", data: standardJPEG},
		{name: "greyscale", data: jpegOf(func(t testing.TB) image.Image { return toGrey(standardImage(t)) }),
			mustFail: []string{CheckColorMode}, mustPass: []string{CheckEyeLine, CheckHeadTop, CheckSharpness}},
		{name: "one-channel greyscale JPEG", data: jpegOf(func(t testing.TB) image.Image {
			src := standardImage(t)
			g := image.NewGray(src.Bounds())
			for y := 0; y < 640; y++ {
				for x := 0; x < 480; x++ {
					g.Set(x, y, src.At(x, y))
				}
			}
			return g
		}), mustFail: []string{CheckColorMode}, mustPass: []string{CheckFormatJPEG, CheckEyeLine, CheckHeadTop, CheckSingleFace}},
		{name: "blurred", data: jpegOf(func(t testing.TB) image.Image { return imaging.Blur(standardImage(t), 3) }),
			mustFail: []string{CheckSharpness}, mustPass: []string{CheckEyeLine, CheckBackgroundBlue, CheckColorMode}},
		{name: "head tilted 10°", data: jpegOf(func(t testing.TB) image.Image {
			return imaging.Rotate(standardImage(t), 10, standardBlue)
		}), mustFail: []string{CheckEyesLevel}, mustPass: []string{CheckColorMode, CheckSingleFace}},
		{name: "off centre", data: jpegOf(placed(placement{0.52, 0.125, 0.64, 0.75})),
			mustFail: []string{CheckFaceCentered}, mustPass: append([]string{CheckEyeLine, CheckHeadTop, CheckFaceWidth}, geometryOK...)},
		{name: "head too small", data: jpegOf(placed(placement{0.32, 0.15, 0.5, 0.75})),
			mustFail: []string{CheckFaceWidth, CheckHeadHeight}, mustPass: []string{CheckHeadTop, CheckFaceCentered, CheckBackgroundBlue}},
		{name: "head too large", data: jpegOf(placed(placement{0.72, 0.03, 0.5, 0.75})),
			mustFail: []string{CheckHeadTop, CheckHeadHeight, CheckFaceWidth}, mustPass: []string{CheckFaceCentered, CheckColorMode}},
		{name: "eyes too low, chin near the bottom: no standard crop", data: jpegOf(placed(placement{0.56, 0.30, 0.5, 0.75})),
			mustFail: []string{CheckEyeLine, CheckHeadTop, CheckHeadHeight}, mustPass: []string{CheckFaceCentered}},
		{name: "eyes low, chin near the bottom: cut near the bands' edges", data: jpegOf(placed(placement{0.52, 0.26, 0.5, 0.75})),
			mustPass: []string{CheckEyeLine, CheckHeadTop, CheckHeadHeight, CheckFaceWidth, CheckFaceCentered, CheckAspectRatio}},
		{name: "wider than 3:4 (0.9) is cropped to the standard", data: jpegOf(placed(placement{0.52, 0.125, 0.5, 0.9})),
			mustPass: []string{CheckAspectRatio, CheckDimensions, CheckEyeLine, CheckHeadTop, CheckFaceCentered, CheckFaceWidth, CheckHeadHeight}},
		{name: "too small a file", data: func(t testing.TB) []byte {
			return encodeJPEG(t, imaging.Resize(standardImage(t), 240, 320, imaging.Box), 40)
		}, mustFail: []string{CheckFileSize, CheckDimensions}, mustPass: []string{CheckAspectRatio, CheckFormatJPEG}},
		{name: "PNG renamed .jpg", data: func(t testing.TB) []byte { return encodePNG(t, standardImage(t)) },
			mustFail: []string{CheckFormatJPEG}, mustPass: []string{CheckDimensions, CheckAspectRatio}},
		{name: "EXIF Software=Adobe Photoshop", data: func(t testing.TB) []byte {
			return withExifSoftware(standardJPEG(t), "Adobe Photoshop 25.0 (Windows)")
		}, mustFail: []string{CheckNotEdited}, mustPass: []string{CheckFormatJPEG, CheckSharpness}},
		{name: "XMP CreatorTool=美图秀秀", data: func(t testing.TB) []byte {
			return withXMPCreator(standardJPEG(t), "美图秀秀 Meitu 9.9")
		}, mustFail: []string{CheckNotEdited}},
		{name: "camera EXIF is not an edit", data: func(t testing.TB) []byte {
			return withExifSoftware(standardJPEG(t), "iOS 17.4.1")
		}, mustPass: []string{CheckNotEdited}},
		{name: "stored on its side, EXIF Orientation 6", data: func(t testing.TB) []byte {
			return withExif(encodeJPEG(t, imaging.Rotate90(standardImage(t)), 95), "", 6)
		}},
		{name: "stored on its other side, EXIF Orientation 8", data: func(t testing.TB) []byte {
			return withExif(encodeJPEG(t, imaging.Rotate270(standardImage(t)), 95), "", 8)
		}},
		{name: "on its side without the EXIF tag", data: jpegOf(func(t testing.TB) image.Image {
			return imaging.Rotate90(standardImage(t))
		}), mustFail: []string{CheckAspectRatio, CheckEyesLevel}},
		{name: "white background as shot", data: jpegOf(func(t testing.TB) image.Image {
			return place(getFixtures(t).whiteSrc, std, 640)
		}), mustFail: []string{CheckBackgroundBlue}, mustPass: []string{CheckHeadTop, CheckEyeLine, CheckBackgroundUniform}},
		{name: "background gradient", data: jpegOf(func(t testing.TB) image.Image {
			f := getFixtures(t)
			grad := imaging.Clone(f.blueSrc)
			paint(grad, grad.Bounds(), func(x, y int, c color.NRGBA) color.NRGBA {
				if c != standardBlue {
					return c
				}
				k := 1.15 - 0.45*float64(y)/plainShirtTopY // bright at the top, darker down
				return color.NRGBA{addClamp(0, int(67*k)), addClamp(0, int(142*k)), addClamp(0, int(219*k)), 255}
			})
			return place(grad, std, 640)
		}), mustFail: []string{CheckBackgroundUniform}, mustPass: []string{CheckBackgroundBlue, CheckHeadTop}},
		{name: "clothing as blue as the background", data: jpegOf(func(t testing.TB) image.Image {
			img := standardImage(t)
			_, shirtY := canvasPoint(std, 0, plainShirtTopY)
			paint(img, image.Rect(0, int(shirtY), 480, 640), func(x, y int, c color.NRGBA) color.NRGBA {
				if c.R > 190 && c.G > 190 && c.B > 190 { // the white T-shirt
					return standardBlue
				}
				return c
			})
			// The neck in the middle is stretched down by the fixture; a real
			// blue sweater would cover it.
			paint(img, image.Rect(0, 600, 480, 640), func(int, int, color.NRGBA) color.NRGBA { return standardBlue })
			return img
		}), mustFail: []string{CheckClothingContrast}, mustPass: []string{CheckBackgroundBlue, CheckEyeLine}},
		{name: "underexposed", data: jpegOf(func(t testing.TB) image.Image {
			return imaging.AdjustBrightness(standardImage(t), -55)
		}), mustFail: []string{CheckExposure}},
		{name: "side light", data: jpegOf(func(t testing.TB) image.Image {
			img := standardImage(t)
			cx, _ := canvasPoint(std, plainCentreX, 0)
			paint(img, image.Rect(0, 0, int(cx), 640), func(x, y int, c color.NRGBA) color.NRGBA {
				if int(c.B) > int(c.R)+60 { // background
					return c
				}
				return color.NRGBA{uint8(float64(c.R) * 0.55), uint8(float64(c.G) * 0.55), uint8(float64(c.B) * 0.55), 255}
			})
			return img
		}), mustFail: []string{CheckExposure}, mustPass: []string{CheckBackgroundBlue}},
		{name: "eyes closed", data: jpegOf(func(t testing.TB) image.Image {
			img := standardImage(t)
			cx, cy := canvasPoint(std, plainCheek[0], plainCheek[1])
			skin := img.NRGBAAt(int(cx), int(cy))
			for _, e := range [][2]float64{plainLeftPupil, plainRightPupil} {
				x, y := canvasPoint(std, e[0], e[1])
				r := 0.14 * 90 / (float64(plainChin-plainHairTop) / (0.52 * 640))
				disc(img, x, y, r, skin)
			}
			return img
		}), mustFail: []string{CheckEyesOpen}, mustPass: []string{CheckBackgroundBlue, CheckSingleFace}},
		{name: "glare on glasses", data: jpegOf(func(t testing.TB) image.Image {
			img := standardImage(t)
			for _, e := range [][2]float64{plainLeftPupil, plainRightPupil} {
				x, y := canvasPoint(std, e[0]+12, e[1]-16)
				disc(img, x, y, 8, color.NRGBA{255, 255, 255, 255})
			}
			return img
		}), mustFail: []string{CheckGlassesGlare}, mustPass: []string{CheckSingleFace}},
		{name: "shoulders not level", data: jpegOf(func(t testing.TB) image.Image {
			img := standardImage(t)
			_, shirtY := canvasPoint(std, 0, plainShirtTopY)
			paint(img, image.Rect(0, int(shirtY), 120, int(shirtY)+90), func(int, int, color.NRGBA) color.NRGBA { return standardBlue })
			return img
		}), mustFail: []string{CheckShouldersLevel}, mustPass: []string{CheckBackgroundBlue, CheckEyeLine}},
		{name: "teeth showing", data: jpegOf(func(t testing.TB) image.Image {
			img := standardImage(t)
			x, y := canvasPoint(std, plainMouth[0], plainMouth[1])
			paint(img, image.Rect(int(x)-26, int(y)-7, int(x)+26, int(y)+8), func(int, int, color.NRGBA) color.NRGBA {
				return color.NRGBA{236, 232, 222, 255}
			})
			return img
		}), mustFail: []string{CheckMouthClosed}, mustPass: []string{CheckSingleFace}},
		// Real photographs, unchanged.
		{name: "real: group of four", data: realFile("group_04.jpg"), mustFail: []string{CheckSingleFace}},
		// The head turned a little (eye corners 0.09, inside the spec's 0.12), the eyes
		// up and away, the head tilted 6°: refused for the tilt, not as a turned face.
		{name: "real: child looking up and away", data: realFile("turned_02.jpg"), mustFail: []string{CheckEyesLevel}, mustPass: []string{CheckFaceFrontal}},
		{name: "real: head turned about 30°, the eyes the same way", data: realFile("cal/models-11.jpg"), mustFail: []string{CheckFaceFrontal}},
		{name: "real: head turned, eyes to the camera", data: realFile("cal/teen-1.jpg"), mustFail: []string{CheckFaceFrontal}},
		{name: "real: greyscale three-quarter profile", data: realFile("profile_01.png"), mustFail: []string{CheckColorMode, CheckSingleFace}},
		{name: "real: cat", data: realFile("noface_03_cat.png"), mustFail: []string{CheckSingleFace}},
		{name: "real: smiling astronaut", data: realFile("frontal_busy_01.png"),
			mustFail: []string{CheckMouthClosed, CheckBackgroundBlue, CheckEyeLine},
			mustPass: []string{CheckSingleFace, CheckFaceFrontal, CheckEyesOpen, CheckEyesLevel, CheckColorMode, CheckExposure, CheckSharpness}},
		{name: "real: portrait before a flag", data: realFile("frontal_glasses_01.jpg"),
			mustFail: []string{CheckBackgroundBlue, CheckBackgroundUniform, CheckHeadTop},
			mustPass: []string{CheckSingleFace, CheckFaceFrontal, CheckEyesOpen, CheckEyesLevel, CheckClothingContrast, CheckGlassesGlare, CheckMouthClosed}},
	}
}

func TestCheckCases(t *testing.T) {
	c := testChecker(t)
	ctx := context.Background()
	for _, tc := range photoCases() {
		t.Run(tc.name, func(t *testing.T) {
			rep, err := c.Check(ctx, tc.data(t), DefaultProfile())
			if err != nil {
				t.Fatal(err)
			}
			if tc.mustFail == nil && tc.mustPass == nil {
				for _, ch := range rep.Checks {
					if !ch.Passed {
						t.Errorf("%s failed: value %v limit %s: %s", ch.ID, ch.Value, ch.Limit, ch.Message)
					}
				}
				if !rep.Passed || len(rep.Checks) != len(rules) {
					t.Errorf("passed=%v with %d checks, want a pass with all %d", rep.Passed, len(rep.Checks), len(rules))
				}
			}
			for _, id := range tc.mustFail {
				ch, ok := rep.Find(id)
				if !ok {
					t.Errorf("%s missing from the report", id)
				} else if ch.Passed {
					t.Errorf("%s passed (value %v, limit %s), want a failure", id, ch.Value, ch.Limit)
				}
			}
			for _, id := range tc.mustPass {
				if ch, ok := rep.Find(id); !ok || !ch.Passed {
					t.Errorf("%s: want a pass, got %+v", id, ch)
				}
			}
			wantPassed := true
			for _, id := range tc.mustFail {
				if severityOf(id) == SeverityError {
					wantPassed = false
				}
			}
			if tc.mustFail != nil && rep.Passed != wantPassed {
				t.Errorf("report passed=%v, want %v; failed: %+v", rep.Passed, wantPassed, rep.Failed())
			}
		})
	}
}

// TestEveryRuleHasPassingAndFailingImages keeps the case table honest: each
// machine-checked rule of photo-spec.md fails in at least one case and passes in
// the standard photo.
func TestEveryRuleHasPassingAndFailingImages(t *testing.T) {
	failing := map[string]bool{}
	for _, tc := range photoCases() {
		for _, id := range tc.mustFail {
			failing[id] = true
		}
	}
	for _, r := range rules {
		t.Run(r.id, func(t *testing.T) {
			if !failing[r.id] {
				t.Errorf("no case fails %s", r.id)
			}
		})
	}
}

// TestGeometryOnTheStandardPhoto: a 960×1280 copy of the standard photo is
// standardised by halving it, and its geometry (in the standard photo's pixels)
// matches the 480×640 original's.
func TestGeometryOnTheStandardPhoto(t *testing.T) {
	c := testChecker(t)
	big := imaging.Resize(standardImage(t), 960, 1280, imaging.CatmullRom)
	small, err := c.Check(context.Background(), standardJPEG(t), DefaultProfile())
	if err != nil {
		t.Fatal(err)
	}
	large, err := c.Check(context.Background(), encodeJPEG(t, big, 92), DefaultProfile())
	if err != nil {
		t.Fatal(err)
	}
	if !large.Passed || !large.Standard.Standardized {
		t.Fatalf("960×1280 copy of the standard photo: passed %v, crop %v, failed %+v", large.Passed, large.Standard.Crop, large.Failed())
	}
	if s := large.Standard.Scale; s < 0.45 || s > 0.55 {
		t.Errorf("scale %v, want about 0.5", s)
	}
	g := large.Geometry
	if g.Width != 480 || g.Height != 640 || g.Face == nil || g.LeftPupil == nil || g.EyeLineY == nil || g.HeadTopY == nil || g.ChinY == nil {
		t.Fatalf("incomplete geometry: %+v", g)
	}
	if d := math.Abs(*g.EyeLineY - *small.Geometry.EyeLineY); d > 8 {
		t.Errorf("eye line %v vs %v", *g.EyeLineY, *small.Geometry.EyeLineY)
	}
	if d := math.Abs(*g.HeadTopY - *small.Geometry.HeadTopY); d > 8 {
		t.Errorf("head top %v vs %v", *g.HeadTopY, *small.Geometry.HeadTopY)
	}
}

// patchSOF rewrites the frame size in a JPEG's SOF header.
func patchSOF(t testing.TB, jpg []byte, w, h int) []byte {
	out := bytes.Clone(jpg)
	for i := 2; i+9 < len(out); {
		if out[i] != 0xFF {
			t.Fatal("marker expected")
		}
		m := out[i+1]
		n := int(binary.BigEndian.Uint16(out[i+2:]))
		if m == 0xC0 || m == 0xC2 {
			binary.BigEndian.PutUint16(out[i+5:], uint16(h))
			binary.BigEndian.PutUint16(out[i+7:], uint16(w))
			return out
		}
		i += 2 + n
	}
	t.Fatal("no SOF")
	return nil
}

// TestUnjudgeableInput: nothing panics or allocates without bound; the student
// gets a failed format or dimensions check in the same report shape.
func TestUnjudgeableInput(t *testing.T) {
	c := testChecker(t)
	std := standardJPEG(t)
	rnd := make([]byte, 50000)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range rnd {
		rnd[i] = byte(rng.Uint32())
	}
	var gifBuf bytes.Buffer
	if err := gif.Encode(&gifBuf, imaging.Resize(standardImage(t), 480, 640, imaging.Box), nil); err != nil {
		t.Fatal(err)
	}
	png16 := image.NewRGBA64(image.Rect(0, 0, 480, 640))
	for i := range png16.Pix {
		png16.Pix[i] = byte(i * 31)
	}
	cmyk, err := os.ReadFile("testdata/video-001.cmyk.jpeg")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name     string
		data     []byte
		failedID string
	}{
		{"zero bytes", nil, CheckFormatJPEG},
		{"random bytes", rnd, CheckFormatJPEG},
		{"JPEG magic then garbage", append([]byte{0xFF, 0xD8, 0xFF, 0xE0, 0, 4, 0, 0}, rnd...), CheckFormatJPEG},
		{"GIF", gifBuf.Bytes(), CheckFormatJPEG},
		{"truncated JPEG", std[:len(std)/2], CheckFormatJPEG},
		{"CMYK JPEG", cmyk, CheckFormatJPEG},
		{"16-bit PNG", encodePNG(t, png16), CheckFormatJPEG},
		{"30000×30000 header", patchSOF(t, std, 30000, 30000), CheckDimensions},
		{"65535×65535 header", patchSOF(t, std, 65535, 65535), CheckDimensions},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rep, err := c.Check(context.Background(), tc.data, DefaultProfile())
			if err != nil {
				t.Fatalf("error %v, want a report", err)
			}
			if rep.Passed {
				t.Fatal("passed")
			}
			ch, ok := rep.Find(tc.failedID)
			if !ok || ch.Passed || ch.Message == "" {
				t.Fatalf("%s: %+v, want a failure with a message; report %+v", tc.failedID, ch, rep.Checks)
			}
		})
	}
}

func TestCheckHonoursContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := testChecker(t).Check(ctx, standardJPEG(t), DefaultProfile()); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

func TestProfileOverrideChangesVerdict(t *testing.T) {
	profiles, err := Profiles(map[string]map[string]float64{"school_100k": {"min_file_bytes": 102400}})
	if err != nil {
		t.Fatal(err)
	}
	data := standardJPEG(t) // about 80 KB
	for _, tc := range []struct {
		profile string
		want    bool
	}{{"chsi", true}, {"school_100k", false}} {
		t.Run(tc.profile, func(t *testing.T) {
			rep, err := testChecker(t).Check(context.Background(), data, profiles[tc.profile])
			if err != nil {
				t.Fatal(err)
			}
			if ch, _ := rep.Find(CheckFileSize); ch.Passed != tc.want {
				t.Fatalf("file_size passed=%v (value %v KB), want %v", ch.Passed, ch.Value, tc.want)
			}
		})
	}
}

func TestProfiles(t *testing.T) {
	tests := []struct {
		name      string
		overrides map[string]map[string]float64
		wantErr   string
		check     func(t *testing.T, ps map[string]Profile)
	}{
		{name: "nil gives chsi", check: func(t *testing.T, ps map[string]Profile) {
			if len(ps) != 1 || ps["chsi"] != DefaultProfile() {
				t.Fatalf("%v", ps)
			}
		}},
		{name: "override keeps the rest of chsi", overrides: map[string]map[string]float64{"school_100k": {"min_file_bytes": 102400}},
			check: func(t *testing.T, ps map[string]Profile) {
				p := ps["school_100k"]
				want := DefaultProfile()
				want.Name, want.MinFileBytes = "school_100k", 102400
				if p != want || ps["chsi"] != DefaultProfile() {
					t.Fatalf("%+v", p)
				}
			}},
		{name: "chsi itself can be tuned", overrides: map[string]map[string]float64{"chsi": {"max_eye_tilt_deg": 4}},
			check: func(t *testing.T, ps map[string]Profile) {
				if ps["chsi"].MaxEyeTiltDeg != 4 {
					t.Fatal(ps["chsi"])
				}
			}},
		{name: "unknown key is named", overrides: map[string]map[string]float64{"x": {"min_file_byte": 1}}, wantErr: `"min_file_byte"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ps, err := Profiles(tc.overrides)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want one naming %s", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, ps)
		})
	}
	// Every key round-trips to a distinct field.
	for _, k := range LimitKeys() {
		v := -12345.0
		if k == "max_upscale" || k == "std_head_height" { // validated: ≥ 1, > 0
			v = 2
		}
		ps, err := Profiles(map[string]map[string]float64{"p": {k: v}})
		if err != nil {
			t.Fatal(err)
		}
		if ps["p"] == DefaultProfile() {
			t.Errorf("key %s changed nothing", k)
		}
	}
}

func TestExportCropPassesGeometry(t *testing.T) {
	c := testChecker(t)
	// A standard photo shot with a lot of room around the head, as a phone
	// camera gives it: the export must bring it to the standard geometry.
	loose := place(getFixtures(t).blueSrc, placement{headHeight: 0.33, headTop: 0.25, centreX: 0.42, aspect: 0.75}, 1280)
	for _, tc := range []struct {
		name string
		data []byte
	}{
		{"standard", standardJPEG(t)},
		{"loose framing, 960×1280", encodeJPEG(t, loose, 92)},
		{"stored on its side, EXIF Orientation 6", withExif(encodeJPEG(t, imaging.Rotate90(loose), 92), "", 6)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := c.ExportCrop(context.Background(), tc.data)
			if err != nil {
				t.Fatal(err)
			}
			cfg, format, err := image.DecodeConfig(bytes.NewReader(out))
			if err != nil || format != "jpeg" || cfg.Width != StandardWidth || cfg.Height != StandardHeight {
				t.Fatalf("export %s %dx%d err %v", format, cfg.Width, cfg.Height, err)
			}
			if q := jpegQuality(t, out); q < 90 {
				t.Errorf("JPEG quality about %d, want ≥ 90", q)
			}
			// Nothing but a crop and a resize: the background keeps its colour.
			img, _, err := image.Decode(bytes.NewReader(out))
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range []image.Point{{10, 10}, {470, 10}, {10, 200}} {
				r, g, b, _ := img.At(p.X, p.Y).RGBA()
				if d := math.Abs(float64(r>>8)-float64(standardBlue.R)) + math.Abs(float64(g>>8)-float64(standardBlue.G)) + math.Abs(float64(b>>8)-float64(standardBlue.B)); d > 15 {
					t.Errorf("background at %v is %d,%d,%d, want about %v", p, r>>8, g>>8, b>>8, standardBlue)
				}
			}
			rep, err := c.Check(context.Background(), out, DefaultProfile())
			if err != nil {
				t.Fatal(err)
			}
			for _, id := range []string{CheckDimensions, CheckAspectRatio, CheckFaceCentered, CheckFaceWidth, CheckHeadTop, CheckEyeLine, CheckHeadHeight} {
				if ch, _ := rep.Find(id); !ch.Passed {
					t.Errorf("%s failed on the export: value %v limit %s", id, ch.Value, ch.Limit)
				}
			}
		})
	}
}

func TestExportCropRefusesNoFace(t *testing.T) {
	c := testChecker(t)
	_, err := c.ExportCrop(context.Background(), realFile("noface_03_cat.png")(t))
	if !errors.Is(err, ErrNoFace) {
		t.Fatalf("err = %v, want ErrNoFace", err)
	}
	if apperr.As(err).Kind != apperr.KindRejected {
		t.Fatalf("kind %v", apperr.As(err).Kind)
	}
	if _, err := c.ExportCrop(context.Background(), []byte("not a photo")); !errors.Is(err, ErrUnreadable) {
		t.Fatalf("err = %v, want ErrUnreadable", err)
	}
}

// jpegQuality estimates the quality from the first quantisation table (libjpeg's
// scaling of the standard luminance table).
func jpegQuality(t *testing.T, jpg []byte) int {
	for i := 2; i+4 < len(jpg); {
		m := jpg[i+1]
		n := int(binary.BigEndian.Uint16(jpg[i+2:]))
		if m == 0xDB {
			q0 := int(jpg[i+5]) // first luminance coefficient; the standard table's is 16
			scale := q0 * 100 / 16
			if scale <= 100 {
				return (200 - scale) / 2
			}
			return 5000 / scale
		}
		i += 2 + n
	}
	t.Fatal("no DQT")
	return 0
}

func TestStudentRules(t *testing.T) {
	got := StudentRules()
	if len(got) != len(rules)+len(reviewerRules) {
		t.Fatalf("%d rules", len(got))
	}
	for _, want := range []string{"格式为jpg", "标准蓝色背景", "双耳外露"} {
		found := false
		for _, r := range got {
			found = found || strings.Contains(r, want)
		}
		if !found {
			t.Errorf("missing %q", want)
		}
	}
}

// TestConcurrentChecks shares one Checker between goroutines, as the HTTP server
// does; run with -race it also proves the pooled buffers are not shared.
func TestConcurrentChecks(t *testing.T) {
	c := testChecker(t)
	inputs := [][]byte{standardJPEG(t), realFile("group_04.jpg")(t), encodeJPEG(t, imaging.Blur(standardImage(t), 3), 95)}
	want := []bool{true, false, false}
	var wg sync.WaitGroup
	errs := make(chan string, 12)
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i, in := range inputs {
				rep, err := c.Check(context.Background(), in, DefaultProfile())
				if err != nil || rep.Passed != want[i] {
					errs <- "input " + string(rune('0'+i)) + " gave a different verdict"
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

// TestOrientationMatchesExport: the analysis turns its small raster with
// storedPixel, the export turns the photo with imaging; both must agree.
func TestOrientationMatchesExport(t *testing.T) {
	stored := image.NewNRGBA(image.Rect(0, 0, 3, 2))
	for i := range stored.Pix {
		stored.Pix[i] = byte(i * 10)
		if i%4 == 3 {
			stored.Pix[i] = 255 // opaque: the raster ignores alpha
		}
	}
	for o := 1; o <= 8; o++ {
		t.Run(string(rune('0'+o)), func(t *testing.T) {
			want := imaging.Clone(uprightImage(stored, o))
			var r raster
			r.loadStored(stored)
			r.orient(o)
			if r.w != want.Bounds().Dx() || r.h != want.Bounds().Dy() {
				t.Fatalf("raster %dx%d, export %v", r.w, r.h, want.Bounds())
			}
			for y := 0; y < r.h; y++ {
				for x := 0; x < r.w; x++ {
					c := want.NRGBAAt(x, y)
					i := (y*r.w + x) * 3
					if r.rgb[i] != c.R || r.rgb[i+1] != c.G || r.rgb[i+2] != c.B {
						t.Fatalf("(%d,%d): raster %v, export %v", x, y, r.rgb[i:i+3], c)
					}
				}
			}
		})
	}
}

// uprightImage applies an EXIF orientation with imaging, independently of storedPixel.
func uprightImage(img image.Image, o int) image.Image {
	switch o {
	case 2:
		return imaging.FlipH(img)
	case 3:
		return imaging.Rotate180(img)
	case 4:
		return imaging.FlipV(img)
	case 5:
		return imaging.Transpose(img)
	case 6:
		return imaging.Rotate270(img) // imaging turns anticlockwise
	case 7:
		return imaging.Transverse(img)
	case 8:
		return imaging.Rotate90(img)
	}
	return img
}
