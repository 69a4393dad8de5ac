package app

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"time"

	"github.com/gradphoto/gradphoto/internal/apperr"
	"github.com/gradphoto/gradphoto/internal/capturecode"
	"github.com/gradphoto/gradphoto/internal/collection"
	"github.com/gradphoto/gradphoto/internal/config"
	"github.com/gradphoto/gradphoto/internal/imagebudget"
	"github.com/gradphoto/gradphoto/internal/photo"
)

// photoChecker adapts internal/photo to collection.PhotoChecker with the configured profiles.
type photoChecker struct {
	memory   *imagebudget.Budget
	limit    imageWork
	checker  *photo.Checker
	profiles map[string]photo.Profile
	fallback string
}

func newPhotoChecker(cfg *config.Config, memory *imagebudget.Budget) (*photoChecker, error) {
	ch, err := photo.NewChecker()
	if err != nil {
		return nil, err
	}
	profiles, err := photo.Profiles(cfg.Photo.Profiles)
	if err != nil {
		return nil, err
	}
	if _, ok := profiles[cfg.Photo.DefaultProfile]; !ok {
		return nil, fmt.Errorf("config: photo.default_profile: no such profile %q", cfg.Photo.DefaultProfile)
	}
	return &photoChecker{memory: memory, limit: newImageWork(), checker: ch, profiles: profiles, fallback: cfg.Photo.DefaultProfile}, nil
}

func (p *photoChecker) knownProfile(name string) bool { _, ok := p.profiles[name]; return ok }

func (p *photoChecker) studentRules() []string { return photo.StudentRules() }

func (p *photoChecker) Check(ctx context.Context, data []byte, profile string) (collection.PhotoVerdict, error) {
	prof, ok := p.profiles[profile]
	if !ok {
		prof = p.profiles[p.fallback]
	}
	release, err := p.admit(ctx, data, prof)
	if err != nil {
		return collection.PhotoVerdict{}, err
	}
	defer release()
	rep, err := p.checker.Check(ctx, data, prof)
	if err != nil {
		return collection.PhotoVerdict{}, err
	}
	checks, err := json.Marshal(rep.Checks)
	if err != nil {
		return collection.PhotoVerdict{}, apperr.Internal(err)
	}
	geometry, err := json.Marshal(rep.Geometry)
	if err != nil {
		return collection.PhotoVerdict{}, apperr.Internal(err)
	}
	standard, err := json.Marshal(rep.Standard)
	if err != nil {
		return collection.PhotoVerdict{}, apperr.Internal(err)
	}
	return collection.PhotoVerdict{Passed: rep.Passed, Checks: checks, Geometry: geometry, Standard: standard, StandardJPEG: rep.Standard.JPEG}, nil
}

// ExportCrop makes the 学信网 export of an approved photo (rows approved before the
// standard photo existed). It decodes like an upload, so it takes its turn in the same
// memory and CPU budget: an export of many large originals cannot outgrow it.
func (p *photoChecker) ExportCrop(ctx context.Context, data []byte) ([]byte, error) {
	release, err := p.admit(ctx, data, p.profiles[p.fallback])
	if err != nil {
		return nil, err
	}
	defer release()
	return p.checker.ExportCrop(ctx, data)
}

// admit waits for the memory and CPU a photo's decode needs under profile prof.
func (p *photoChecker) admit(ctx context.Context, data []byte, prof photo.Profile) (func(), error) {
	return admit(ctx, p.memory, p.limit, photoNeed(imagebudget.Of(data), prof.MaxMegapixels))
}

// codeReader adapts internal/capturecode to collection.CodeReader: decode, validate, seal.
type codeReader struct {
	memory  *imagebudget.Budget
	limit   imageWork
	decoder *capturecode.Decoder
	rules   capturecode.Rules
	sealer  *capturecode.Sealer
}

func newCodeReader(cfg *config.Config, key []byte, memory *imagebudget.Budget) (*codeReader, error) {
	sealer, err := capturecode.NewSealer(key)
	if err != nil {
		return nil, err
	}
	return &codeReader{
		memory:  memory,
		limit:   newImageWork(),
		decoder: capturecode.NewDecoder(),
		rules:   capturecode.Rules{MinLength: cfg.Capture.MinLength, MaxLength: cfg.Capture.MaxLength, Pattern: cfg.Capture.Pattern},
		sealer:  sealer,
	}, nil
}

func (r *codeReader) Read(ctx context.Context, image []byte) (collection.CapturedCode, error) {
	release, err := admit(ctx, r.memory, r.limit, codeNeed(imagebudget.Of(image)))
	if err != nil {
		return collection.CapturedCode{}, err
	}
	defer release()
	text, err := r.decoder.Decode(ctx, image)
	if err != nil {
		return collection.CapturedCode{}, err
	}
	if err := r.rules.Validate(text); err != nil {
		return collection.CapturedCode{}, err
	}
	sealed, err := r.sealer.Seal(text)
	if err != nil {
		return collection.CapturedCode{}, apperr.Internal(err)
	}
	return collection.CapturedCode{Fingerprint: capturecode.Fingerprint(text), Masked: capturecode.Mask(text), Sealed: sealed}, nil
}

// What a check holds beyond the decode itself, measured on 39–49 MP images (peak heap
// at GOGC=10): the photo checks work on a raster shrunk to a fixed size; the 采集码
// decoder keeps a grey copy, an upright copy and shrunken copies (~1–2 bytes a pixel,
// 3 allowed). Anything that is not decoded at all (wrong format, over the pixel cap:
// refused from the header) needs only the small constant.
const (
	smallWork      = 1 << 20
	workingBuffers = 16 << 20
)

// A large photo is decoded at a reduced scale (internal/jpegscale) and only decoded
// again, finer, after the reduced image is let go; the full-size decode stays the
// bound, as a photo with a small head needs it.
func photoNeed(e imagebudget.Estimate, maxMegapixels float64) int64 {
	if e.Format != "jpeg" || e.DecodeBytes == 0 || float64(e.Pixels()) > maxMegapixels*1e6 {
		return smallWork
	}
	return e.DecodeBytes + e.Pixels()/4 + workingBuffers
}

func codeNeed(e imagebudget.Estimate) int64 {
	if e.DecodeBytes == 0 || e.Pixels() > capturecode.DefaultMaxPixels {
		return smallWork
	}
	return e.DecodeBytes + 3*e.Pixels() + workingBuffers
}

// imageBudgetWait is how long an upload waits for room in the memory budget before
// it is answered 503 busy (the request deadline, when sooner, still wins).
const imageBudgetWait = 5 * time.Second

// admit takes the decode's memory from the budget, then a CPU slot.
func admit(ctx context.Context, memory *imagebudget.Budget, cpu imageWork, need int64) (func(), error) {
	freeMemory, err := memory.Acquire(ctx, need)
	if err != nil {
		return nil, err
	}
	freeCPU, err := cpu.acquire(ctx)
	if err != nil {
		freeMemory()
		return nil, err
	}
	return func() { freeCPU(); freeMemory() }, nil
}

// imageWork bounds how many decodes of uploaded images run at once: a 12 MP decode
// needs tens of MB, so a burst of uploads waits its turn instead of exhausting memory.
type imageWork chan struct{}

func newImageWork() imageWork { return make(imageWork, max(2, runtime.NumCPU())) }

func (w imageWork) acquire(ctx context.Context) (func(), error) {
	select {
	case w <- struct{}{}:
		return func() { <-w }, nil
	case <-ctx.Done():
		return nil, apperr.ErrBusy.Wrap(ctx.Err())
	}
}
