package photo

import (
	"bytes"
	"context"
	"image/jpeg"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/disintegration/imaging"
)

var (
	phoneOnce sync.Once
	phoneJPEG []byte
)

// phonePhoto is the standard photo at a phone camera's 3024×4032.
func phonePhoto(b testing.TB) []byte {
	phoneOnce.Do(func() { phoneJPEG = encodeJPEG(b, place(getFixtures(b).blueSrc, standardPlacement, 4032), 90) })
	return phoneJPEG
}

func benchCheck(b *testing.B, data []byte) {
	c := testChecker(b)
	ctx := context.Background()
	p := DefaultProfile()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	start, n := processCPU(), 0
	for b.Loop() {
		if _, err := c.Check(ctx, data, p); err != nil {
			b.Fatal(err)
		}
		n++
	}
	b.ReportMetric(float64(processCPU()-start)/float64(n)/1e6, "cpu-ms/op")
}

func benchDecode(b *testing.B, data []byte) {
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	start, n := processCPU(), 0
	for b.Loop() {
		if _, err := jpeg.Decode(bytes.NewReader(data)); err != nil {
			b.Fatal(err)
		}
		n++
	}
	b.ReportMetric(float64(processCPU()-start)/float64(n)/1e6, "cpu-ms/op")
}

// BenchmarkCheck480 is the whole check of a 480×640 upload, standardisation
// included (target ≤ 5× BenchmarkDecodeOnly480).
func BenchmarkCheck480(b *testing.B) { benchCheck(b, standardJPEG(b)) }

// croppedPlacement puts the head a little small, low and off-centre in a 480×640
// upload, so its standard photo is a smaller window enlarged (about 1.1×).
var croppedPlacement = placement{headHeight: 0.46, headTop: 0.17, centreX: 0.46, aspect: 0.75}

func croppedJPEG(b testing.TB) []byte {
	return encodeJPEG(b, place(getFixtures(b).blueSrc, croppedPlacement, 640), 95)
}

// BenchmarkCheck480Crop is a 480×640 upload whose standard photo is cut and
// resampled (BenchmarkCheck480's upload is a standard photo already, whose pixels
// are kept as they are).
func BenchmarkCheck480Crop(b *testing.B) { benchCheck(b, croppedJPEG(b)) }

// BenchmarkDecodeOnly480Crop is the plain image/jpeg decode of BenchmarkCheck480Crop's
// file: the target compares a check with the decode of the same file.
func BenchmarkDecodeOnly480Crop(b *testing.B) { benchDecode(b, croppedJPEG(b)) }

// The same upload saved at quality 75 (image/jpeg's and many tools' default): a
// cheaper decode, the same check, so the ratio of the two is higher than at 95.
func croppedJPEG75(b testing.TB) []byte {
	return encodeJPEG(b, place(getFixtures(b).blueSrc, croppedPlacement, 640), 75)
}

func BenchmarkCheck480CropQ75(b *testing.B)      { benchCheck(b, croppedJPEG75(b)) }
func BenchmarkDecodeOnly480CropQ75(b *testing.B) { benchDecode(b, croppedJPEG75(b)) }

// BenchmarkCheckPhone is a 3024×4032 phone photo (target ≤ 250 ms).
func BenchmarkCheckPhone(b *testing.B) { benchCheck(b, phonePhoto(b)) }

var (
	farOnce sync.Once
	farJPEG []byte
)

// farPhonePhoto is a 3024×4032 phone photo of a person further away: the head is
// 15 % of the height, so the standard is cut from a window of about 1 200 rows,
// fewer than the 1/2-scale decode has for it, and the photo is decoded again in full.
func farPhonePhoto(b testing.TB) []byte {
	farOnce.Do(func() {
		farJPEG = encodeJPEG(b, place(getFixtures(b).blueSrc, placement{headHeight: 0.15, headTop: 0.3, centreX: 0.5, aspect: 0.75}, 4032), 90)
	})
	return farJPEG
}

// BenchmarkCheckPhoneFar is a 12 MP photo whose standard needs the full resolution.
func BenchmarkCheckPhoneFar(b *testing.B) { benchCheck(b, farPhonePhoto(b)) }

// BenchmarkDecodeOnly480 and BenchmarkDecodeOnlyPhone are plain image/jpeg decodes
// of the same files: the floor under the checks.
func BenchmarkDecodeOnly480(b *testing.B)   { benchDecode(b, standardJPEG(b)) }
func BenchmarkDecodeOnlyPhone(b *testing.B) { benchDecode(b, phonePhoto(b)) }

// BenchmarkCheckPhonePeakHeap reports the peak heap in use during a 12 MP check
// (target ≤ 80 MB), sampled every 2 ms while the check runs (HeapAlloc: live and
// not yet collected objects, so an upper bound).
func BenchmarkCheckPhonePeakHeap(b *testing.B) {
	data := phonePhoto(b)
	c := testChecker(b)
	var peak uint64
	for b.Loop() {
		runtime.GC()
		var base runtime.MemStats
		runtime.ReadMemStats(&base)
		done := make(chan struct{})
		var wg sync.WaitGroup
		wg.Add(1)
		var localPeak uint64
		go func() {
			defer wg.Done()
			var m runtime.MemStats
			for {
				runtime.ReadMemStats(&m)
				localPeak = max(localPeak, m.HeapAlloc)
				select {
				case <-done:
					return
				case <-time.After(2 * time.Millisecond):
				}
			}
		}()
		if _, err := c.Check(context.Background(), data, DefaultProfile()); err != nil {
			b.Fatal(err)
		}
		close(done)
		wg.Wait()
		peak = max(peak, localPeak)
	}
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
}

// BenchmarkExportCropPhone is the 学信网 export of a 12 MP photo.
func BenchmarkExportCropPhone(b *testing.B) {
	data := phonePhoto(b)
	c := testChecker(b)
	b.ReportAllocs()
	start, n := processCPU(), 0
	for b.Loop() {
		if _, err := c.ExportCrop(context.Background(), data); err != nil {
			b.Fatal(err)
		}
		n++
	}
	b.ReportMetric(float64(processCPU()-start)/float64(n)/1e6, "cpu-ms/op")
}

// BenchmarkCheckNoFace is a 480×640 photo without a face (a cat): the coarse
// detector grid finds none, so the fine grid is searched too (detect.go).
func BenchmarkCheckNoFace(b *testing.B) {
	benchCheck(b, encodeJPEG(b, imaging.Resize(loadTestImage(b, "noface_03_cat.png"), StandardWidth, StandardHeight, imaging.Lanczos), 95))
}
