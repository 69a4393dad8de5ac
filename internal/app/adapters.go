package app

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/gradphoto/gradphoto/internal/apperr"
	"github.com/gradphoto/gradphoto/internal/capturecode"
	"github.com/gradphoto/gradphoto/internal/collection"
	"github.com/gradphoto/gradphoto/internal/config"
	"github.com/gradphoto/gradphoto/internal/photo"
)

// photoChecker adapts internal/photo to collection.PhotoChecker with the configured profiles.
type photoChecker struct {
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
	return &photoChecker{checker: ch, profiles: profiles, fallback: cfg.Photo.DefaultProfile}, nil
}

func (p *photoChecker) knownProfile(name string) bool { _, ok := p.profiles[name]; return ok }

func (p *photoChecker) studentRules() []string { return photo.StudentRules() }

func (p *photoChecker) Check(ctx context.Context, data []byte, profile string) (collection.PhotoVerdict, error) {
	prof, ok := p.profiles[profile]
	if !ok {
		prof = p.profiles[p.fallback]
	}
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
	return collection.PhotoVerdict{Passed: rep.Passed, Checks: checks, Geometry: geometry}, nil
}

// codeReader adapts internal/capturecode to collection.CodeReader: decode, validate, seal.
type codeReader struct {
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
		decoder: capturecode.NewDecoder(),
		rules:   capturecode.Rules{MinLength: cfg.Capture.MinLength, MaxLength: cfg.Capture.MaxLength, Pattern: cfg.Capture.Pattern},
		sealer:  sealer,
	}, nil
}

func (r *codeReader) Read(ctx context.Context, image []byte) (collection.CapturedCode, error) {
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
