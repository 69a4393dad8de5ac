package photo

import "context"

// ExportCrop returns the 学信网 export of an upload: its standard photo (480×640,
// JPEG quality 95, a crop and a resize and nothing else), cut as Check cuts it.
// A photo with no standard crop is refused (ErrNoFace), never padded or invented.
func (c *Checker) ExportCrop(ctx context.Context, data []byte) ([]byte, error) {
	rep, err := c.Check(ctx, data, DefaultProfile())
	if err != nil {
		return nil, err
	}
	if rep.Standard.Standardized {
		return rep.Standard.JPEG, nil
	}
	if f, _ := rep.Find(CheckFormatJPEG); !f.Passed {
		return nil, ErrUnreadable
	}
	return nil, ErrNoFace
}
