package photo

import (
	"fmt"
	"sort"
	"strings"
)

// DefaultProfileName names the built-in profile that follows photo-spec.md.
const DefaultProfileName = "chsi"

// Profile holds every threshold of the checks. Geometry limits are fractions of the
// image width or height, so a 960×1280 photo is judged like a 480×640 one.
type Profile struct {
	Name string `json:"name"`

	MinFileBytes  float64 `json:"min_file_bytes"` // file_size: strictly more than this
	MaxFileBytes  float64 `json:"max_file_bytes"` // file_size: at most this
	MinWidth      float64 `json:"min_width"`      // dimensions, pixels
	MinHeight     float64 `json:"min_height"`     // dimensions, pixels
	MaxMegapixels float64 `json:"max_megapixels"` // dimensions: decompression-bomb guard
	Aspect        float64 `json:"aspect"`         // aspect_ratio: width / height
	AspectTol     float64 `json:"aspect_tolerance"`

	// The standard crop (photo-spec.md "Standard crop"): the aims, and how much
	// the window may be enlarged to reach min_width×min_height.
	StdHeadHeight float64 `json:"std_head_height"` // head (hair top to chin) / frame height
	StdHeadTop    float64 `json:"std_head_top"`    // hair top / frame height
	MaxUpscale    float64 `json:"max_upscale"`

	MinChroma float64 `json:"min_chroma"` // color_mode: mean C*ab of the face (whole image without a face)

	MinFaceScore float64 `json:"min_face_score"` // single_face: pigo cluster score counted as a face
	MaxYaw       float64 `json:"max_yaw"`        // face_frontal: |nose x − pupil mid x| / inter-pupil distance

	MaxCenterOffset float64 `json:"max_center_offset"` // face_centered: |face x − centre| / width
	MinFaceWidth    float64 `json:"min_face_width"`    // face_width: / image width
	MaxFaceWidth    float64 `json:"max_face_width"`
	MinHeadTop      float64 `json:"min_head_top"` // head_top: top of hair / height
	MaxHeadTop      float64 `json:"max_head_top"`
	MinEyeLine      float64 `json:"min_eye_line"` // eye_line: pupil y / height
	MaxEyeLine      float64 `json:"max_eye_line"`
	MinHeadHeight   float64 `json:"min_head_height"` // head_height: (chin − top of hair) / height
	MaxHeadHeight   float64 `json:"max_head_height"`

	MinEyeOpen     float64 `json:"min_eye_open"`     // eyes_open: height of the dark iris band between the lids / inter-pupil distance (the less open eye)
	MinEyeContrast float64 `json:"min_eye_contrast"` // reported in eyes_open's detail: pupil darkness against the eye surround, grey levels
	MaxEyeTiltDeg  float64 `json:"max_eye_tilt_deg"` // eyes_level

	BgHueMin        float64 `json:"bg_hue_min"` // background_blue: HSV range of a blue background pixel
	BgHueMax        float64 `json:"bg_hue_max"`
	BgMinSaturation float64 `json:"bg_min_saturation"`
	BgMinValue      float64 `json:"bg_min_value"`
	BgMinShare      float64 `json:"bg_min_share"` // share of the background band inside that range

	BgMaxLStd   float64 `json:"bg_max_l_std"`   // background_uniform: std-dev of L* over the band
	BgMaxLRDiff float64 `json:"bg_max_lr_diff"` // |mean L* left − right|
	BgMaxTBDiff float64 `json:"bg_max_tb_diff"` // |mean L* top − lower sides|

	MinClothingDeltaE float64 `json:"min_clothing_delta_e"` // clothing_contrast: ΔE*ab bottom band vs background

	MinSharpness float64 `json:"min_sharpness"` // sharpness: Laplacian variance of the face at a fixed size

	MinFaceL        float64 `json:"min_face_l"` // exposure: mean L* of the face
	MaxFaceL        float64 `json:"max_face_l"`
	MaxClippedShare float64 `json:"max_clipped_share"`     // share of face pixels at L* ≤ 3 or ≥ 97
	MaxFaceLRDiff   float64 `json:"max_face_lr_diff"`      // |mean L* left half − right half| of the face
	MaxShoulderTilt float64 `json:"max_shoulder_tilt_deg"` // shoulders_level
	MaxGlareShare   float64 `json:"max_glare_share"`       // glasses_glare: clipped near-white share around the pupils
	MaxLipGap       float64 `json:"max_lip_gap"`           // mouth_closed: lip gap / face height
	MaxTeethShare   float64 `json:"max_teeth_share"`       // mouth_closed: share of the mouth box showing teeth or an open mouth
}

