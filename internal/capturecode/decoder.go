package capturecode

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"math"
	"runtime"
	"time"

	"github.com/makiuchi-d/gozxing"
	multidetector "github.com/makiuchi-d/gozxing/multi/qrcode/detector"
	qrdecoder "github.com/makiuchi-d/gozxing/qrcode/decoder"
	"github.com/makiuchi-d/gozxing/qrcode/detector"

	"github.com/gradphoto/gradphoto/internal/apperr"
	"github.com/gradphoto/gradphoto/internal/jpegscale"
)

// Limits on what Decode accepts, checked from the header before any pixel is decoded.
const (
	// DefaultMaxPixels admits a 48 MP phone photo and refuses decompression bombs: a
	// tiny PNG can declare 20000×20000 pixels, 400 MB once decoded.
	DefaultMaxPixels = 50_000_000
	// maxSide refuses absurd aspect ratios that stay under the pixel cap.
	maxSide = 16_000
	// workingSide is the long side above which the first attempts run on a shrunken
	// copy: a QR that a student can scan in a 12 MP photo survives halving, and
	// full-resolution attempts on such a photo would cost seconds.
	workingSide = 2800
	// enlargeMaxPixels is the largest image that the cascade enlarges whole (×2, so
	// at most 8 MB of extra luminance); larger ones are searched in windows.
	enlargeMaxPixels = 2_000_000
)

// Decoder finds and decodes the QR code of a collection-code image. It is safe for
// concurrent use; it bounds how many decodes run at once, since each holds the
// decoded image (up to ~3 bytes a pixel) and keeps a core busy.
type Decoder struct {
	maxPixels int
	work      int64
	backstop  time.Duration
	slots     chan struct{}
	// beforeAttempt, when set (tests only), runs before every reader attempt: a
	// stand-in for a slow or loaded machine.
	beforeAttempt func()
}

// Option configures a Decoder.
type Option func(*Decoder)

// WithMaxPixels sets the pixel cap (width × height) above which images are refused.
func WithMaxPixels(n int) Option { return func(d *Decoder) { d.maxPixels = n } }

// DefaultWorkBudget bounds the search on one image in units of work (one unit ≈ one
// pixel binarised and searched for finder patterns; preprocessing and the
// perspective search are charged at what they cost relative to that, ~5–10 ns a unit
// on one core). The budget is counted, not timed, so the same bytes get the same
// answer however loaded the machine is. Every image of both corpora runs its whole
// cascade within it (the costliest, a 1200×1600 photo of clutter without a code,
// spends 83 M); larger photos are cut off at about a second of a quiet core.
const DefaultWorkBudget = 100_000_000

// WithWorkBudget sets how much work Decode spends searching one image before it
// answers qr_not_found.
func WithWorkBudget(units int64) Option { return func(d *Decoder) { d.work = units } }

// DefaultTimeBudget is the wall-clock backstop: reached only when the machine is far
// slower than the work budget assumes (a quiet core spends the whole work budget in
// about a second), and then the answer depends on the load. The request deadline,
// when sooner, still wins.
const DefaultTimeBudget = 8 * time.Second

// WithTimeBudget sets the wall-clock backstop, after which Decode answers
// qr_not_found whatever work is left (the caller's ctx deadline, when sooner, still
// wins).
func WithTimeBudget(d time.Duration) Option { return func(dec *Decoder) { dec.backstop = d } }

// WithConcurrency sets how many decodes may run at once (default: the number of CPUs).
func WithConcurrency(n int) Option {
	return func(d *Decoder) { d.slots = make(chan struct{}, max(n, 1)) }
}

// NewDecoder returns a Decoder with the default limits.
func NewDecoder(opts ...Option) *Decoder {
	d := &Decoder{maxPixels: DefaultMaxPixels, work: DefaultWorkBudget, backstop: DefaultTimeBudget}
	for _, o := range opts {
		o(d)
	}
	if d.slots == nil {
		d.slots = make(chan struct{}, runtime.NumCPU())
	}
	return d
}

