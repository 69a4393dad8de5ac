package capturecode

import (
	"image"
	"slices"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/common"
	qrdecoder "github.com/makiuchi-d/gozxing/qrcode/decoder"
	"github.com/makiuchi-d/gozxing/qrcode/detector"
)

// Error-correction-aware reading of partly covered codes. A thumb over the code or a
// glare that burns out part of it leaves a region with no module pattern at all:
// flat skin, flat white. Read blindly, every code word there is an error, and
// Reed–Solomon corrects only half as many errors as it has check words. But the
// region is visible: where the image is flat over several modules, nothing was
// read, and those code words can be declared erasures — which cost one check word
// each, not two. A level-H code (30 %) then survives close to 30 % of its code words
// covered instead of 15 %.
//
// A false read stays out of reach: every block must keep at least minSlack check
// words beyond those spent on erasures and errors, each of which the corrected word
// must satisfy, and the format information and bit stream must parse.

// costFlatModule is the effort of telling whether one module is flat (a few dozen
// samples of the grey image) and, when some are, of the erasure decode.
const costFlatModule = 16

// minSlack is the number of check words per block left unspent, as a checksum.
const minSlack = 4

// decodeErasures reads the dim×dim grid sampled from the binarised image m through t
// (module centres at +0.5), marking as erasures the code words that have a module
// where the grey image g is flat. ok is false when it does not decode.
func decodeErasures(e *effort, g *image.Gray, m *gozxing.BitMatrix, t *common.PerspectiveTransform, dim int, hints map[gozxing.DecodeHintType]any) (string, bool) {
	e.add(costFlatModule * int64(dim*dim))
	flat := flatModules(g, t, dim)
	if flat == nil {
		return "", false
	}
	bits, err := detector.Detector_sampleGrid(m, t, dim)
	if err != nil {
		return "", false
	}
	parser, err := qrdecoder.NewBitMatrixParser(bits)
	if err != nil {
		return "", false
	}
	version, err := parser.ReadVersion()
	if err != nil {
		return "", false
	}
	format, err := parser.ReadFormatInformation()
	if err != nil {
		return "", false
	}
	codewords, err := parser.ReadCodewords() // unmasks
	if err != nil {
		return "", false
	}
	level := format.GetErrorCorrectionLevel()
	blocks, err := qrdecoder.DataBlock_GetDataBlocks(codewords, version, level)
	if err != nil {
		return "", false
	}
	// A code word at the rim of the covered region may have one flat module and
	// still be read right: first erase only the words mostly covered, then all.
	var data []byte
	for _, need := range []int{3, 1} {
		if data = correctBlocks(blocks, erasedCodewords(version, dim, flat, need), version, level); data != nil {
			break
		}
	}
	if data == nil {
		return "", false
	}
	res, err := qrdecoder.DecodedBitStreamParser_Decode(data, version, level, hints)
	if err != nil {
		return "", false
	}
	return res.GetText(), true
}

// correctBlocks corrects copies of the blocks with the erasure flags (one byte per
// code word, in reading order) and returns their data words, or nil.
func correctBlocks(blocks []*qrdecoder.DataBlock, erased []byte, version *qrdecoder.Version, level qrdecoder.ErrorCorrectionLevel) []byte {
	if erased == nil {
		return nil
	}
	// The same interleaving applied to the erasure flags tells which words of each
	// block are erased.
	flagBlocks, err := qrdecoder.DataBlock_GetDataBlocks(erased, version, level)
	if err != nil || len(flagBlocks) != len(blocks) {
		return nil
	}
	var data []byte
	for i, b := range blocks {
		words := slices.Clone(b.GetCodewords())
		var at []int
		for k, f := range flagBlocks[i].GetCodewords() {
			if f != 0 {
				at = append(at, k)
			}
		}
		if !rsCorrect(words, len(words)-b.GetNumDataCodewords(), at) {
			return nil
		}
		data = append(data, words[:b.GetNumDataCodewords()]...)
	}
	return data
}

