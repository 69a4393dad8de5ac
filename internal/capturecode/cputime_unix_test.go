//go:build unix

package capturecode_test

import (
	"syscall"
	"time"
)

// processCPU is the CPU time the test process has used. On a shared machine the
// wall-clock median includes time spent waiting for a core; CPU time does not.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
