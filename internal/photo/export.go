package photo

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/jpeg"
	"math"

	"github.com/disintegration/imaging"
)

// Export size and placement. The crop puts the head where the middle of the
// profile's ranges is, so small detector errors stay inside the limits.
const (
	ExportWidth   = 480
	ExportHeight  = 640
	exportQuality = 95
)

// ExportCrop returns the 学信网 export of an upload: a 3:4 crop around the head,
// resized to 480×640, JPEG quality 95, and nothing else (no colour change, no
// smoothing, no background replacement). A crop that would need pixels outside
// the photo is shrunk and shifted to fit instead: nothing is invented.
func (c *Checker) ExportCrop(ctx context.Context, data []byte) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	p := DefaultProfile()
	var rep Report
	dec, ok := c.decode(data, p, &rep)
	if !ok {
		return nil, ErrUnreadable
	}
	r := c.pool.Get().(*raster)
	defer c.pool.Put(r)
	r.load(dec.img, dec.orientation)
	a := c.analyse(r, dec.width, dec.height, p)
	if !a.hasFace || !a.lm.pupilsOK {
		return nil, ErrNoFace
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	rect := a.cropRect(p)
	upright := uprightImage(dec.img, dec.orientation)
	sub, ok := upright.(interface {
		SubImage(image.Rectangle) image.Image
	})
	if !ok {
		return nil, ErrUnreadable
	}
	out := imaging.Resize(sub.SubImage(rect), ExportWidth, ExportHeight, imaging.CatmullRom)
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, out, &jpeg.Options{Quality: exportQuality}); err != nil {
		return nil, fmt.Errorf("photo: encode export: %w", err)
	}
	return buf.Bytes(), nil
}

// cropRect chooses the 3:4 crop in original pixels: its height makes the head the
// middle of the head-height range; its top puts the eye line in the middle of its
// range (the head top follows, as both scale with the head).
func (a *analysis) cropRect(p Profile) image.Rectangle {
	sx := float64(a.W) / float64(a.r.w)
	sy := float64(a.H) / float64(a.r.h)
	eyeY := a.eyeY * sy
	cx := a.centreX() * sx
	var ch float64
	if a.headTop >= 0 {
		head := (a.chinY - a.headTop) * sy
		ch = head / ((p.MinHeadHeight + p.MaxHeadHeight) / 2)
	} else {
		// Without a head top, size the crop from the face width instead.
		fw := a.faceWidth * sx
		ch = fw / ((p.MinFaceWidth + p.MaxFaceWidth) / 2) / p.Aspect
	}
	eyeFrac := (p.MinEyeLine + p.MaxEyeLine) / 2
	if a.headTop >= 0 {
		// Keep the hair top inside its range too: when eye line and head top
		// disagree, prefer the middle of what both allow.
		topFrac := (p.MinHeadTop + p.MaxHeadTop) / 2
		ht := a.headTop * sy
		eyeFrac = (eyeFrac + (eyeY-ht)/ch + topFrac) / 2
	}
	maxH := math.Min(float64(a.H), float64(a.W)/p.Aspect)
	ch = math.Min(ch, maxH)
	cw := ch * p.Aspect
	top := eyeY - eyeFrac*ch
	left := cx - cw/2
	top = math.Max(0, math.Min(top, float64(a.H)-ch))
	left = math.Max(0, math.Min(left, float64(a.W)-cw))
	return image.Rect(int(left), int(top), int(left+cw), int(top+ch))
}

// uprightImage applies an EXIF orientation to the decoded pixels: the export has
// no EXIF, so its pixels must stand upright themselves.
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