// Decode finds and decodes the QR code in a JPEG or PNG upload; the format is decided
// by content, not by name or declared type. It returns the payload as decoded; check
// it with Rules.Validate. Every error is an *apperr.Error (ErrQRNotFound,
// ErrUnsupportedImage, ErrImageTooLarge, ErrImageCorrupt, ErrEmptyImage; on a
// cancelled ctx apperr.ErrUnavailable).
func (d *Decoder) Decode(ctx context.Context, data []byte) (string, error) {
	r, err := d.DecodeResult(ctx, data)
	return r.Text, err
}

type imageFormat int

const (
	formatUnknown imageFormat = iota
	formatJPEG
	formatPNG
)

func sniff(b []byte) imageFormat {
	switch {
	case len(b) >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF:
		return formatJPEG
	case len(b) >= 8 && string(b[:8]) == "\x89PNG\r\n\x1a\n":
		return formatPNG
	}
	return formatUnknown
}

// source is an upload's luminance, decoded as far as the search has needed it. A
// screenshot is first decoded straight to half size, which is what the first attempt
// reads; the full image is decoded (a second pass over the file) only when that fails.
type source struct {
	full *image.Gray
	// first is what the first attempt reads when the decode made it in advance: the
	// image at half size, exactly shrink(full, 2) when exact is set (PNG), else the
	// JPEG decoder's own half-size decode (the low frequencies of each block).
	first      *image.Gray
	exact      bool
	decodeFull func() (*image.Gray, error)
}

// fullImage returns the full-resolution image, decoding it on first use.
func (src *source) fullImage() (*image.Gray, error) {
	if src.full == nil {
		g, err := src.decodeFull()
		if err != nil {
			return nil, err
		}
		src.full = g
	}
	return src.full, nil
}

// load checks the header and decodes the pixels to luminance with the EXIF
// orientation applied (for a PNG screenshot, first only at half size).
func (d *Decoder) load(data []byte) (*source, error) {
	if len(data) == 0 {
		return nil, ErrEmptyImage
	}
	format := sniff(data)
	var (
		decodeConfig func([]byte) (image.Config, error)
		decode       func([]byte) (image.Image, error)
		orientation  func([]byte) int
	)
	switch format {
	case formatJPEG:
		decodeConfig = func(b []byte) (image.Config, error) { return jpeg.DecodeConfig(bytes.NewReader(b)) }
		decode = func(b []byte) (image.Image, error) { return jpeg.Decode(bytes.NewReader(b)) }
		orientation = jpegOrientation
	case formatPNG:
		decodeConfig = func(b []byte) (image.Config, error) { return png.DecodeConfig(bytes.NewReader(b)) }
		decode = func(b []byte) (image.Image, error) { return png.Decode(bytes.NewReader(b)) }
		orientation = pngOrientation
	default:
		return nil, ErrUnsupportedImage.Wrap(fmt.Errorf("content is neither JPEG nor PNG (starts %q)", head(data)))
	}
	cfg, err := decodeConfig(data)
	if err != nil {
		return nil, ErrImageCorrupt.Wrap(fmt.Errorf("read image header: %w", err))
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return nil, ErrImageCorrupt.Wrap(fmt.Errorf("image declares %d×%d pixels", cfg.Width, cfg.Height))
	}
	if cfg.Width > maxSide || cfg.Height > maxSide || cfg.Width*cfg.Height > d.maxPixels {
		return nil, ErrImageTooLarge.Wrap(fmt.Errorf("image declares %d×%d pixels, limit %d", cfg.Width, cfg.Height, d.maxPixels))
	}
	decodeFull := func() (*image.Gray, error) {
		if format == formatPNG {
			g, ok, err := decodePNGGray(data, false)
			if err != nil {
				return nil, ErrImageCorrupt.Wrap(fmt.Errorf("decode image: %w", err))
			}
			if ok {
				return orient(g, orientation(data)), nil
			}
		}
		img, err := decode(data)
		if err != nil {
			return nil, ErrImageCorrupt.Wrap(fmt.Errorf("decode image: %w", err))
		}
		return orient(toGray(img), orientation(data)), nil
	}
	src := &source{decodeFull: decodeFull}
	// The working image of a screenshot is the image itself (see scan), so its half
	// is the first attempt's; bigger images start from a shrunken working copy.
	if max(cfg.Width, cfg.Height) <= workingSide {
		switch format {
		case formatPNG:
			half, ok, err := decodePNGGray(data, true)
			if err != nil {
				return nil, ErrImageCorrupt.Wrap(fmt.Errorf("decode image: %w", err))
			}
			if ok {
				src.first, src.exact = orient(half, orientation(data)), true
				return src, nil
			}
		case formatJPEG:
			// The inverse DCT of each block's low frequencies: the entropy decoding
			// stays, the transform and the memory shrink to a quarter.
			img, err := jpegscale.DecodeScaled(bytes.NewReader(data), 2)
			if err != nil {
				return nil, ErrImageCorrupt.Wrap(fmt.Errorf("decode image: %w", err))
			}
			src.first = orient(toGray(img), orientation(data))
			return src, nil
		}
	}
	if _, err := src.fullImage(); err != nil {
		return nil, err
	}
	return src, nil
}

