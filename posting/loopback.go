package posting

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"net"
	"net/http"
	"time"
)

// A browser login (OAuth 2.0 for an installed app: X, Google) ends with the provider sending the
// person's browser back to a listener on this machine, with an authorization code.

// ListenLoopback listens on listen, which must be an address of this machine (example is one the
// error suggests); provider names who will answer there.
func ListenLoopback(listen, example, provider string) (net.Listener, error) {
	host, _, err := net.SplitHostPort(listen)
	if ip := net.ParseIP(host); err != nil || host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return nil, fmt.Errorf("the login callback address %q must be on this machine, such as %s", listen, example)
	}
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return nil, fmt.Errorf("cannot wait for %s's answer on %s (is another login running?): %w", provider, listen, err)
	}
	return ln, nil
}

// OAuthAnswer is what the provider's redirect carried: an authorization code, or its refusal
// (the error and error_description parameters), which the caller words.
type OAuthAnswer struct {
	Code               string
	Error, Description string
}

// ServeOAuthCallback answers the provider's redirect on path of ln: the first answer that
// carries state goes to answers; the browser is shown granted once a code came. stop ends the
// server (ln is the caller's to close).
func ServeOAuthCallback(ln net.Listener, path, state, provider, granted string) (answers <-chan OAuthAnswer, stop func()) {
	done := make(chan OAuthAnswer, 1)
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+path, func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(state)) != 1 {
			page(w, http.StatusBadRequest, "This is not the answer to onair's login request. Start the login again.")
			return
		}
		var a OAuthAnswer
		switch {
		case q.Get("error") != "":
			a.Error, a.Description = q.Get("error"), q.Get("error_description")
			page(w, http.StatusOK, "onair was not authorized. You can close this tab.")
		case q.Get("code") == "":
			page(w, http.StatusBadRequest, provider+" sent no authorization code.")
			return
		default:
			a.Code = q.Get("code")
			page(w, http.StatusOK, granted)
		}
		select {
		case done <- a:
		default: // an answer is already in
		}
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	return done, func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	}
}

func page(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	fmt.Fprintf(w, "<!doctype html><title>onair</title><p>%s</p>\n", msg) // msg is onair's own text
}

// RandomState returns an unguessable OAuth state value.
func RandomState() string {
	b := make([]byte, 24)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
