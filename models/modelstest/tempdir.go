package modelstest

import (
	"os"
	"testing"
)

// memoryDir is a memory-backed file system on Linux.
const memoryDir = "/dev/shm"

// ShortTempDirInMemory points the temp directory (t.TempDir, os.MkdirTemp) at /dev/shm under
// -short, when TMPDIR is unset and /dev/shm is a writable directory. A SQLite file there commits
// without waiting on the disk's fsync, which is most of what the quick loop's database tests
// wait on; the files and the SQL are the same. The full run keeps the disk. Call it after
// flag.Parse.
func ShortTempDirInMemory() {
	if !testing.Short() || os.Getenv("TMPDIR") != "" {
		return
	}
	probe, err := os.MkdirTemp(memoryDir, "onair-probe-")
	if err != nil {
		return // no /dev/shm here: the disk it is
	}
	os.Remove(probe)
	os.Setenv("TMPDIR", memoryDir)
}