func head(b []byte) []byte { return b[:min(len(b), 4)] }

// Result is a decoded payload and how it was found.
type Result struct {
	Text string
	// Strategy names the attempt that succeeded ("half", "full", "full-inverted", ...),
	// for benchmarks and the staff tool; Attempts counts the reader runs and Work the
	// search effort spent (the units of WithWorkBudget).
	Strategy string
	Attempts int
	Work     int64
}

// DecodeResult is Decode with the strategy that found the code, for tools and benchmarks.
func (d *Decoder) DecodeResult(ctx context.Context, data []byte) (Result, error) {
	if err := ctx.Err(); err != nil { // select below picks at random when both are ready
		return Result{}, apperr.ErrUnavailable.Wrap(err)
	}
	select {
	case d.slots <- struct{}{}:
		defer func() { <-d.slots }()
	case <-ctx.Done():
		return Result{}, apperr.ErrUnavailable.Wrap(ctx.Err())
	}
	// The backstop covers the decode too.
	scanCtx, cancel := context.WithTimeout(ctx, d.backstop)
	defer cancel()
	src, err := d.load(data)
	if err != nil {
		return Result{}, err
	}
	s := scanner{ctx: scanCtx, effort: effort{limit: d.work}, beforeAttempt: d.beforeAttempt}
	res, err := s.scan(src)
	if err != nil && ctx.Err() == nil && scanCtx.Err() != nil {
		// The backstop, not the caller: to the student this image simply has no
		// readable code.
		return Result{}, ErrQRNotFound.Wrap(fmt.Errorf("gave up after %v: %w", d.backstop, scanCtx.Err()))
	}
	return res, err
}

// effort is the work a search has spent and may spend. It is counted, not timed, so
// that where a search gives up depends on the image alone, not on the machine's load.
// One unit is about one pixel binarised and searched for finder patterns.
type effort struct{ spent, limit int64 }

func (e *effort) add(n int64) { e.spent += n }

func (e *effort) exhausted() bool { return e.spent >= e.limit }

// What preprocessing costs per output pixel, in sixteenths of a unit (measured
// against the reader's cost per pixel; see BENCHMARKS.md).
const (
	costShrink    = 2
	costBlur      = 4
	costNormalize = 8
	costSharpen   = 6
	costSquash    = 3
	costEnlarge   = 4
	costCrop      = 1
)

