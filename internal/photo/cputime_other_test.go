//go:build !unix

package photo

import "time"

func processCPU() time.Duration { return 0 }
