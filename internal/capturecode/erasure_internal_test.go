package capturecode

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/makiuchi-d/gozxing/common/reedsolomon"
)

// encodeRS returns data followed by nsym Reed–Solomon check words, as a QR code
// stores a block (gozxing's encoder, QR field).
func encodeRS(t *testing.T, data []byte, nsym int) []byte {
	t.Helper()
	ints := make([]int, len(data)+nsym)
	for i, b := range data {
		ints[i] = int(b)
	}
	if err := reedsolomon.NewReedSolomonEncoder(reedsolomon.GenericGF_QR_CODE_FIELD_256).Encode(ints, nsym); err != nil {
		t.Fatal(err)
	}
	out := make([]byte, len(ints))
	for i, v := range ints {
		out[i] = byte(v)
	}
	return out
}

func TestRSCorrectErasuresAndErrors(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const k, nsym = 15, 28 // version 6-H block
	for trial := 0; trial < 300; trial++ {
		data := make([]byte, k)
		for i := range data {
			data[i] = byte(rng.IntN(256))
		}
		want := encodeRS(t, data, nsym)
		n := len(want)
		// e erasures and v errors with e + 2v + minSlack ≤ nsym: must be corrected.
		e := rng.IntN(nsym - minSlack + 1)
		v := rng.IntN((nsym-minSlack-e)/2 + 1)
		perm := rng.Perm(n)
		got := slices.Clone(want)
		erased := perm[:e]
		for _, i := range erased {
			got[i] = byte(rng.IntN(256)) // an erasure may happen to hold the right value
		}
		for _, i := range perm[e : e+v] {
			got[i] ^= byte(1 + rng.IntN(255))
		}
		if !rsCorrect(got, nsym, erased) {
			t.Fatalf("trial %d: %d erasures + %d errors not corrected", trial, e, v)
		}
		if !slices.Equal(got, want) {
			t.Fatalf("trial %d: %d erasures + %d errors corrected to a wrong word", trial, e, v)
		}
	}
}

func TestRSCorrectRefusesBeyondSlack(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	const k, nsym = 15, 28
	data := make([]byte, k)
	for i := range data {
		data[i] = byte(rng.IntN(256))
	}
	want := encodeRS(t, data, nsym)
	// More erasures than the slack allows: refused, even though RS could solve them.
	erased := rng.Perm(len(want))[:nsym-minSlack+1]
	got := slices.Clone(want)
	for _, i := range erased {
		got[i] ^= 0x5A
	}
	if rsCorrect(got, nsym, erased) {
		t.Fatal("corrected with fewer than minSlack check words unspent")
	}
	// Random words (no code word at all) are not "corrected" into one.
	accepted := 0
	for trial := 0; trial < 2000; trial++ {
		w := make([]byte, k+nsym)
		for i := range w {
			w[i] = byte(rng.IntN(256))
		}
		if rsCorrect(w, nsym, rng.Perm(len(w))[:10]) {
			accepted++
		}
	}
	if accepted > 0 {
		t.Fatalf("%d of 2000 random words accepted", accepted)
	}
}