// scan runs the decoding strategies from cheapest to most expensive and stops at the
// first success or when the work budget is spent. The order was tuned on testdata
// (see BENCHMARKS.md): a clean screenshot decodes on the first attempt.
func (s *scanner) scan(src *source) (Result, error) {
	found := func(text, strategy string) (Result, error) {
		return Result{Text: text, Strategy: strategy, Attempts: s.attempts, Work: s.effort.spent}, nil
	}
	// Halved first: a screenshot's modules are many pixels wide, so a quarter of the
	// pixels reads it at a quarter of the cost; halving also averages away noise,
	// moiré and JPEG blocking. The detector finds the finder patterns in any
	// orientation. A screenshot arrives already halved (load).
	if src.first != nil {
		if text, ok := s.try(src.first, false, false); ok {
			return found(text, "half")
		}
	}
	full, err := src.fullImage()
	if err != nil {
		return Result{}, err
	}
	long := max(full.Rect.Dx(), full.Rect.Dy())
	// The working image: photos bigger than a screenshot start shrunk.
	work := full
	if long > workingSide {
		work = s.made(shrink(full, (long+workingSide-1)/workingSide), costShrink)
	}
	// A mostly dark image may hold a light-on-dark code: the later, costlier stages
	// try the inverted polarity only then (the early ones always do).
	dark := meanLuma(work) < darkMean
	var half *image.Gray
	if src.exact {
		half = src.first
	}
	halved := func() *image.Gray {
		if half == nil {
			half = s.made(shrink(work, 2), costShrink)
		}
		return half
	}
	steps := []struct {
		name string
		run  func() (string, bool)
	}{
		{"half", func() (string, bool) {
			if src.exact { // tried above
				return "", false
			}
			return s.try(halved(), false, false)
		}},
		// The whole image as it is: small codes whose modules halving would blur.
		{"full", func() (string, bool) { return s.try(work, false, false) }},
		// Dark mode: light modules on a dark background.
		{"full-inverted", func() (string, bool) { return s.try(work, true, false) }},
		{"half-inverted", func() (string, bool) { return s.try(halved(), true, false) }},
		// A global threshold copes with smooth shading that the local one splits up.
		{"full-global", func() (string, bool) { return s.try(work, false, true) }},
		{"half-global", func() (string, bool) { return s.try(halved(), false, true) }},
		// Glare, a washed-out or dimmed screen: local contrast normalisation, first on
		// the halved image (cheap, and averaging has removed the noise it would lift).
		{"half-normalized", func() (string, bool) {
			return s.tryLikely(s.made(normalize(halved(), 3), costNormalize), dark)
		}},
		// A steep photo of a screen (45–65°): one axis foreshortened to 0.4–0.75.
		{"squashed-x", func() (string, bool) { return s.try(s.made(squash(work, 3, 5, false), costSquash), false, false) }},
		{"squashed-y", func() (string, bool) { return s.try(s.made(squash(work, 3, 5, true), costSquash), false, false) }},
		// Blur for residual noise and defocus halos, an unsharp mask for a defocused
		// code, then coarser averaging for big, noisy photos.
		{"blurred", func() (string, bool) { return s.tryLikely(s.made(boxBlur(work, 1), costBlur), dark) }},
		{"half-sharpened", func() (string, bool) { return s.tryLikely(s.made(sharpen(halved(), 2, 6), costSharpen), dark) }},
		{"third", func() (string, bool) { return s.tryLikely(s.made(shrink(work, 3), costShrink), dark) }},
		{"quarter", func() (string, bool) { return s.tryLikely(s.made(shrink(work, 4), costShrink), dark) }},
		// Normalisation at full working resolution: glare over small modules.
		{"normalized", func() (string, bool) { return s.tryLikely(s.made(normalize(work, 3), costNormalize), dark) }},
		// A small code far away in a photo (2–4 px modules, moiré): the whole image
		// enlarged, when that stays within enlargeMaxPixels; bigger images get windows
		// instead, where the whole-image detector may also lock onto the clutter.
		{"enlarged", func() (string, bool) {
			if small := len(work.Pix) <= enlargeMaxPixels; !small {
				return "", false
			}
			return s.tryLikely(s.made(enlarge(work), costEnlarge), dark)
		}},
		{"windows", func() (string, bool) {
			if small := len(work.Pix) <= enlargeMaxPixels; small {
				return "", false
			}
			return s.tryWindows(full, dark)
		}},
	}
	for _, step := range steps {
		if s.stopped() {
			break
		}
		if text, ok := step.run(); ok {
			return found(text, step.name)
		}
	}
	if err := s.ctx.Err(); err != nil {
		return Result{}, apperr.ErrUnavailable.Wrap(err)
	}
	if s.effort.exhausted() {
		return Result{}, ErrQRNotFound.Wrap(fmt.Errorf("work budget of %d spent after %d attempts", s.effort.limit, s.attempts))
	}
	if s.cause != nil {
		return Result{}, ErrQRNotFound.Wrap(s.cause)
	}
	return Result{}, ErrQRNotFound
}