// DefaultProfile returns the "chsi" profile: the limits of photo-spec.md, with the
// detector-dependent floors calibrated as CALIBRATION.md explains.
func DefaultProfile() Profile {
	return Profile{
		Name:          DefaultProfileName,
		MinFileBytes:  30 * 1024,
		MaxFileBytes:  10 * 1024 * 1024,
		MinWidth:      480,
		MinHeight:     640,
		MaxMegapixels: 40,
		Aspect:        0.75,
		AspectTol:     0.02,
		StdHeadHeight: 0.5,
		StdHeadTop:    80.0 / 640,
		MaxUpscale:    1.25,

		MinChroma: 6,

		MinFaceScore: 5,
		MaxYaw:       0.12,

		MaxCenterOffset: 0.06,
		MinFaceWidth:    180.0 / 480,
		MaxFaceWidth:    300.0 / 480,
		MinHeadTop:      50.0 / 640,
		MaxHeadTop:      110.0 / 640,
		MinEyeLine:      200.0 / 640,
		MaxEyeLine:      300.0 / 640,
		MinHeadHeight:   0.42,
		MaxHeadHeight:   0.62,

		MinEyeOpen:     0.08,
		MinEyeContrast: 12,
		MaxEyeTiltDeg:  5,

		BgHueMin:        195,
		BgHueMax:        230,
		BgMinSaturation: 0.35,
		BgMinValue:      0.55,
		BgMinShare:      0.90,

		BgMaxLStd:   6,
		BgMaxLRDiff: 6,
		BgMaxTBDiff: 8,

		MinClothingDeltaE: 20,

		MinSharpness: 40,

		MinFaceL:        35,
		MaxFaceL:        85,
		MaxClippedShare: 0.05,
		MaxFaceLRDiff:   15,
		MaxShoulderTilt: 5,
		MaxGlareShare:   0.04,
		MaxLipGap:       0.033,
		MaxTeethShare:   0.12,
	}
}

// limits maps each config key to its field; the keys are the json names above.
func (p *Profile) limits() map[string]*float64 {
	return map[string]*float64{
		"min_file_bytes": &p.MinFileBytes, "max_file_bytes": &p.MaxFileBytes,
		"min_width": &p.MinWidth, "min_height": &p.MinHeight, "max_megapixels": &p.MaxMegapixels,
		"aspect": &p.Aspect, "aspect_tolerance": &p.AspectTol,
		"std_head_height": &p.StdHeadHeight, "std_head_top": &p.StdHeadTop, "max_upscale": &p.MaxUpscale,
		"min_chroma":     &p.MinChroma,
		"min_face_score": &p.MinFaceScore, "max_yaw": &p.MaxYaw,
		"max_center_offset": &p.MaxCenterOffset,
		"min_face_width":    &p.MinFaceWidth, "max_face_width": &p.MaxFaceWidth,
		"min_head_top": &p.MinHeadTop, "max_head_top": &p.MaxHeadTop,
		"min_eye_line": &p.MinEyeLine, "max_eye_line": &p.MaxEyeLine,
		"min_head_height": &p.MinHeadHeight, "max_head_height": &p.MaxHeadHeight,
		"min_eye_open": &p.MinEyeOpen, "min_eye_contrast": &p.MinEyeContrast, "max_eye_tilt_deg": &p.MaxEyeTiltDeg,
		"bg_hue_min": &p.BgHueMin, "bg_hue_max": &p.BgHueMax,
		"bg_min_saturation": &p.BgMinSaturation, "bg_min_value": &p.BgMinValue, "bg_min_share": &p.BgMinShare,
		"bg_max_l_std": &p.BgMaxLStd, "bg_max_lr_diff": &p.BgMaxLRDiff, "bg_max_tb_diff": &p.BgMaxTBDiff,
		"min_clothing_delta_e": &p.MinClothingDeltaE,
		"min_sharpness":        &p.MinSharpness,
		"min_face_l":           &p.MinFaceL, "max_face_l": &p.MaxFaceL,
		"max_clipped_share": &p.MaxClippedShare, "max_face_lr_diff": &p.MaxFaceLRDiff,
		"max_shoulder_tilt_deg": &p.MaxShoulderTilt,
		"max_glare_share":       &p.MaxGlareShare,
		"max_lip_gap":           &p.MaxLipGap,
		"max_teeth_share":       &p.MaxTeethShare,
	}
}

// LimitKeys lists the keys a profile override may set, sorted.
func LimitKeys() []string {
	var p Profile
	keys := make([]string, 0, 48)
	for k := range p.limits() {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Profiles builds named profiles from config overrides of chsi: name -> limit key ->
// value. The result always holds "chsi"; overriding "chsi" itself is allowed. An
// unknown key is an error naming it and its profile, so a typo in config fails at start.
func Profiles(overrides map[string]map[string]float64) (map[string]Profile, error) {
	out := map[string]Profile{DefaultProfileName: DefaultProfile()}
	names := make([]string, 0, len(overrides))
	for n := range overrides {
		names = append(names, n)
	}
	sort.Strings(names) // deterministic error for several bad profiles
	for _, name := range names {
		if strings.TrimSpace(name) == "" {
			return nil, fmt.Errorf("photo profile: empty profile name")
		}
		p := DefaultProfile()
		p.Name = name
		fields := p.limits()
		keys := make([]string, 0, len(overrides[name]))
		for k := range overrides[name] {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			f, ok := fields[k]
			if !ok {
				return nil, fmt.Errorf("photo profile %q: unknown limit key %q (known: %s)", name, k, strings.Join(LimitKeys(), ", "))
			}
			*f = overrides[name][k]
		}
		if p.MaxUpscale < 1 || p.StdHeadHeight <= 0 {
			return nil, fmt.Errorf("photo profile %q: max_upscale must be ≥ 1 and std_head_height > 0", name)
		}
		out[name] = p
	}
	return out, nil
}
