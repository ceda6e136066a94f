package scheduler

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"testing"

	"github.com/onairhq/onair/models/modelstest"
)

func TestMain(m *testing.M) {
	flag.Parse()
	modelstest.TellIfNoPostgres()
	// Most tests here wait on a database round trip or a fake server's timeout more than on a
	// core: twice GOMAXPROCS of them at once (go test's default is GOMAXPROCS) overlaps the waits.
	// -parallel N on the command line wins.
	parallel := false
	flag.Visit(func(f *flag.Flag) { parallel = parallel || f.Name == "test.parallel" })
	if f := flag.Lookup("test.parallel"); f != nil && !parallel {
		f.Value.Set(fmt.Sprint(2 * runtime.GOMAXPROCS(0)))
	}
	os.Exit(m.Run())
}