type scanner struct {
	ctx           context.Context
	effort        effort
	beforeAttempt func()
	cause         error // the last decoder panic or unexpected error, kept for the logs
	attempts      int
}

// stopped reports whether the search must end: the work budget is spent, or the
// backstop or the caller's deadline has passed.
func (s *scanner) stopped() bool { return s.effort.exhausted() || s.ctx.Err() != nil }

// made charges the preprocessing that produced g, at cost sixteenths of a unit a pixel.
func (s *scanner) made(g *image.Gray, cost int64) *image.Gray {
	s.effort.add(cost * int64(len(g.Pix)) / 16)
	return g
}

// tryLikely tries g as it is, then inverted when the image is dark.
func (s *scanner) tryLikely(g *image.Gray, dark bool) (string, bool) {
	if text, ok := s.try(g, false, false); ok {
		return text, true
	}
	if !dark {
		return "", false
	}
	return s.try(g, true, false)
}

// darkMean is the mean luminance below which an image counts as dark mode.
const darkMean = 100

// meanLuma is the mean of every 7th pixel: enough to tell a dark page from a light one.
func meanLuma(g *image.Gray) int {
	var s, n int
	for i := 0; i < len(g.Pix); i += 7 {
		s += int(g.Pix[i])
		n++
	}
	if n == 0 {
		return 0
	}
	return s / n
}

// tryWindows tries overlapping windows half the size of the image on a 3×3 grid,
// enlarging windows too small for 2-px modules to resolve.
func (s *scanner) tryWindows(g *image.Gray, dark bool) (string, bool) {
	w, h := g.Rect.Dx(), g.Rect.Dy()
	ww, wh := w/2, h/2
	if ww < 64 || wh < 64 {
		return "", false
	}
	for j := 0; j < 3; j++ {
		for i := 0; i < 3; i++ {
			if s.stopped() {
				return "", false
			}
			r := image.Rect(i*ww/2, j*wh/2, i*ww/2+ww, j*wh/2+wh)
			win := s.made(crop(g, r), costCrop)
			switch long := max(ww, wh); {
			case long > workingSide:
				win = s.made(shrink(win, (long+workingSide-1)/workingSide), costShrink)
			case long < 1000:
				win = s.made(enlarge(win), costEnlarge)
			}
			if text, ok := s.tryLikely(win, dark || meanLuma(win) < darkMean); ok {
				return text, true
			}
		}
	}
	return "", false
}

