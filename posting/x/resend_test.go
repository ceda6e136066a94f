package x

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/onairhq/onair/posting"
	"github.com/onairhq/onair/posting/x/xtest"
)

// resend is m's try after one that reached X: the dispatcher's resend.
func resend(m posting.Message) posting.Message {
	m.Attempt = 2
	return m
}

// already checks that err is *posting.Already with receipt want.
func already(t *testing.T, err error, want posting.Receipt) {
	t.Helper()
	var al *posting.Already
	if !errors.As(err, &al) {
		t.Fatalf("%v, want already posted", err)
	}
	if al.Receipt != want {
		t.Errorf("already posted as %+v, want %+v", al.Receipt, want)
	}
}

func TestResendFindsThePost(t *testing.T) {
	tests := []struct {
		name string
		msg  func(t *testing.T) posting.Message
	}{
		{"plain text", func(*testing.T) posting.Message { return msg("Rendez-vous mardi à 18:00.") }},
		{"links X rewrites to t.co, and one it does not", func(*testing.T) posting.Message {
			return msg("J-1 : https://x.com/i/broadcasts/1ABC et www.brand.com/live (ou brand.fr).")
		}},
		{"&, < and >, which X gives back as entities", func(*testing.T) posting.Message {
			return msg("Q&A <en direct> ce soir >> https://x.com/i/broadcasts/1ABC")
		}},
		{"whitespace", func(*testing.T) posting.Message { return msg("J-1\n\nRendez-vous  demain.\n") }},
		{"teaser with a picture, whose t.co link X adds", func(t *testing.T) posting.Message {
			return teaser("J-3 : la collection arrive https://x.com/i/broadcasts/1ABC", picture(t, "png", 1000))
		}},
	}
	for _, pp := range posters {
		for _, tt := range tests {
			t.Run(pp.name+"/"+tt.name, func(t *testing.T) {
				s, c := fake(t)
				p := pp.new(t, s, c)
				ctx := context.Background()
				m := tt.msg(t)
				m.DueAt = c.Now()
				s.FailNext(xtest.EndpointTweets, xtest.AcceptThenDrop)
				_, err := p.Post(ctx, m)
				wantKind(t, err, "retry")
				c.Advance(time.Minute)
				_, err = p.Post(ctx, resend(m))
				posts := s.Posts()
				if len(posts) != 1 {
					t.Fatalf("X has %d posts, want 1", len(posts))
				}
				already(t, err, receipt(posts[0].ID))
			})
		}
	}
}

func TestResendInThread(t *testing.T) {
	for _, pp := range posters {
		t.Run(pp.name, func(t *testing.T) {
			s, c := fake(t)
			p := pp.new(t, s, c)
			ctx := context.Background()
			root, err := p.Post(ctx, msg("J-3 : lancement mardi."))
			if err != nil {
				t.Fatal(err)
			}
			second, err := p.Post(ctx, msg("J-2 : lancement mardi."))
			if err != nil {
				t.Fatal(err)
			}
			m := msg("J-1 : lancement demain.")
			m.DueAt = c.Now()
			m.Thread = &posting.Thread{Root: root, Parent: second}
			s.FailNext(xtest.EndpointTweets, xtest.AcceptThenDrop)
			_, err = p.Post(ctx, m)
			wantKind(t, err, "retry")

			// More posts since, more than one page of them.
			for i := range 12 {
				if _, err := p.Post(ctx, msg(fmt.Sprintf("Autre chose, %d.", i))); err != nil {
					t.Fatal(err)
				}
			}
			_, err = p.Post(ctx, resend(m))
			posts := s.Posts()
			if len(posts) != 15 || posts[2].ReplyTo != second.RemoteID {
				t.Fatalf("X has %d posts; the third replies to %q", len(posts), posts[2].ReplyTo)
			}
			already(t, err, receipt(posts[2].ID))

			t.Run("in reply to another post than the one it answers", func(t *testing.T) {
				m := resend(m)
				m.Thread = &posting.Thread{Root: root, Parent: root}
				_, err := p.Post(ctx, m)
				already(t, err, posting.Receipt{})
			})
			t.Run("as a reply, when it stands alone", func(t *testing.T) {
				m := resend(m)
				m.Thread = nil
				_, err := p.Post(ctx, m)
				already(t, err, posting.Receipt{})
			})
		})
	}
}

