package capturecode_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gradphoto/gradphoto/internal/apperr"
	"github.com/gradphoto/gradphoto/internal/capturecode"
)

// pngHeader is a PNG whose IHDR declares w×h pixels, followed by a tiny IDAT: the
// shape of a decompression bomb, which decodes to w×h whatever its file size.
func pngHeader(w, h uint32) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(typ string, data []byte) {
		binary.Write(&b, binary.BigEndian, uint32(len(data)))
		crc := crc32.NewIEEE()
		crc.Write([]byte(typ))
		crc.Write(data)
		b.WriteString(typ)
		b.Write(data)
		binary.Write(&b, binary.BigEndian, crc.Sum32())
	}
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 0 // 8-bit greyscale
	chunk("IHDR", ihdr)
	chunk("IDAT", []byte{0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01})
	chunk("IEND", nil)
	return b.Bytes()
}

// jpegDeclaring patches the SOF0 frame size of a small real JPEG.
func jpegDeclaring(t *testing.T, w, h uint16) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, image.NewGray(image.Rect(0, 0, 16, 16)), nil); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	i := bytes.Index(b, []byte{0xFF, 0xC0})
	if i < 0 {
		t.Fatal("no SOF0 in encoded JPEG")
	}
	binary.BigEndian.PutUint16(b[i+5:], h)
	binary.BigEndian.PutUint16(b[i+7:], w)
	return b
}

func readCorpus(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(corpusDir, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDecodeBadInput(t *testing.T) {
	var gifBuf bytes.Buffer
	pal := image.NewPaletted(image.Rect(0, 0, 32, 32), []color.Color{color.White, color.Black})
	if err := gif.Encode(&gifBuf, pal, nil); err != nil {
		t.Fatal(err)
	}
	var smallPNG bytes.Buffer
	if err := png.Encode(&smallPNG, image.NewGray(image.Rect(0, 0, 40, 40))); err != nil {
		t.Fatal(err)
	}
	random := make([]byte, 4096)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range random {
		random[i] = byte(rng.UintN(256))
	}
	jpegFile := readCorpus(t, "clean_750x1334.jpg")
	pngFile := readCorpus(t, "clean_1080x2340.png")

	tests := []struct {
		name string
		data []byte
		want *apperr.Error
		kind apperr.Kind
	}{
		{"zero bytes", nil, capturecode.ErrEmptyImage, apperr.KindInvalid},
		{"random bytes", random, capturecode.ErrUnsupportedImage, apperr.KindUnsupportedMedia},
		{"GIF", gifBuf.Bytes(), capturecode.ErrUnsupportedImage, apperr.KindUnsupportedMedia},
		{"text file", []byte("just a note, not a picture"), capturecode.ErrUnsupportedImage, apperr.KindUnsupportedMedia},
		{"JPEG magic only", []byte{0xFF, 0xD8, 0xFF}, capturecode.ErrImageCorrupt, apperr.KindRejected},
		{"PNG signature only", []byte("\x89PNG\r\n\x1a\n"), capturecode.ErrImageCorrupt, apperr.KindRejected},
		{"JPEG truncated to half", jpegFile[:len(jpegFile)/2], capturecode.ErrImageCorrupt, apperr.KindRejected},
		{"PNG truncated to half", pngFile[:len(pngFile)/2], capturecode.ErrImageCorrupt, apperr.KindRejected},
		{"PNG bomb 20000×20000", pngHeader(20000, 20000), capturecode.ErrImageTooLarge, apperr.KindTooLarge},
		{"PNG 8000×8000 over the pixel cap", pngHeader(8000, 8000), capturecode.ErrImageTooLarge, apperr.KindTooLarge},
		{"PNG 20000×10 too long a side", pngHeader(20000, 10), capturecode.ErrImageTooLarge, apperr.KindTooLarge},
		{"PNG 0×0", pngHeader(0, 0), capturecode.ErrImageCorrupt, apperr.KindRejected},
		{"JPEG bomb 60000×60000", jpegDeclaring(t, 60000, 60000), capturecode.ErrImageTooLarge, apperr.KindTooLarge},
		{"blank PNG", smallPNG.Bytes(), capturecode.ErrQRNotFound, apperr.KindRejected},
	}
	d := capturecode.NewDecoder()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			text, err := d.Decode(context.Background(), tt.data)
			runtime.ReadMemStats(&after)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Decode = %q, %v; want %s", text, err, tt.want.Code)
			}
			var ae *apperr.Error
			if !errors.As(err, &ae) || ae.Kind != tt.kind || ae.Message == "" {
				t.Fatalf("error %#v: want kind %v with a student message", err, tt.kind)
			}
			// Refusals happen before pixels are allocated: a bomb costs no more than a
			// small file.
			if grew := after.TotalAlloc - before.TotalAlloc; grew > 16<<20 {
				t.Fatalf("rejecting this input allocated %d MB", grew>>20)
			}
		})
	}
}

func TestDecodeNotFoundMessage(t *testing.T) {
	_, err := capturecode.NewDecoder().Decode(context.Background(), readCorpus(t, "noqr_text.png"))
	ae := apperr.As(err)
	if ae.Code != "qr_not_found" || ae.Kind != apperr.KindRejected {
		t.Fatalf("got %v, want 422 qr_not_found", err)
	}
	for _, hint := range []string{"长按", "保存", "完整", "清晰"} {
		if !bytes.Contains([]byte(ae.Message), []byte(hint)) {
			t.Errorf("message %q does not tell the student to %s", ae.Message, hint)
		}
	}
}

func TestDecodeCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := capturecode.NewDecoder().Decode(ctx, readCorpus(t, "noqr_clutter.jpg"))
	if !errors.Is(err, apperr.ErrUnavailable) || !errors.Is(err, context.Canceled) {
		t.Fatalf("Decode with a cancelled context: %v, want unavailable wrapping context.Canceled", err)
	}
}

func TestDecodeStopsAtDeadline(t *testing.T) {
	// An image without a QR runs every strategy; a short deadline must cut that short.
	data := readCorpus(t, "noqr_photo_of_clutter.jpg")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := capturecode.NewDecoder().Decode(ctx, data)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Decode: %v, want the deadline error", err)
	}
	if elapsed := time.Since(start); elapsed > 2*time.Second {
		t.Fatalf("Decode ran %v past a 30 ms deadline", elapsed)
	}
}

func TestDecodeConcurrent(t *testing.T) {
	d := capturecode.NewDecoder(capturecode.WithConcurrency(2))
	files := map[string]string{}
	for _, c := range readManifest(t) {
		if len(files) < 4 && c.Payload != "" {
			files[c.File] = c.Payload
		}
	}
	var wg sync.WaitGroup
	errs := make(chan error, 3*len(files))
	for range 3 {
		for file, want := range files {
			data := readCorpus(t, file)
			wg.Go(func() {
				got, err := d.Decode(context.Background(), data)
				if err != nil || got != want {
					errs <- errors.New(file + ": wrong result under concurrency")
				}
			})
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestWithMaxPixels(t *testing.T) {
	d := capturecode.NewDecoder(capturecode.WithMaxPixels(1000 * 1000))
	_, err := d.Decode(context.Background(), readCorpus(t, "clean_1080x2340.png"))
	if !errors.Is(err, capturecode.ErrImageTooLarge) {
		t.Fatalf("2.5 MP image with a 1 MP cap: %v, want image_too_large", err)
	}
}

// TestDecodeAnswerIgnoresTheClock decodes an image that needs several stages on a
// normal and on a much slower machine (every attempt delayed, so that the search
// takes longer than the 3 s wall-clock budget the decoder used to have): the answer,
// the strategy, the attempts and the work are the same, and so is where a work budget
// cuts the search off.
func TestDecodeAnswerIgnoresTheClock(t *testing.T) {
	data := readCorpus(t, "photo_dark_mode_moire.jpg")
	decode := func(opts ...capturecode.Option) (capturecode.Result, time.Duration, error) {
		// The wall-clock backstop (8 s) is for safety only; raised here so that a
		// loaded test machine cannot reach it.
		opts = append([]capturecode.Option{capturecode.WithTimeBudget(time.Minute)}, opts...)
		start := time.Now()
		res, err := capturecode.NewDecoder(opts...).DecodeResult(context.Background(), data)
		return res, time.Since(start), err
	}
	fast, _, err := decode()
	if err != nil {
		t.Fatal(err)
	}
	if fast.Attempts < 4 {
		t.Fatalf("decoded after %d attempts: too early a stage to show anything", fast.Attempts)
	}
	slowMachine := capturecode.WithAttemptDelay(3200 * time.Millisecond / time.Duration(fast.Attempts))
	slow, took, err := decode(slowMachine)
	if err != nil || slow != fast {
		t.Fatalf("slow machine: %+v, %v; fast machine: %+v", slow, err, fast)
	}
	if took < 3*time.Second {
		t.Fatalf("the slow machine took only %v", took)
	}
	// A budget that runs out half-way: not found, on both machines, and because of
	// the budget, not the clock.
	half := capturecode.WithWorkBudget(fast.Work / 2)
	for _, opts := range [][]capturecode.Option{{half}, {half, slowMachine}} {
		_, _, err := decode(opts...)
		if !errors.Is(err, capturecode.ErrQRNotFound) || errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "work budget") {
			t.Fatalf("half the work budget: %v, want qr_not_found for the work budget", err)
		}
	}
}

// TestDecodeWorkBudget: the search spends at most about its budget (one attempt may
// run past it), and the default lets the corpus's costliest image run to the end.
func TestDecodeWorkBudget(t *testing.T) {
	data := readCorpus(t, "noqr_photo_of_clutter.jpg")
	backstop := capturecode.WithTimeBudget(time.Minute) // out of reach of a loaded machine
	for _, budget := range []int64{1, 5_000_000, 20_000_000} {
		_, err := capturecode.NewDecoder(backstop, capturecode.WithWorkBudget(budget)).Decode(context.Background(), data)
		if !errors.Is(err, capturecode.ErrQRNotFound) || !strings.Contains(err.Error(), "work budget") {
			t.Fatalf("budget %d: %v, want qr_not_found for the work budget", budget, err)
		}
	}
	_, err := capturecode.NewDecoder(backstop).Decode(context.Background(), data)
	if !errors.Is(err, capturecode.ErrQRNotFound) || strings.Contains(err.Error(), "work budget") {
		t.Fatalf("default budget: %v, want qr_not_found after the whole cascade", err)
	}
}

func TestDecodeTimeBudget(t *testing.T) {
	// A backstop far below one strategy's cost: the search stops and says not found.
	d := capturecode.NewDecoder(capturecode.WithTimeBudget(time.Millisecond))
	_, err := d.Decode(context.Background(), readCorpus(t, "noqr_photo_of_clutter.jpg"))
	if !errors.Is(err, capturecode.ErrQRNotFound) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Decode past the budget: %v, want qr_not_found caused by the deadline", err)
	}
}
