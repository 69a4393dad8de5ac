package photo

import (
	"fmt"
	"testing"
	"bytes"
	"image/jpeg"
)

func TestExplore(t *testing.T) {
	c := testChecker(t)
	for _, tc := range photoCases() {
		if tc.name != "head too large" && tc.name != "teeth showing" && tc.name != "real: smiling astronaut" && tc.name != "standard passes everything" { continue }
		img, err := jpeg.Decode(bytes.NewReader(tc.data(t)))
		if err != nil { t.Fatal(err) }
		r := new(raster)
		r.load(img)
		a := c.analyse(r, img.Bounds().Dx(), img.Bounds().Dy(), DefaultProfile())
		fmt.Printf("%s: face %+v\n lm %+v\n headTop %.1f chin %.1f eye %.1f lip %.3f\n", tc.name, a.main, a.lm, a.headTop, a.chinY, a.eyeY, a.lipGap)
	}
}
