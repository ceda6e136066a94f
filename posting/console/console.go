// Package console is the channel that prints posts instead of publishing them: for previews,
// demos and tests. It can also append each post as a JSON line to a file.
package console

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/onairhq/onair/posting"
)

// Poster prints posts to Out and, when File is set, appends them to it as JSON lines.
type Poster struct {
	Out  io.Writer
	File string
	Now  func() time.Time

	mu   sync.Mutex
	seen map[string]bool // idempotency keys already in File
}

// New returns a console poster.
func New(out io.Writer, file string) *Poster {
	return &Poster{Out: out, File: file, Now: time.Now}
}

// Recovery: the console can always print again; with a file it first checks the key is not
// already there, so the file never holds a post twice.
func (p *Poster) Recovery() posting.Recovery { return posting.Resend }

// Line is one post in the JSON lines file.
type Line struct {
	posting.Message
	SentAt time.Time `json:"sent_at"`
}

// Post prints m.
func (p *Poster) Post(ctx context.Context, m posting.Message) (posting.Receipt, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	receipt := posting.Receipt{RemoteID: m.IdempotencyKey}
	if p.File != "" {
		if err := p.loadSeen(); err != nil {
			return receipt, &posting.Retryable{Err: err}
		}
		if p.seen[m.IdempotencyKey] {
			return receipt, &posting.Already{Receipt: receipt}
		}
	}
	now := p.Now()
	if p.Out != nil {
		head := fmt.Sprintf("%s  %s · %s %s · broadcast %d %q", now.Format("15:04:05"), m.Channel, m.Kind, m.Step, m.BroadcastID, m.Broadcast)
		n, err := fmt.Fprintf(p.Out, "%s\n  %s\n\n", head, strings.ReplaceAll(m.Text, "\n", "\n  "))
		switch {
		case err != nil && n > 0 && p.File == "":
			// Part of the post was printed: printing it again would show it twice.
			return receipt, &posting.Uncertain{Err: fmt.Errorf("print the post: %w (part of it was printed; check the output)", err)}
		case err != nil && p.File == "":
			return receipt, &posting.Retryable{Err: fmt.Errorf("print the post: %w", err)}
		}
	}
	if p.File == "" {
		return receipt, nil
	}
	line, err := json.Marshal(Line{Message: m, SentAt: now.UTC()})
	if err != nil {
		return receipt, &posting.Rejected{Err: err}
	}
	f, err := os.OpenFile(p.File, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return receipt, &posting.Retryable{Err: err}
	}
	_, err = f.Write(append(line, '\n'))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return receipt, &posting.Retryable{Err: err}
	}
	p.seen[m.IdempotencyKey] = true
	return receipt, nil
}

func (p *Poster) loadSeen() error {
	if p.seen != nil {
		return nil
	}
	seen := map[string]bool{}
	f, err := os.Open(p.File)
	if errors.Is(err, os.ErrNotExist) {
		p.seen = seen
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var l Line
		if json.Unmarshal(sc.Bytes(), &l) == nil && l.IdempotencyKey != "" {
			seen[l.IdempotencyKey] = true
		}
	}
	p.seen = seen
	return sc.Err()
}
