// Package photo owns the machine checks of a diploma photo (photo-spec.md): format,
// size, geometry of the head, background, face, eyes, sharpness, exposure and edits,
// each reported with its value and limit so a student sees by how much a photo
// missed; and the standard 480×640 export crop for 学信网.
package photo

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	_ "image/jpeg" // the header (image.DecodeConfig) of a JPEG
	_ "image/png"  // a PNG renamed .jpg is recognised and named as such
	"sort"
	"sync"

	"github.com/gradphoto/gradphoto/internal/apperr"
	"github.com/gradphoto/gradphoto/internal/jpegscale"
)

// Severity of a check: an error blocks the upload, a warning goes to the reviewer.
const (
	SeverityError   = "error"
	SeverityWarning = "warning"
)

// Check ids, stable: the API, the staff console and profiles use them.
const (
	CheckFormatJPEG        = "format_jpeg"
	CheckFileSize          = "file_size"
	CheckDimensions        = "dimensions"
	CheckAspectRatio       = "aspect_ratio"
	CheckColorMode         = "color_mode"
	CheckSingleFace        = "single_face"
	CheckFaceFrontal       = "face_frontal"
	CheckFaceCentered      = "face_centered"
	CheckFaceWidth         = "face_width"
	CheckHeadTop           = "head_top"
	CheckEyeLine           = "eye_line"
	CheckHeadHeight        = "head_height"
	CheckEyesOpen          = "eyes_open"
	CheckEyesLevel         = "eyes_level"
	CheckBackgroundBlue    = "background_blue"
	CheckBackgroundUniform = "background_uniform"
	CheckClothingContrast  = "clothing_contrast"
	CheckSharpness         = "sharpness"
	CheckExposure          = "exposure"
	CheckShouldersLevel    = "shoulders_level"
	CheckGlassesGlare      = "glasses_glare"
	CheckNotEdited         = "not_edited"
	CheckMouthClosed       = "mouth_closed"
)

// Check is the verdict of one rule.
type Check struct {
	ID       string  `json:"id"`
	Passed   bool    `json:"passed"`
	Severity string  `json:"severity"` // "error" | "warning"
	Value    float64 `json:"value"`
	Limit    string  `json:"limit"`
	Message  string  `json:"message"` // Chinese, student-facing: the defect and what to do
	Detail   string  `json:"detail"`  // the measurement with units, for staff
}

// Point is a position in original image pixels.
type Point struct {
	X float64 `json:"x"`
	Y float64 `json:"y"`
}

// Box is a rectangle in original image pixels.
type Box struct {
	X float64 `json:"x"`
	Y float64 `json:"y"`
	W float64 `json:"w"`
	H float64 `json:"h"`
}

// Geometry is what the staff console draws over the photo; every position is in
// original image pixels and nil when it was not found.
type Geometry struct {
	Width      int      `json:"width"`
	Height     int      `json:"height"`
	Face       *Box     `json:"face"`
	LeftPupil  *Point   `json:"left_pupil"` // the one on the image's left
	RightPupil *Point   `json:"right_pupil"`
	Nose       *Point   `json:"nose"`
	EyeLineY   *float64 `json:"eye_line_y"`
	HeadTopY   *float64 `json:"head_top_y"`
	ChinY      *float64 `json:"chin_y"`
}

// Report is the result of all checks on one photo.
type Report struct {
	Passed   bool     `json:"passed"` // no check of severity "error" failed
	Checks   []Check  `json:"checks"`
	Geometry Geometry `json:"geometry"` // in the standard photo's pixels when standardised
	Standard Standard `json:"standard"`
}

// Failed returns the checks that did not pass, errors first.
func (r *Report) Failed() []Check {
	var errs, warns []Check
	for _, c := range r.Checks {
		if c.Passed {
			continue
		}
		if c.Severity == SeverityError {
			errs = append(errs, c)
		} else {
			warns = append(warns, c)
		}
	}
	return append(errs, warns...)
}

// Find returns the check with the given id.
func (r *Report) Find(id string) (Check, bool) {
	for _, c := range r.Checks {
		if c.ID == id {
			return c, true
		}
	}
	return Check{}, false
}

// Errors of this package. A photo that fails its checks is not an error: Check
// returns a Report. These are for the export of a photo that cannot be cropped.
var (
	ErrUnreadable = apperr.New(apperr.KindUnsupportedMedia, "photo_unreadable", "无法读取照片，请上传JPG格式的彩色照片")
	ErrNoFace     = apperr.Rejected("photo_no_face", "照片中未检测到人脸，无法裁剪")
)

