package photo

import (
	"reflect"
	"testing"

	pigo "github.com/esimov/pigo/core"
)

// The face cascade run here finds exactly what pigo finds, upright and turned.
func TestFaceCascadeIsPigo(t *testing.T) {
	ff, err := cascadeFS.ReadFile("cascade/facefinder")
	if err != nil {
		t.Fatal(err)
	}
	ref, err := pigo.NewPigo().Unpack(ff)
	if err != nil {
		t.Fatal(err)
	}
	ours := testChecker(t).det.face
	for _, name := range []string{"frontal_plain_01.jpg", "group_04.jpg", "cal/group-3.jpg", "turned_02.jpg"} {
		r := new(raster)
		r.load(loadTestImage(t, name), 1)
		side := max(r.hw, r.hh)
		padded := make([]uint8, side*side)
		for y := 0; y < r.hh; y++ {
			copy(padded[y*side:], r.half[y*r.hw:(y+1)*r.hw])
		}
		for _, angle := range []float64{0, 2.0 / 32, 30.0 / 32, 0.3} {
			cp := pigo.CascadeParams{MinSize: 12, MaxSize: min(r.hw, r.hh), ShiftFactor: 0.15, ScaleFactor: 1.1,
				ImageParams: pigo.ImageParams{Pixels: r.half, Rows: r.hh, Cols: r.hw, Dim: r.hw}}
			if angle > 0 {
				cp.ImageParams = pigo.ImageParams{Pixels: padded, Rows: side, Cols: r.hw, Dim: side}
			}
			want := ref.RunCascade(cp, angle)
			got := ours.RunCascade(cp, angle)
			if len(want) == 0 && angle == 0 {
				t.Fatalf("%s: pigo finds nothing, the comparison would be empty", name)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s angle %v: %d detections, pigo %d (or different ones)", name, angle, len(got), len(want))
			}
		}
	}
}