// flatModules marks the modules around which g is flat: the range of the image over
// a window of about 3×3 modules is below a quarter of the code's contrast. nil when
// the code has no contrast to speak of, or no flat module (then erasures cannot help).
func flatModules(g *image.Gray, t *common.PerspectiveTransform, dim int) []bool {
	w, h := g.Rect.Dx(), g.Rect.Dy()
	// Samples on a half-module lattice: lattice index k is module coordinate (k−1)/2,
	// so module centres are at even k = 2·m+2. One transform call for all of them.
	side := 2*dim + 3
	pts := make([]float64, 0, 2*side*side)
	for ky := 0; ky < side; ky++ {
		for kx := 0; kx < side; kx++ {
			pts = append(pts, float64(kx-1)/2, float64(ky-1)/2)
		}
	}
	t.TransformPoints(pts)
	lattice := make([]int16, side*side)
	var hist [256]int
	n := 0
	for k := range lattice {
		x, y := int(pts[2*k]), int(pts[2*k+1])
		if pts[2*k] < 0 || pts[2*k+1] < 0 || x >= w || y >= h {
			lattice[k] = -1
			continue
		}
		v := g.Pix[y*g.Stride+x]
		lattice[k] = int16(v)
		if kx, ky := k%side, k/side; kx%2 == 0 && ky%2 == 0 && kx >= 2 && ky >= 2 && kx <= 2*dim && ky <= 2*dim {
			hist[v]++ // a module centre
			n++
		}
	}
	if n < dim*dim/2 {
		return nil
	}
	lo, hi := percentile(&hist, n, 10), percentile(&hist, n, 90)
	if hi-lo < 16 {
		return nil
	}
	limit := int16((hi - lo) / 4)
	// Per module: the range over the 5×5 lattice points around its centre.
	flat := make([]bool, dim*dim)
	any := false
	for my := 0; my < dim; my++ {
		for mx := 0; mx < dim; mx++ {
			var lo, hi int16 = 255, 0
			for ky := 2 * my; ky <= 2*my+4; ky++ {
				for _, v := range lattice[ky*side+2*mx : ky*side+2*mx+5] {
					if v >= 0 {
						lo, hi = min(lo, v), max(hi, v)
					}
				}
			}
			if hi-lo < limit {
				flat[my*dim+mx] = true
				any = true
			}
		}
	}
	if !any {
		return nil
	}
	return flat
}

func percentile(hist *[256]int, n, p int) int {
	acc := 0
	for v, c := range hist {
		acc += c
		if acc*100 >= n*p {
			return v
		}
	}
	return 255
}

// erasedCodewords walks the data modules in the order of ISO/IEC 18004 (as gozxing's
// BitMatrixParser.ReadCodewords does) and flags the code words with at least need
// flat modules; nil when the walk does not fit the version.
func erasedCodewords(version *qrdecoder.Version, dim int, flat []bool, need int) []byte {
	if version.GetDimensionForVersion() != dim {
		return nil
	}
	fn := functionPattern(version, dim)
	out := make([]byte, 0, version.GetTotalCodewords())
	cur := 0
	bitsRead := 0
	up := true
	for j := dim - 1; j > 0; j -= 2 {
		if j == 6 {
			j--
		}
		for count := 0; count < dim; count++ {
			i := count
			if up {
				i = dim - 1 - count
			}
			for col := 0; col < 2; col++ {
				x := j - col
				if fn[i*dim+x] {
					continue
				}
				if flat[i*dim+x] {
					cur++
				}
				bitsRead++
				if bitsRead == 8 {
					out = append(out, b2i(cur >= need))
					cur, bitsRead = 0, 0
				}
			}
		}
		up = !up
	}
	if len(out) != version.GetTotalCodewords() {
		return nil
	}
	return out
}

func b2i(b bool) byte {
	if b {
		return 1
	}
	return 0
}

// functionPattern marks the modules that carry no data (finders with separators and
// format information, timing, alignment and version information), as the standard
// (and gozxing's unexported Version.buildFunctionPattern) defines them.
func functionPattern(version *qrdecoder.Version, dim int) []bool {
	fn := make([]bool, dim*dim)
	region := func(left, top, width, height int) {
		for y := top; y < top+height; y++ {
			for x := left; x < left+width; x++ {
				fn[y*dim+x] = true
			}
		}
	}
	region(0, 0, 9, 9)
	region(dim-8, 0, 8, 9)
	region(0, dim-8, 9, 8)
	centres := version.GetAlignmentPatternCenters()
	last := len(centres) - 1
	for x := range centres {
		for y := range centres {
			if (x == 0 && (y == 0 || y == last)) || (x == last && y == 0) {
				continue
			}
			region(centres[y]-2, centres[x]-2, 5, 5)
		}
	}
	region(6, 9, 1, dim-17)
	region(9, 6, dim-17, 1)
	if version.GetVersionNumber() > 6 {
		region(dim-11, 0, 3, 6)
		region(0, dim-11, 6, 3)
	}
	return fn
}

// Reed–Solomon over GF(256) with QR's polynomial x⁸+x⁴+x³+x²+1 and generator roots
// α⁰…α^(2t−1), correcting erasures and errors together (Forney).

var gfExp, gfLog = func() (exp [512]byte, log [256]int) {
	x := 1
	for i := 0; i < 255; i++ {
		exp[i] = byte(x)
		log[x] = i
		x <<= 1
		if x&0x100 != 0 {
			x ^= 0x11D
		}
	}
	for i := 255; i < 512; i++ {
		exp[i] = exp[i-255]
	}
	return exp, log
}()

