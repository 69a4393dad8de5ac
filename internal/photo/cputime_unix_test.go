//go:build unix

package photo

import (
	"syscall"
	"time"
)

// processCPU is the user+system CPU time of the process: on a shared machine it
// measures a benchmark's own work where wall time also counts the neighbours'.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
