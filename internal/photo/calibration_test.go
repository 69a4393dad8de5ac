package photo

import (
	"context"
	"image"
	"os"
	"sort"
	"sync"
	"testing"

	"github.com/disintegration/imaging"
)

// calCase is one real photograph of testdata/cal (SOURCES.md) with what a person
// sees in it, check by check: true = the check should pass. A check left out is
// one a person could argue either way (narrowed eyes, a hand over the mouth).
type calCase struct {
	file  string
	truth map[string]bool
	what  string
}

const (
	single  = CheckSingleFace
	frontal = CheckFaceFrontal
	eyes    = CheckEyesOpen
	mouth   = CheckMouthClosed
)

var calCases = []calCase{
	{"emotions-a-1.jpg", map[string]bool{single: true, frontal: true, eyes: true, mouth: true}, "frontal, neutral, long hair, hands on the head"},
	{"emotions-a-2.jpg", map[string]bool{single: true, frontal: false, eyes: true, mouth: true}, "three-quarter turn"},
	{"emotions-a-3.jpg", map[string]bool{single: true, frontal: true, eyes: true}, "slight turn, lips parted"},
	{"emotions-a-4.jpg", map[string]bool{single: true, frontal: true, mouth: false}, "grimace: narrowed eyes, teeth"},
	{"emotions-a-5.jpg", map[string]bool{single: true, frontal: true, eyes: true, mouth: true}, "frown, mouth closed"},
	{"emotions-a-6.jpg", map[string]bool{single: true, frontal: true, eyes: true, mouth: false}, "tongue out"},
	{"emotions-a-7.jpg", map[string]bool{single: true, frontal: true, eyes: true, mouth: true}, "closed smile, head slightly turned, eyes to the side"},
	{"emotions-a-8.jpg", map[string]bool{single: true, frontal: true, eyes: true, mouth: false}, "teeth showing"},
	{"emotions-b-1.jpg", map[string]bool{single: true, eyes: false, mouth: true}, "eyes squeezed shut"},
	{"emotions-b-2.jpg", map[string]bool{single: true, eyes: true, mouth: true}, "frown, head lowered"},
	{"emotions-b-3.jpg", map[string]bool{single: true, mouth: false}, "tongue out, squinting"},
	{"emotions-b-4.jpg", map[string]bool{single: true, eyes: false, mouth: false}, "laughing with the eyes shut, teeth"},
	{"emotions-b-5.jpg", map[string]bool{single: true, eyes: true, mouth: false}, "surprised, mouth open, hand on the cheek"},
	{"emotions-b-6.jpg", map[string]bool{single: true, eyes: true}, "hand over the mouth"},
	{"emotions-b-7.jpg", map[string]bool{single: true, frontal: false, eyes: true, mouth: true}, "head turned about 30°"},
	{"emotions-b-8.jpg", map[string]bool{single: true, eyes: false, mouth: true}, "winking"},
	{"teen-1.jpg", map[string]bool{single: true, frontal: false, eyes: true, mouth: true}, "head turned, eyes to the camera"},
	{"teen-2.jpg", map[string]bool{single: true, eyes: true, mouth: true}, "neutral, hair up"},
	{"teen-4.jpg", map[string]bool{single: true, frontal: true, eyes: true, mouth: true}, "frontal, chin on the hand"},
	{"teen-6.jpg", map[string]bool{single: true, frontal: true, eyes: true, mouth: false}, "lips parted, teeth"},
	{"teen-8.jpg", map[string]bool{single: true, frontal: true, eyes: true, mouth: true}, "frontal, neutral, freckles, light skin"},
	{"person-tasia.jpg", map[string]bool{single: true, frontal: false, mouth: false}, "talking, turned, dark skin"},
	{"person-vlado.jpg", map[string]bool{single: true, frontal: true, eyes: true, mouth: true}, "man at a table, frontal"},
	{"faceapi-sample1.jpg", map[string]bool{single: false}, "three women"},
	{"faceapi-sample2.jpg", map[string]bool{single: false}, "four women"},
	{"faceapi-sample3.jpg", map[string]bool{single: false}, "three women"},
	{"group-2.jpg", map[string]bool{single: false}, "three people"},
	{"group-3.jpg", map[string]bool{single: false}, "four women"},
	{"group-4.jpg", map[string]bool{single: false}, "five people at a table"},
	{"group-6.jpg", map[string]bool{single: false}, "three women on a sofa"},
	{"group-7.jpg", map[string]bool{single: false}, "four women, heads leaning"},
	{"models-12.jpg", map[string]bool{single: false}, "two women, heads leaning together"},
	{"faceapijs-fearful.jpg", map[string]bool{single: true, frontal: true, eyes: true, mouth: false}, "frightened man: eyes wide open, teeth bared, small photo"},
	{"faceapijs-happy.jpg", map[string]bool{single: true, frontal: true, eyes: true, mouth: false}, "broad smile with teeth, slight turn, darker skin, long hair"},
	{"faceapijs-surprised.jpg", map[string]bool{single: true, frontal: true, eyes: true, mouth: false}, "surprised: eyes wide, mouth open, long hair"},
	{"person-nicole.jpg", map[string]bool{single: true, eyes: true, mouth: true}, "closed smile, head tilted, long hair"},
	{"teen-3.jpg", map[string]bool{frontal: false}, "profile, looking away"},
	{"teen-5.jpg", map[string]bool{single: true, frontal: false, eyes: true, mouth: true}, "head turned about 30°, eyes to the side, hand in the hair"},
	{"teen-7.jpg", map[string]bool{single: true, eyes: true}, "body turned away, head turned a little (nose midway between the eye corners, but one cheek wider), eyes to the side, light skin: frontal or a slight turn, a person could argue either way"},
	{"faceapijs-angry.jpg", map[string]bool{single: true, frontal: true, mouth: true}, "frown, narrowed eyes, stubble, small photo"},
	{"faceapijs-disgusted.jpg", map[string]bool{single: true, frontal: true, eyes: false, mouth: true}, "grimace with the eyes squeezed shut, dark skin"},
	{"faceapijs-sad.jpg", map[string]bool{single: true, frontal: true, eyes: true, mouth: true}, "sad pout, mouth closed, small photo"},
	{"biden-portrait.jpg", map[string]bool{single: true, frontal: true, eyes: true, mouth: false}, "official portrait: broad smile with teeth, eyes narrowed by the smile"},
	{"obama-portrait.jpg", map[string]bool{single: true, frontal: true, eyes: true, mouth: false}, "official portrait: smile with teeth, dark skin"},
	{"obama-press.jpg", map[string]bool{single: true, eyes: true, mouth: true}, "lips pressed together, slight turn, dark skin"},
	{"obama-speech.jpg", map[string]bool{single: true, frontal: true, eyes: true, mouth: false}, "speaking, mouth open"},
	{"obama-biden-office.jpg", map[string]bool{single: false}, "two men standing"},
	{"obama-biden-rally.jpg", map[string]bool{single: false}, "two men waving, a crowd"},
	// Third batch: head-and-shoulders crops of larger photos (SOURCES.md).
	{"person-celeste.jpg", map[string]bool{single: true, frontal: true, eyes: true, mouth: true}, "frontal, neutral, long hair, earrings"},
	{"person-linda.jpg", map[string]bool{single: true, frontal: true, eyes: true, mouth: true}, "closed smile with red lipstick, head tilted, eyes narrowed by the smile"},
	{"person-tetiana.jpg", map[string]bool{single: true, frontal: true, eyes: true, mouth: false}, "smile with teeth, small face"},
	{"stock-group-1.jpg", map[string]bool{single: true, frontal: true, mouth: false}, "laughing with teeth, eyes narrowed by the laugh, others' shoulders behind"},
	{"models-1.jpg", map[string]bool{single: true, frontal: true, eyes: true, mouth: true}, "frontal, arms raised over the head, small face"},
	{"models-10.jpg", map[string]bool{single: true, frontal: true, mouth: true}, "slight turn, hair across one eye"},
	{"models-11.jpg", map[string]bool{single: true, frontal: false, eyes: true, mouth: true}, "head turned about 30°, eyes to the side"},
	{"models-13.jpg", map[string]bool{single: true, frontal: true, eyes: true, mouth: true}, "frontal, heavy eye make-up, wet hair"},
	{"models-16.jpg", map[string]bool{single: true, frontal: false, eyes: true, mouth: true}, "head turned about 25° and tilted, before a fence"},
	{"hivision-id-1.jpg", map[string]bool{single: true, frontal: true, eyes: true, mouth: true}, "ID photo: boy before red, eyes open, mouth closed"},
	{"hivision-id-2.jpg", map[string]bool{single: true, frontal: true, eyes: true, mouth: true}, "ID photo: girl with bangs before a blue gradient, closed smile"},
	{"hivision-id-3.jpg", map[string]bool{single: true, frontal: true, eyes: true, mouth: true}, "ID photo: young man before white"},
	{"hivision-id-4.jpg", map[string]bool{single: true, frontal: true, eyes: true, mouth: true}, "ID photo: woman with long hair before grey (pupil landmark on the iris's edge)"},
	{"hivision-portrait.jpg", map[string]bool{single: true, frontal: true, eyes: true, mouth: true}, "portrait of the same woman, closed smile"},
	// Sixth batch: East Asian faces, AI-generated demo images of ID-photo and portrait makers (SOURCES.md).
	{"easyphoto-id-1.jpg", map[string]bool{single: true, frontal: true, eyes: true, mouth: true}, "ID photo: young man before blue, white T-shirt"},
	{"easyphoto-id-2.jpg", map[string]bool{single: true, frontal: true, eyes: true, mouth: true}, "ID photo: young man in a suit before white"},
	{"easyphoto-id-3.jpg", map[string]bool{single: true, frontal: true, eyes: true, mouth: true}, "ID photo: young woman in a blazer and tie before red, long hair (the tie reads as a weak face)"},
	{"easyphoto-id-4.jpg", map[string]bool{single: true, frontal: true, eyes: true, mouth: true}, "ID photo: young woman in a grey blazer before white, long wavy hair"},
	{"easyphoto-9.jpg", map[string]bool{single: true, frontal: true, eyes: true, mouth: true}, "frontal, bangs, flower crown, lips closed"},
	{"easyphoto-4.jpg", map[string]bool{single: true, frontal: true, eyes: true, mouth: true}, "head tilted and turned slightly, a hand in the hair, long hair"},
	{"easyphoto-7.jpg", map[string]bool{frontal: false}, "looking back over the shoulder, head turned about 45°"},
	{"hivision-child.jpg", map[string]bool{single: true, frontal: true, eyes: true, mouth: true}, "girl with bangs and a headband, room behind"},
	{"hivision-longhair.jpg", map[string]bool{single: true, frontal: true, eyes: true, mouth: true}, "frontal, long hair, street behind, lips closed with a dark line between them"},
	{"hivision-uniform.jpg", map[string]bool{single: true, frontal: true, eyes: true, mouth: true}, "school uniform, bangs, hair up, closed smile"},
	{"facechain-men-suit.jpg", map[string]bool{single: true, frontal: true, eyes: true, mouth: true}, "man in a suit, head turned slightly"},
	{"facechain-gentleman.jpg", map[string]bool{single: true, frontal: true, eyes: true, mouth: true}, "man in a dinner jacket, frontal, bar behind"},
	{"facechain-working-suit.jpg", map[string]bool{single: true, frontal: true, eyes: true, mouth: true}, "woman in a blazer before grey, frontal"},
	{"facechain-t-shirt.jpg", map[string]bool{single: true, frontal: true, eyes: true, mouth: true}, "woman in a T-shirt before grey, frontal, neutral"},
	{"facechain-innocent-girl.jpg", map[string]bool{single: true, frontal: true, eyes: true, mouth: true}, "long straight hair, frontal, light background"},
	{"facechain-cool-tones.jpg", map[string]bool{single: true, frontal: true, eyes: true, mouth: true}, "long hair, frontal, neutral, dim light"},
	{"facechain-polaroid.jpg", map[string]bool{single: true, frontal: true, eyes: true, mouth: true}, "frontal, neutral, long hair, a white print border round the photo"},
	{"facechain-hong-kong-night.jpg", map[string]bool{single: true, frontal: true, eyes: true, mouth: true}, "long hair, head turned slightly, red lips closed, night lights"},
	{"facechain-school-uniform.jpg", map[string]bool{single: true, frontal: true, eyes: true, mouth: true}, "bangs, closed smile, head tilted and turned slightly, small face, street"},
	{"facechain-woman-pose2.jpg", map[string]bool{single: true, frontal: true, eyes: true, mouth: true}, "closed smile, head tilted and turned slightly"},
	{"facechain-casual-lifestyle.jpg", map[string]bool{single: true, frontal: true, eyes: true, mouth: false}, "smile with teeth, head tilted, very pale skin"},
	{"facechain-street.jpg", map[string]bool{single: true, frontal: true, eyes: true, mouth: false}, "smile with teeth, hair up, street at night"},
	{"facechain-soccer.jpg", map[string]bool{single: true, frontal: true, eyes: true, mouth: false}, "broad smile with teeth in warm light, head tilted and turned slightly"},
	{"facechain-disneyland.jpg", map[string]bool{single: true, frontal: false, eyes: true, mouth: false}, "smile with teeth, head turned about 25° and tilted"},
	{"facechain-man-pose3.jpg", map[string]bool{single: true, frontal: false, eyes: true, mouth: true}, "man, head turned about 25°, mouth closed"},
}

