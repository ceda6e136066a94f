package scheduler

import (
	"testing"

	"github.com/onairhq/onair/models/modelstest"
)

func TestMain(m *testing.M) { modelstest.Main(m) }
