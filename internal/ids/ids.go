// Package ids makes the public identifiers of gradphoto's records: a short prefix
// naming the kind ("c_" collection, "u_" user) and random characters from an
// alphabet without look-alikes, so ids can be read out on the phone to support.
package ids

import "crypto/rand"

const alphabet = "abcdefghijkmnpqrstuvwxyz23456789"

// New returns prefix followed by n random characters (n=16 gives 80 bits).
func New(prefix string, n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // the system's randomness failing is not recoverable
	}
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)] // 256 % 32 == 0: no modulo bias
	}
	return prefix + string(b)
}