// Checker runs the checks. It is safe for concurrent use: the cascades are read-only
// and each call takes its own buffers from a pool.
type Checker struct {
	det  *detector
	pool sync.Pool // *raster
	// alwaysRender turns off the shortcut for an upload that is already a
	// standard photo (isStandardAlready), so a test can compare the two.
	alwaysRender bool
}

// NewChecker unpacks the embedded pigo cascades once.
func NewChecker() (*Checker, error) {
	d, err := newDetector()
	if err != nil {
		return nil, fmt.Errorf("photo: %w", err)
	}
	c := &Checker{det: d}
	c.pool.New = func() any { return new(raster) }
	return c, nil
}

// decoded is an upload after the header and format checks.
type decoded struct {
	img         image.Image // at 1/denom of the original's size
	denom       int         // 1, 2, 4 or 8
	width       int         // the original's, upright
	height      int
	orientation int // EXIF, 1–8
}

// locateSide is the long side a decode must keep for locating the face: twice the
// work raster's, so each work pixel still averages several decoded ones.
const locateSide = 2 * workMaxSide

// decodeDenom is the coarsest DCT scale (1/1–1/8) whose image still has a long
// side of locateSide: a 12 MP phone photo is decoded at 1/2 (2016×1512), which
// skips most of the inverse DCT and three quarters of the planes.
func decodeDenom(w, h int) int {
	d := 1
	for d < 8 && max(w, h)/(2*d) >= locateSide {
		d *= 2
	}
	return d
}

// renderDenom is the coarsest scale, no coarser than have, at which a window win
// rows tall still has the standard's 640 rows: the standard photo is never
// enlarged from a reduced decode when the original has the pixels.
func renderDenom(winH, have int) int {
	d := have
	for d > 1 && winH/d < StandardHeight {
		d /= 2
	}
	return d
}

