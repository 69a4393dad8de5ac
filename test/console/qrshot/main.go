// Command qrshot writes phone screenshots of 学信网 capture-code QR codes (fresh random
// CHSI payloads) for the console's browser tests: qrshot DIR N writes DIR/code-1.png …
// DIR/code-N.png.
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/gradphoto/gradphoto/internal/console"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: qrshot DIR N")
		os.Exit(2)
	}
	n, err := strconv.Atoi(os.Args[2])
	if err != nil || n < 1 {
		fmt.Fprintln(os.Stderr, "qrshot: N must be a positive number")
		os.Exit(2)
	}
	for i := 1; i <= n; i++ {
		shot, err := console.DemoCaptureCode()
		if err == nil {
			err = os.WriteFile(filepath.Join(os.Args[1], fmt.Sprintf("code-%d.png", i)), shot, 0o644)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "qrshot:", err)
			os.Exit(1)
		}
	}
}
