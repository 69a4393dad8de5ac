package app

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime"

	"github.com/gradphoto/gradphoto/internal/apperr"
	"github.com/gradphoto/gradphoto/internal/capturecode"
	"github.com/gradphoto/gradphoto/internal/collection"
	"github.com/gradphoto/gradphoto/internal/config"
	"github.com/gradphoto/gradphoto/internal/photo"
)

// photoChecker adapts internal/photo to collection.PhotoChecker with the configured profiles.
type photoChecker struct {
	limit    imageWork
	checker  *photo.Checker
	profiles map[string]photo.Profile
	fallback string
}

func newPhotoChecker(cfg *config.Config) (*photoChecker, error) {
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
	return &photoChecker{limit: newImageWork(), checker: ch, profiles: profiles, fallback: cfg.Photo.DefaultProfile}, nil
}

func (p *photoChecker) knownProfile(name string) bool { _, ok := p.profiles[name]; return ok }

func (p *photoChecker) studentRules() []string { return photo.StudentRules() }

func (p *photoChecker) Check(ctx context.Context, data []byte, profile string) (collection.PhotoVerdict, error) {
	prof, ok := p.profiles[profile]
	if !ok {
		prof = p.profiles[p.fallback]
	}
	release, err := p.limit.acquire(ctx)
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

// codeReader adapts internal/capturecode to collection.CodeReader: decode, validate, seal.
type codeReader struct {
	limit   imageWork
	decoder *capturecode.Decoder
	rules   capturecode.Rules
	sealer  *capturecode.Sealer
}

func newCodeReader(cfg *config.Config, key []byte) (*codeReader, error) {
	sealer, err := capturecode.NewSealer(key)
	if err != nil {
		return nil, err
	}
	return &codeReader{
		limit:   newImageWork(),
		decoder: capturecode.NewDecoder(),
		rules:   capturecode.Rules{MinLength: cfg.Capture.MinLength, MaxLength: cfg.Capture.MaxLength, Pattern: cfg.Capture.Pattern},
		sealer:  sealer,
	}, nil
}

func (r *codeReader) Read(ctx context.Context, image []byte) (collection.CapturedCode, error) {
	release, err := r.limit.acquire(ctx)
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

// imageWork bounds how many decodes of uploaded images run at once: a 12 MP decode
// needs tens of MB, so a burst of uploads waits its turn instead of exhausting memory.
type imageWork chan struct{}

func newImageWork() imageWork { return make(imageWork, max(2, runtime.NumCPU())) }

func (w imageWork) acquire(ctx context.Context) (func(), error) {
	select {
	case w <- struct{}{}:
		return func() { <-w }, nil
	case <-ctx.Done():
		return nil, apperr.ErrUnavailable.Wrap(ctx.Err())
	}
}