// try runs the gozxing QR reader once. gozxing is a port of Java code that can panic
// on unusual bit patterns; a panic counts as "not found here" so that one bad attempt
// does not lose the others.
func (s *scanner) try(g *image.Gray, invert, global bool) (text string, ok bool) {
	if s.stopped() {
		return "", false
	}
	if s.beforeAttempt != nil {
		s.beforeAttempt()
	}
	defer func() {
		if r := recover(); r != nil {
			s.cause = fmt.Errorf("gozxing panic: %v", r)
			text, ok = "", false
		}
	}()
	s.attempts++
	w, h := g.Rect.Dx(), g.Rect.Dy()
	s.effort.add(int64(w) * int64(h))
	src, err := gozxing.NewPlanarYUVLuminanceSource(g.Pix, w, h, 0, 0, w, h, false)
	if err != nil {
		return "", false
	}
	if invert {
		src = src.Invert()
	}
	var bin gozxing.Binarizer
	if global {
		bin = gozxing.NewGlobalHistgramBinarizer(src)
	} else {
		bin = gozxing.NewHybridBinarizer(src)
	}
	bmp, err := gozxing.NewBinaryBitmap(bin)
	if err != nil {
		return "", false
	}
	m, err := bmp.GetBlackMatrix()
	if err != nil {
		return "", false
	}
	// What qrcode.QRCodeReader does, in steps, so that a grid that does not decode
	// can be searched again from the same finder patterns (perspective.go).
	hints := map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_TRY_HARDER: true}
	finder := detector.NewFinderPatternFinder(m, nil)
	info, err := finder.Find(hints)
	if err != nil {
		return refineTriples(&s.effort, g, m, finder.GetPossibleCenters(), hints)
	}
	if dr, err := detector.NewDetector(m).ProcessFinderPatternInfo(info); err == nil {
		res, err := qrdecoder.NewDecoder().Decode(dr.GetBits(), hints)
		if err == nil {
			return res.GetText(), true
		}
		var re gozxing.ReaderException // not found, checksum, format: the normal misses
		if !errors.As(err, &re) {
			s.cause = err
		}
		// The grid is right but too many code words are wrong: read again with the
		// covered ones as erasures (erasure.go).
		// Points: bottom left, top left, top right and the alignment pattern if found.
		p := dr.GetPoints()
		var align *detector.AlignmentPattern
		if len(p) == 4 {
			align = detector.NewAlignmentPattern(p[3].GetX(), p[3].GetY(), 1)
		}
		dim := dr.GetBits().GetWidth()
		t := detector.Detector_createTransform(p[1], p[2], p[0], align, dim)
		if text, ok := decodeErasures(&s.effort, g, m, t, dim, hints); ok {
			return text, true
		}
	}
	if text, ok := refineDecode(&s.effort, g, m, info, hints); ok {
		return text, true
	}
	// gozxing chose three finder patterns of one size that are not the corners of
	// a square. A run of modules inside a code can look like a finder pattern
	// (1:1:3:1:1); once gozxing has three that agree it stops looking, and the
	// true one further down is never seen (clean screenshots of about 1 code in
	// 700 read nothing). Then the multi-code finder, which scans the whole image,
	// offers the other triples.
	if oneSizeNotSquare(info) {
		return s.tryAllTriples(m, hints)
	}
	return "", false
}

// oneSizeNotSquare reports whether the finder patterns of info have about the
// same module size (a clean code's do; clutter's seldom) but do not sit at three
// corners of a square: the two sides from the top-left one differ by over 10 %,
// or the angle between them is not right (the third side's square off their sum
// by over 20 %).
func oneSizeNotSquare(info *detector.FinderPatternInfo) bool {
	tl, tr, bl := info.GetTopLeft(), info.GetTopRight(), info.GetBottomLeft()
	lo := min(tl.GetEstimatedModuleSize(), tr.GetEstimatedModuleSize(), bl.GetEstimatedModuleSize())
	hi := max(tl.GetEstimatedModuleSize(), tr.GetEstimatedModuleSize(), bl.GetEstimatedModuleSize())
	if lo <= 0 || hi > 1.15*lo {
		return false
	}
	a, b := gozxing.ResultPoint_Distance(tl, tr), gozxing.ResultPoint_Distance(tl, bl)
	c := gozxing.ResultPoint_Distance(tr, bl)
	return max(a, b) > 1.1*min(a, b) || math.Abs(c*c-a*a-b*b) > 0.2*c*c
}

// tryAllTriples decodes from each triple of finder patterns that gozxing's
// multi-code finder offers for the whole image and that could be one code's.
func (s *scanner) tryAllTriples(m *gozxing.BitMatrix, hints map[gozxing.DecodeHintType]any) (string, bool) {
	w, h := m.GetWidth(), m.GetHeight()
	s.effort.add(int64(w) * int64(h)) // a second scan of every row for finder patterns
	infos, err := multidetector.NewMultiFinderPatternFinder(m, nil).FindMulti(hints)
	if err != nil {
		return "", false
	}
	for _, info := range infos {
		if oneSizeNotSquare(info) {
			continue
		}
		if dr, err := detector.NewDetector(m).ProcessFinderPatternInfo(info); err == nil {
			if res, err := qrdecoder.NewDecoder().Decode(dr.GetBits(), hints); err == nil {
				return res.GetText(), true
			}
		}
	}
	return "", false
}
