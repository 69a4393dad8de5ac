package photo

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"regexp"
	"strings"

	exif "github.com/dsoprea/go-exif/v3"
)

// editorNames are substrings (lower-case) of the software tags written by photo
// editors and beauty apps. A phone camera writes its firmware name, which matches none.
var editorNames = []string{
	"photoshop", "adobe", "lightroom", "gimp", "meitu", "美图", "beautycam", "beauty cam",
	"醒图", "xingtu", "hypic", "picsart", "snapseed", "facetune", "b612", "faceu", "轻颜",
	"beautyplus", "youcam", "perfect365", "airbrush", "pixlr", "fotor", "canva", "vsco",
	"美颜", "天天p图", "p图", "wink", "retrica", "photodirector", "affinity photo",
}

// jpegSegments walks the markers before the image data and returns the payloads of
// APP1 (Exif, XMP) and COM segments.
func jpegSegments(data []byte) (app1 [][]byte, comments [][]byte) {
	if len(data) < 4 || data[0] != 0xFF || data[1] != 0xD8 {
		return nil, nil
	}
	i := 2
	for i+4 <= len(data) {
		if data[i] != 0xFF {
			return
		}
		marker := data[i+1]
		if marker == 0xFF { // fill byte
			i++
			continue
		}
		if marker == 0xD9 || marker == 0xDA { // end of image, start of scan
			return
		}
		if marker >= 0xD0 && marker <= 0xD7 || marker == 0x01 {
			i += 2
			continue
		}
		n := int(binary.BigEndian.Uint16(data[i+2:]))
		if n < 2 || i+2+n > len(data) {
			return
		}
		payload := data[i+4 : i+2+n]
		switch marker {
		case 0xE1:
			app1 = append(app1, payload)
		case 0xFE:
			comments = append(comments, payload)
		}
		i += 2 + n
	}
	return
}

var xmpCreatorTool = regexp.MustCompile(`(?s)CreatorTool(?:="([^"]*)"|>([^<]*)<)`)

// editorTags returns the software names found in EXIF Software/ProcessingSoftware,
// XMP CreatorTool and JPEG comments.
func editorTags(data []byte) []string {
	app1, comments := jpegSegments(data)
	var names []string
	for _, seg := range app1 {
		switch {
		case bytes.HasPrefix(seg, []byte("Exif\x00\x00")):
			names = append(names, readExif(seg[6:]).software...)
		case bytes.HasPrefix(seg, []byte("http://ns.adobe.com/xap/1.0/")):
			for _, m := range xmpCreatorTool.FindAllSubmatch(seg, 8) {
				names = append(names, string(m[1])+string(m[2]))
			}
		}
	}
	for _, c := range comments {
		names = append(names, string(c))
	}
	return names
}

// readExif reads the software tags and the orientation of IFD0. go-exif panics
// on some malformed blocks; a broken EXIF block only means nothing is known.
func readExif(tiff []byte) (info exifInfo) {
	defer func() {
		if recover() != nil {
			info = exifInfo{}
		}
	}()
	tags, _, err := exif.GetFlatExifData(tiff, nil)
	if err != nil && len(tags) == 0 {
		return info
	}
	for _, t := range tags {
		switch t.TagName {
		case "Software", "ProcessingSoftware":
			if s, ok := t.Value.(string); ok {
				info.software = append(info.software, s)
			} else {
				info.software = append(info.software, t.Formatted)
			}
		case "Orientation":
			if v, ok := t.Value.([]uint16); ok && len(v) > 0 && t.IfdPath == "IFD" && info.orientation == 0 {
				info.orientation = int(v[0])
			}
		}
	}
	return info
}

// exifInfo is what the checks read from a JPEG's EXIF block.
type exifInfo struct {
	software    []string // Software, ProcessingSoftware
	orientation int      // 1–8; 0 when absent
}

// orientation returns the EXIF orientation of a JPEG, 1 when absent or invalid.
func orientation(data []byte) int {
	app1, _ := jpegSegments(data)
	for _, seg := range app1 {
		if bytes.HasPrefix(seg, []byte("Exif\x00\x00")) {
			if o := readExif(seg[6:]).orientation; o >= 1 && o <= 8 {
				return o
			}
		}
	}
	return 1
}

func checkNotEdited(data []byte) Check {
	for _, name := range editorTags(data) {
		lower := strings.ToLower(name)
		for _, e := range editorNames {
			if strings.Contains(lower, e) {
				shown := strings.TrimSpace(name)
				if len([]rune(shown)) > 40 {
					shown = string([]rune(shown)[:40])
				}
				return verdict(CheckNotEdited, false, 1, "未使用修图软件",
					fmt.Sprintf("照片用修图或美颜软件（%s）处理过：请上传未经修改和美颜的原图", shown)).with("EXIF/XMP 软件：%s", shown)
			}
		}
	}
	return verdict(CheckNotEdited, true, 0, "未使用修图软件", "").with("EXIF/XMP 未写明修图软件")
}