func gfMul(a, b byte) byte {
	if a == 0 || b == 0 {
		return 0
	}
	return gfExp[gfLog[a]+gfLog[b]]
}

func gfDiv(a, b byte) byte {
	if a == 0 {
		return 0
	}
	return gfExp[(gfLog[a]+255-gfLog[b])%255]
}

// polyEval evaluates p (p[0] the constant term) at x.
func polyEval(p []byte, x byte) byte {
	var y byte
	for i := len(p) - 1; i >= 0; i-- {
		y = gfMul(y, x) ^ p[i]
	}
	return y
}

func polyMul(a, b []byte) []byte {
	out := make([]byte, len(a)+len(b)-1)
	for i, x := range a {
		for j, y := range b {
			out[i+j] ^= gfMul(x, y)
		}
	}
	return out
}

// rsCorrect corrects words in place (words[0] is the highest-degree coefficient),
// with nsym check words and the given erased indexes; false when the errors and
// erasures exceed what leaves minSlack check words unspent.
func rsCorrect(words []byte, nsym int, erasures []int) bool {
	n := len(words)
	if len(erasures)+minSlack > nsym {
		return false
	}
	// Syndromes S_j = r(α^j), as a polynomial S(x) = Σ S_j x^j.
	synd := make([]byte, nsym)
	clean := true
	for j := 0; j < nsym; j++ {
		var s byte
		a := gfExp[j]
		for _, w := range words {
			s = gfMul(s, a) ^ w
		}
		synd[j] = s
		if s != 0 {
			clean = false
		}
	}
	if clean {
		return true
	}
	// Erasure locator Γ(x) = Π (1 − X_k x), X_k = α^(n−1−index).
	gamma := []byte{1}
	for _, e := range erasures {
		gamma = polyMul(gamma, []byte{1, gfExp[n-1-e]})
	}
	// Modified syndromes Ξ(x) = Γ(x)S(x) mod x^nsym; then Berlekamp–Massey finds the
	// error locator σ from Ξ_e … Ξ_{nsym−1}.
	xi := polyMul(gamma, synd)[:nsym]
	e := len(erasures)
	sigma := []byte{1}
	prev := []byte{1}
	L, m := 0, 1
	var b byte = 1
	for k := e; k < nsym; k++ {
		// Discrepancy of the step.
		var d byte
		for i := 0; i <= L && i < len(sigma); i++ {
			if k-i >= e {
				d ^= gfMul(sigma[i], xi[k-i])
			}
		}
		if d == 0 {
			m++
			continue
		}
		coef := gfDiv(d, b)
		next := slices.Clone(sigma)
		for len(next) < len(prev)+m {
			next = append(next, 0)
		}
		for i, p := range prev {
			next[i+m] ^= gfMul(coef, p)
		}
		if 2*L <= k-e {
			L = k - e + 1 - L
			prev = sigma
			b = d
			m = 1
		} else {
			m++
		}
		sigma = next
	}
	for len(sigma) > 1 && sigma[len(sigma)-1] == 0 {
		sigma = sigma[:len(sigma)-1]
	}
	if e+2*(len(sigma)-1)+minSlack > nsym {
		return false
	}
	// Errata locator Ψ = σΓ; evaluator Ω = S·Ψ mod x^nsym.
	psi := polyMul(sigma, gamma)
	omega := polyMul(synd, psi)[:nsym]
	// Roots of Ψ: positions where Ψ(X_k^−1) = 0.
	var pos []int
	for i := 0; i < n; i++ {
		xinv := gfExp[(255-(n-1-i)%255)%255]
		if polyEval(psi, xinv) == 0 {
			pos = append(pos, i)
		}
	}
	if len(pos) != len(psi)-1 {
		return false // the locator does not split over the word: too many errors
	}
	// Ψ'(x): the formal derivative keeps the odd-degree terms.
	dpsi := make([]byte, len(psi)-1)
	for i := 1; i < len(psi); i += 2 {
		dpsi[i-1] = psi[i]
	}
	for _, i := range pos {
		x := gfExp[(n-1-i)%255]
		xinv := gfExp[(255-(n-1-i)%255)%255]
		den := polyEval(dpsi, xinv)
		if den == 0 {
			return false
		}
		// Forney with first root α⁰: e = X · Ω(X⁻¹) / Ψ'(X⁻¹).
		words[i] ^= gfMul(x, gfDiv(polyEval(omega, xinv), den))
	}
	// The corrected word must satisfy every check.
	for j := 0; j < nsym; j++ {
		var s byte
		a := gfExp[j]
		for _, w := range words {
			s = gfMul(s, a) ^ w
		}
		if s != 0 {
			return false
		}
	}
	return true
}
