package posting

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"time"
)

// MaxRedirects is how many redirects an adapter follows for one request. A network's API does
// not redirect a client that calls it at the right address; a few hops cover an http -> https
// or a moved path, more is a loop or a misconfiguration.
const MaxRedirects = 3

// LoginTimeout bounds each request of a login, a credentials check or an app registration when
// the caller's client sets no timeout: a server that accepts the connection and never answers
// must not hang `onair channel add`.
const LoginTimeout = 30 * time.Second

// RedirectError is a redirect an adapter refuses to follow.
type RedirectError struct {
	Status   int    // the redirect's status code (301, 302, ...)
	From, To string // the address that redirected, and where to
	Reason   string // why it is not followed
}

func (e *RedirectError) Error() string {
	return fmt.Sprintf("%s answered %d %s, redirecting to %s: %s", e.From, e.Status, http.StatusText(e.Status), e.To, e.Reason)
}

// CheckRedirect is the http.Client.CheckRedirect of every adapter. It follows a redirect that
// keeps the request as it was (any redirect of a GET, a 307 or 308 of anything else), at most
// MaxRedirects, and refuses a loop and a 301, 302 or 303 of a POST: Go would send the POST on as
// a GET without its body, and the post would be lost behind an answer that looks fine.
func CheckRedirect(req *http.Request, via []*http.Request) error {
	first, last := via[0], via[len(via)-1]
	status := 0
	if req.Response != nil {
		status = req.Response.StatusCode
	}
	refuse := func(reason string) error {
		return &RedirectError{Status: status, From: last.URL.Redacted(), To: req.URL.Redacted(), Reason: reason}
	}
	if first.Method != http.MethodGet && first.Method != http.MethodHead && req.Method != first.Method {
		return refuse("a " + first.Method + " would go on as a " + req.Method + " without its body; use the new address")
	}
	for _, v := range via {
		if v.URL.String() == req.URL.String() {
			return refuse("a redirect loop")
		}
	}
	if len(via) > MaxRedirects {
		return refuse(fmt.Sprintf("more than %d redirects", MaxRedirects))
	}
	return nil
}

// HTTPClient returns a copy of client (a new one when nil) whose redirects go through
// CheckRedirect and which, when it has no timeout and timeout > 0, gives up on a request after
// timeout. The transport is shared.
func HTTPClient(client *http.Client, timeout time.Duration) *http.Client {
	c := &http.Client{}
	if client != nil {
		*c = *client
	}
	c.CheckRedirect = CheckRedirect
	if c.Timeout == 0 && timeout > 0 {
		c.Timeout = timeout
	}
	return c
}

// Misconfiguration returns a *Misconfigured that explains err when err shows that the address
// (target, as the channel's settings hold it) cannot work as configured: a certificate that is
// not trusted or not for that host, a server that does not speak TLS, a redirect refused by
// CheckRedirect. It returns nil for any other error. Retrying would fail the same way.
func Misconfiguration(err error, target string) error {
	if err == nil {
		return nil
	}
	var (
		unknown  x509.UnknownAuthorityError
		hostname x509.HostnameError
		invalid  x509.CertificateInvalidError
		verify   *tls.CertificateVerificationError
		record   tls.RecordHeaderError
		redirect *RedirectError
	)
	switch {
	case errors.As(err, &redirect):
		return &Misconfigured{Err: fmt.Errorf("%w; set the channel's address to the final one", redirect)}
	case errors.As(err, &hostname):
		return &Misconfigured{Err: fmt.Errorf("the TLS certificate of %s is not valid for that host name (%v): check the address", target, hostname)}
	case errors.As(err, &unknown):
		return &Misconfigured{Err: fmt.Errorf("the TLS certificate of %s is signed by an authority this machine does not trust (%v): check the address, or install the server's CA", target, unknown)}
	case errors.As(err, &invalid):
		return &Misconfigured{Err: fmt.Errorf("the TLS certificate of %s is not valid (%v)", target, invalid)}
	case errors.As(err, &verify):
		return &Misconfigured{Err: fmt.Errorf("the TLS certificate of %s cannot be verified (%v): check the address", target, verify.Err)}
	case errors.As(err, &record):
		return &Misconfigured{Err: fmt.Errorf("%s does not speak TLS (%v): check whether the address starts with http:// or https://", target, record)}
	}
	return nil
}