// Check standardises data and runs every check of p on it. It returns an error
// only when ctx is done; anything it cannot judge (not a JPEG, truncated, CMYK, too
// large a header) is a Report whose format_jpeg or dimensions check fails, so a
// student always gets a reason in the same shape.
//
// The face is found on the upright original, the standard 480×640 crop is cut from
// it (Report.Standard), and every geometry and appearance check is judged on that
// standard photo; when no standard crop exists the original is judged and the
// geometry check that makes the crop impossible says why.
func (c *Checker) Check(ctx context.Context, data []byte, p Profile) (*Report, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	rep := &Report{}
	rep.add(checkFileSize(len(data), p))
	dec, ok := c.decode(data, p, rep)
	if !ok {
		rep.finish()
		return rep, nil
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	r := c.pool.Get().(*raster)
	defer c.pool.Put(r)
	r.load(dec.img, dec.orientation)
	a := c.locate(r, dec.width, dec.height, p)
	var problem *cropProblem
	var std image.Image
	same := false // the standard photo's pixels are the original's
	if a.hasFace && a.lm.pupilsOK {
		hd := a.head()
		if win, ok := chooseWindow(hd, dec.width, dec.height, p, relax{}); ok {
			src, denom := dec.img, dec.denom
			sw, sh := dec.width, dec.height // as stored
			if dec.orientation >= 5 {
				sw, sh = sh, sw
			}
			if need := renderDenom(win.h, denom); need < denom {
				// The window is small in a large photo: decode again, finer. The
				// reduced image goes first, so at most one decode is held.
				dec.img, src = nil, nil
				if err := ctx.Err(); err != nil {
					return nil, err
				}
				// Only the window's blocks (and a margin for the filter) are
				// reconstructed: the rest of the picture is never looked at.
				x, y, w, h := storedRect(dec.orientation, win, sw, sh)
				region := image.Rect(x/need-16, y/need-16, (x+w)/need+16, (y+h)/need+16)
				img, err := jpegscale.DecodeRegion(bytes.NewReader(data), need, region)
				if err != nil {
					return nil, fmt.Errorf("photo: decode at 1/%d: %w", need, err)
				}
				src, denom = img, need
			}
			img := src
			if same = c.isStandardAlready(src, dec, win); !same {
				var err error
				if img, err = render(src, dec.orientation, win, sw, sh, denom, &r.resample); err != nil {
					return nil, err
				}
			}
			jpg, err := encodeStandard(img)
			if err != nil {
				return nil, err
			}
			std = img
			rep.Standard = Standard{Standardized: true, Crop: [4]int{win.x, win.y, win.w, win.h},
				Scale: round(StandardHeight/float64(win.h), 4), JPEG: jpg}
		} else {
			pr := diagnose(hd, dec.width, dec.height, p)
			problem = &pr
		}
	}
	dec.img = nil // let the full-size image go before the standard photo is judged
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if std != nil {
		// Judged on the standard pixels as encoded (quality 95: the stored JPEG
		// differs from them by less than the checks can see). When they are the
		// original's, so is everything located on them: a is already the
		// standard photo's analysis.
		if !same || a.quick {
			r2 := c.pool.Get().(*raster)
			defer c.pool.Put(r2)
			r2.loadStandard(std)
			a = c.locateOn(r2, a.onStandard(rep.Standard.Crop), a.faceCount, c.reusableLandmarks(a, rep.Standard.Crop))
		}
		rep.add(verdict(CheckAspectRatio, true, float64(StandardWidth)/StandardHeight, fmt.Sprintf("%.2f ± %.2f", p.Aspect, p.AspectTol), "").
			with("原图 %d×%d（宽高比 %.2f），已裁剪为3:4标准照（窗口 %d×%d，缩放 %.2f 倍）", dec.width, dec.height, float64(dec.width)/float64(dec.height), rep.Standard.Crop[2], rep.Standard.Crop[3], rep.Standard.Scale))
	} else {
		rep.add(checkAspect(dec.width, dec.height, p))
		if a.quick {
			c.findLandmarks(a, false) // judged on the original: the full landmarks
		}
	}
	if a.lm.pupilsOK && a.lm.noseOK && a.yaw() > p.MaxYaw {
		// The nose reads as turned: ask the eye corners whether it is only the gaze.
		a.corners, a.cornersOK = c.det.eyeCorners(a.r, a.lm)
	}
	a.measure(p)
	a.report(rep, p)
	if problem != nil {
		rep.override(*problem, p)
		rep.explainAspect()
	}
	rep.add(checkNotEdited(data))
	rep.finish()
	return rep, nil
}

// isStandardAlready reports whether the upload is a standard photo as it stands:
// 480×640, upright, 4:2:0, and the window is all of it, so resampling would copy
// every sample (render's weights are all 1) and the original's raster is the
// standard's.
func (c *Checker) isStandardAlready(img image.Image, dec decoded, win window) bool {
	m, ok := img.(*image.YCbCr)
	return ok && !c.alwaysRender && dec.denom == 1 && dec.orientation == 1 &&
		win == window{0, 0, StandardWidth, StandardHeight} &&
		m.SubsampleRatio == image.YCbCrSubsampleRatio420 && m.Rect == image.Rect(0, 0, StandardWidth, StandardHeight)
}

// onStandard maps the subject's face from the original's work raster into the
// standard photo cut at crop.
func (a *analysis) onStandard(crop [4]int) face {
	sx := float64(a.W) / float64(a.r.w)
	sy := float64(a.H) / float64(a.r.h)
	k := float64(StandardHeight) / float64(crop[3])
	f := a.main
	return face{row: (f.row*sy - float64(crop[1])) * k, col: (f.col*sx - float64(crop[0])) * k, size: f.size * sx * k, score: f.score}
}

// maxLandmarkZoom is how much finer than the original's work raster the standard
// photo may be for the landmarks found on the original to be mapped onto it rather
// than looked for again: at about the same resolution the same pixels give the
// same points; a photo cut from a small part of a large original is searched afresh.
const maxLandmarkZoom = 1.25

// reusableLandmarks returns the subject's full landmarks found on the original and
// mapped into the standard photo cut at crop, or nil when the standard is much
// finer than the original's work raster (see maxLandmarkZoom).
func (c *Checker) reusableLandmarks(a *analysis, crop [4]int) *landmarks {
	sx := float64(a.W) / float64(a.r.w)
	sy := float64(a.H) / float64(a.r.h)
	k := float64(StandardHeight) / float64(crop[3])
	if sy*k > maxLandmarkZoom {
		return nil
	}
	lm := a.lm
	if a.quick {
		lm = c.det.landmarks(a.r, a.main, false)
	}
	inside := true
	m := func(p pt) pt {
		q := pt{(p.x*sx - float64(crop[0])) * k, (p.y*sy - float64(crop[1])) * k}
		inside = inside && q.x > 0 && q.y > 0 && q.x < StandardWidth && q.y < StandardHeight
		return q
	}
	out := landmarks{pupilsOK: lm.pupilsOK, noseOK: lm.noseOK, mouthOK: lm.mouthOK}
	if !lm.pupilsOK {
		return &out
	}
	out.left, out.right = m(lm.left), m(lm.right)
	out.pupilsOK = inside
	if lm.noseOK {
		inside = true
		out.nose = m(lm.nose)
		out.noseOK = inside
	}
	if lm.mouthOK {
		inside = true
		out.upperLip, out.lower = m(lm.upperLip), m(lm.lower)
		out.mouthOK = inside
	}
	if !out.pupilsOK {
		return &landmarks{}
	}
	return &out
}

// override fails the geometry check that makes a standard crop impossible, with
// the reason.
func (r *Report) override(pr cropProblem, p Profile) {
	for i, c := range r.Checks {
		if c.ID == pr.check {
			r.Checks[i].Passed = false
			r.Checks[i].Message = pr.msg
			if pr.minHead > 0 {
				r.Checks[i].Detail = fmt.Sprintf("无标准裁剪：头部高度需≥%d像素（最大放大%.2f倍）；%s", pr.minHead, p.MaxUpscale, c.Detail)
			} else {
				r.Checks[i].Detail = "无标准裁剪；" + c.Detail
			}
		}
	}
}

// explainAspect rewords a failed aspect_ratio when a face was found but no
// standard photo could be cut from around it: the reason is the other check
// override failed, not a missing face.
func (r *Report) explainAspect() {
	for i, c := range r.Checks {
		if c.ID == CheckAspectRatio && !c.Passed {
			r.Checks[i].Message = "照片的宽高比例不是3:4，也无法从中裁出标准照（原因见其他未通过的项目）：请按提示重新拍摄，或上传留有更多背景的原图"
		}
	}
}

func (r *Report) add(cs ...Check) { r.Checks = append(r.Checks, cs...) }

// finish orders the checks as photo-spec.md lists them and sets the verdict.
func (r *Report) finish() {
	order := make(map[string]int, len(rules))
	for i, ru := range rules {
		order[ru.id] = i
	}
	sort.SliceStable(r.Checks, func(i, j int) bool { return order[r.Checks[i].ID] < order[r.Checks[j].ID] })
	r.Passed = true
	for _, c := range r.Checks {
		if !c.Passed && c.Severity == SeverityError {
			r.Passed = false
		}
	}
}

// decode applies the format, dimension and aspect checks from the header, then
// decodes a JPEG that passes the dimension guard. ok is false when nothing more can be judged.
func (c *Checker) decode(data []byte, p Profile, rep *Report) (decoded, bool) {
	isJPEG := len(data) >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		rep.add(failFormat(""), failUnreadableDimensions())
		return decoded{}, false
	}
	// A phone may store the photo on its side with an EXIF orientation; judge it
	// upright, as the student sees it and as the export writes it.
	o := 1
	if isJPEG {
		o = orientation(data)
	}
	if o >= 5 {
		cfg.Width, cfg.Height = cfg.Height, cfg.Width
	}
	dims := checkDimensions(cfg.Width, cfg.Height, p)
	rep.add(dims)
	// The header alone says whether the shape is right; tell the student even
	// when the pixels cannot be judged.
	aspect := checkAspect(cfg.Width, cfg.Height, p)
	if !isJPEG || format != "jpeg" {
		rep.add(failFormat(format), aspect)
		return decoded{}, false
	}
	if cfg.ColorModel == color.CMYKModel {
		rep.add(failFormat("cmyk"), aspect)
		return decoded{}, false
	}
	if float64(cfg.Width)*float64(cfg.Height) > p.MaxMegapixels*1e6 || cfg.Width <= 0 || cfg.Height <= 0 {
		// Decompression-bomb guard: never decode what the header says is too big.
		// The header is a JPEG's, which is all format_jpeg can say here.
		rep.add(passFormat(), aspect)
		return decoded{}, false
	}
	stored := [2]int{cfg.Width, cfg.Height}
	if o >= 5 {
		stored = [2]int{cfg.Height, cfg.Width}
	}
	denom := decodeDenom(stored[0], stored[1])
	img, err := jpegscale.DecodeScaled(bytes.NewReader(data), denom)
	if err != nil {
		rep.add(failFormat("corrupt"), aspect)
		return decoded{}, false
	}
	if _, isCMYK := img.(*image.CMYK); isCMYK {
		rep.add(failFormat("cmyk"), aspect)
		return decoded{}, false
	}
	rep.add(passFormat()) // aspect_ratio is judged once the standard crop is known
	return decoded{img: img, denom: denom, width: cfg.Width, height: cfg.Height, orientation: o}, true
}
