package console

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/onairhq/onair/posting"
)

func TestConsolePrintsAndAppendsOnce(t *testing.T) {
	var out bytes.Buffer
	file := filepath.Join(t.TempDir(), "posts.jsonl")
	p := New(&out, file)
	m := posting.Message{PostID: 1, IdempotencyKey: "onair-1", Kind: "teaser", Step: "7d", Text: "Save the date\nhttps://x.com/live", Channel: "preview"}
	if _, err := p.Post(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "preview · teaser 7d") || !strings.Contains(out.String(), "  https://x.com/live") {
		t.Errorf("printed:\n%s", out.String())
	}
	// A resend after a crash, by a new process: the file already has the key.
	again := New(&out, file)
	_, err := again.Post(context.Background(), m)
	if posting.Classify(err) != "already" {
		t.Errorf("resend: %v, want already posted", err)
	}
	m2 := m
	m2.IdempotencyKey, m2.PostID = "onair-2", 2
	if _, err := again.Post(context.Background(), m2); err != nil {
		t.Fatal(err)
	}
	f, _ := os.Open(file)
	defer f.Close()
	var keys []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var l Line
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatal(err)
		}
		keys = append(keys, l.IdempotencyKey)
	}
	if strings.Join(keys, ",") != "onair-1,onair-2" {
		t.Errorf("file holds %v", keys)
	}
	if p.Recovery() != posting.Resend {
		t.Error("the console can always print again")
	}
}

// failingWriter takes n bytes, then fails.
type failingWriter struct{ n int }

func (w *failingWriter) Write(b []byte) (int, error) {
	if len(b) <= w.n {
		w.n -= len(b)
		return len(b), nil
	}
	k := w.n
	w.n = 0
	return k, errors.New("broken pipe")
}

// Without a file, a post half printed is not printed again blindly; one not printed at all is.
func TestPrintFailure(t *testing.T) {
	for _, tt := range []struct {
		name string
		took int
		want string
	}{{"nothing printed", 0, "retry"}, {"half printed", 10, "unknown"}} {
		t.Run(tt.name, func(t *testing.T) {
			p := New(&failingWriter{n: tt.took}, "")
			_, err := p.Post(context.Background(), posting.Message{IdempotencyKey: "k", Text: "hello"})
			if got := posting.Classify(err); got != tt.want {
				t.Errorf("%v classified %q, want %q", err, got, tt.want)
			}
		})
	}
}