func TestResendDoesNotFindThePost(t *testing.T) {
	ctx := context.Background()
	t.Run("posted before the post was due", func(t *testing.T) {
		s, c := fake(t)
		p := oauth1Poster(t, s, c)
		m := msg("Rendez-vous mardi.")
		if _, err := p.Post(ctx, m); err != nil {
			t.Fatal(err)
		}
		c.Advance(time.Hour)
		m.DueAt = c.Now() // X's post is older than this post could be
		_, err := p.Post(ctx, resend(m))
		already(t, err, posting.Receipt{})
		if n := s.Requests(xtest.EndpointUserPosts); n != 1 {
			t.Errorf("%d lookups", n)
		}
	})
	for _, f := range []struct {
		name     string
		endpoint string
		faults   []xtest.Fault
	}{
		{"posts lookup 503", xtest.EndpointUserPosts, []xtest.Fault{xtest.Status503}},
		{"posts lookup 429", xtest.EndpointUserPosts, []xtest.Fault{xtest.RateLimit}},
		// Go's client sends a GET again once when the connection closes before an answer.
		{"posts lookup unanswered", xtest.EndpointUserPosts, []xtest.Fault{xtest.Drop, xtest.Drop}},
		{"account lookup 401", xtest.EndpointMe, []xtest.Fault{xtest.Unauthorized}},
	} {
		t.Run(f.name, func(t *testing.T) {
			s, c := fake(t)
			p := oauth2Poster(t, s, c)
			m := msg("Rendez-vous mardi.")
			if _, err := p.Post(ctx, m); err != nil {
				t.Fatal(err)
			}
			s.FailNext(f.endpoint, f.faults...)
			_, err := p.Post(ctx, resend(m))
			already(t, err, posting.Receipt{})
			if n := len(s.Posts()); n != 1 {
				t.Errorf("X has %d posts", n)
			}
		})
	}
}

func TestResendAsksForTheAccountOnce(t *testing.T) {
	s, c := fake(t)
	p := oauth1Poster(t, s, c)
	ctx := context.Background()
	for _, text := range []string{"one", "two", "three"} {
		m := msg(text)
		if _, err := p.Post(ctx, m); err != nil {
			t.Fatal(err)
		}
		_, err := p.Post(ctx, resend(m))
		already(t, err, receipt(s.Posts()[len(s.Posts())-1].ID))
	}
	if n := s.Requests(xtest.EndpointMe); n != 1 {
		t.Errorf("%d account lookups, want 1", n)
	}
	if n := s.Requests(xtest.EndpointUserPosts); n != 3 {
		t.Errorf("%d post lookups, want 3", n)
	}
}

func TestComparable(t *testing.T) {
	tests := []struct{ ours, xs string }{
		{"J-1 https://x.com/i/broadcasts/1ABC", "J-1 https://t.co/abcdEFGH12"},
		{"voir brand.fr ou https://example.com/a?b=c&d=e.", "voir brand.fr ou https://t.co/abcdEFGH12."},
		{"a\n\nb  c ", "a b c"},
		{"(https://example.com/live)", "(https://t.co/abcdEFGH12)"},
	}
	for _, tt := range tests {
		if a, b := comparable(tt.ours), comparable(tt.xs); a != b {
			t.Errorf("%q is %q, X's %q is %q", tt.ours, a, tt.xs, b)
		}
	}
	if comparable("J-1 https://x.com/a") == comparable("J-2 https://x.com/a") || strings.Contains(comparable("https://x.com/a"), "x.com") {
		t.Error("comparable says too little")
	}
}