// calibrationMisses are the cases the checks get wrong today (CALIBRATION.md):
// file → check. The test fails on any other miss, and when one of these is fixed
// (so the table and the document are brought up to date).
var calibrationMisses = map[string]string{
	"faceapijs-happy.jpg/" + frontal: "false reject: slight turn reads 0.15 (limit 0.12)",
	"easyphoto-4.jpg/" + frontal:     "false reject: slight turn and tilt read 0.177, eye corners 0.13",
}

func TestCalibrationSet(t *testing.T) {
	c := testChecker(t)
	falseReject, falsePass := map[string]int{}, map[string]int{}
	seen := map[string]bool{}
	for _, tc := range calCases {
		data, err := os.ReadFile("testdata/cal/" + tc.file)
		if err != nil {
			t.Fatal(err)
		}
		rep, err := c.Check(context.Background(), data, DefaultProfile())
		if err != nil {
			t.Fatal(err)
		}
		ids := make([]string, 0, len(tc.truth))
		for id := range tc.truth {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		for _, id := range ids {
			want := tc.truth[id]
			ch, ok := rep.Find(id)
			if !ok {
				t.Fatalf("%s: %s missing", tc.file, id)
			}
			key := tc.file + "/" + id
			if ch.Passed == want {
				if _, known := calibrationMisses[key]; known {
					t.Errorf("%s (%s): %s is right now (value %v): update calibrationMisses and CALIBRATION.md", tc.file, tc.what, id, ch.Value)
				}
				continue
			}
			seen[key] = true
			if want {
				falseReject[id]++
			} else {
				falsePass[id]++
			}
			if _, known := calibrationMisses[key]; !known {
				t.Errorf("%s (%s): %s passed=%v, want %v (value %v, limit %s)", tc.file, tc.what, id, ch.Passed, want, ch.Value, ch.Limit)
			}
		}
	}
	for key := range calibrationMisses {
		if !seen[key] && !t.Failed() {
			t.Errorf("calibrationMisses lists %s, which is not a case", key)
		}
	}
	t.Logf("false rejects %v, false passes %v over %d photos", falseReject, falsePass, len(calCases))
}

// A face is found wherever it falls on the detector's grid: these two photos,
// cropped by 0–4 pixels at the top left, lost their face entirely at 3 pixels
// on the coarse grid alone (scores 2.0 and nothing, against 17–23 otherwise).
func TestFaceFoundWhereverTheGridFalls(t *testing.T) {
	c := testChecker(t)
	for _, name := range []string{"cal/teen-6.jpg", "cal/person-nicole.jpg"} {
		img := loadTestImage(t, name)
		b := img.Bounds()
		for d := 0; d <= 4; d++ {
			data := encodeJPEG(t, imaging.Crop(img, image.Rect(b.Min.X+d, b.Min.Y+d, b.Max.X, b.Max.Y)), 95)
			rep, err := c.Check(context.Background(), data, DefaultProfile())
			if err != nil {
				t.Fatal(err)
			}
			if ch, _ := rep.Find(CheckSingleFace); !ch.Passed || ch.Value != 1 {
				t.Errorf("%s cropped by %d px: single_face %v (value %v), want one face", name, d, ch.Passed, ch.Value)
			}
		}
	}
}

// robustnessWrong is, per check, how many of the calibration judgements go wrong
// over each photo and four copies a student could as well have sent — re-saved
// at quality 90, 5 % smaller, 5 % larger, cropped by 3 pixels — 5 × 87 photos
// (CALIBRATION.md, "Same photo, other bytes"). The test fails when a change makes
// any of them worse; lower them when a change makes them better.
var robustnessWrong = map[string]int{single: 3, frontal: 13, eyes: 7, mouth: 6}

func TestCalibrationRobustness(t *testing.T) {
	if testing.Short() {
		t.Skip("checks 240 photos")
	}
	c := testChecker(t)
	var mu sync.Mutex
	wrong, flips := map[string]int{}, map[string]int{}
	t.Run("copies", func(t *testing.T) {
		for _, tc := range calCases {
			t.Run(tc.file, func(t *testing.T) {
				t.Parallel()
				img := loadTestImage(t, "cal/"+tc.file)
				b := img.Bounds()
				orig, err := os.ReadFile("testdata/cal/" + tc.file)
				if err != nil {
					t.Fatal(err)
				}
				copies := [][]byte{orig,
					encodeJPEG(t, img, 90),
					encodeJPEG(t, imaging.Resize(img, b.Dx()*95/100, 0, imaging.Lanczos), 95),
					encodeJPEG(t, imaging.Resize(img, b.Dx()*105/100, 0, imaging.Lanczos), 95),
					encodeJPEG(t, imaging.Crop(img, image.Rect(b.Min.X+3, b.Min.Y+3, b.Max.X, b.Max.Y)), 95),
				}
				var first *Report
				for i, data := range copies {
					rep, err := c.Check(context.Background(), data, DefaultProfile())
					if err != nil {
						t.Fatal(err)
					}
					if i == 0 {
						first = rep
					}
					mu.Lock()
					for id, want := range tc.truth {
						ch, _ := rep.Find(id)
						if ch.Passed != want {
							wrong[id]++
						}
						if f, _ := first.Find(id); f.Passed != ch.Passed {
							flips[id]++
						}
					}
					mu.Unlock()
				}
			})
		}
	})
	t.Logf("wrong %v, verdicts that differ from the original's %v", wrong, flips)
	for id, n := range wrong {
		if n > robustnessWrong[id] {
			t.Errorf("%s: %d wrong judgements over the copies, was %d", id, n, robustnessWrong[id])
		}
	}
	for id, n := range robustnessWrong {
		if wrong[id] < n {
			t.Errorf("%s: %d wrong judgements over the copies, better than the recorded %d: lower robustnessWrong and update CALIBRATION.md", id, wrong[id], n)
		}
	}
}
