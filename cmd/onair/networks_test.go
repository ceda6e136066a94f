package main

// CLI tests for the X, Mastodon and Bluesky channels, end to end against the fake networks:
// channel add, list, test and login, sealed credentials, and campaigns and plans on them.

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"maps"
	"math"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	_ "github.com/mattn/go-sqlite3"

	"github.com/onairhq/onair/models"
	"github.com/onairhq/onair/posting/bluesky/blueskytest"
	"github.com/onairhq/onair/posting/mastodon/mastodontest"
	"github.com/onairhq/onair/posting/x/xtest"
	"github.com/onairhq/onair/scheduler"
)

// cliNetEnv are the variables the CLI reads credentials, keys and prices from: cleared for each
// test, so that the machine's environment cannot change what a test sees.
var cliNetEnv = []string{
	"ONAIR_SECRET_KEY", "ONAIR_KEY_FILE",
	"ONAIR_X_CONSUMER_KEY", "ONAIR_X_CONSUMER_SECRET", "ONAIR_X_ACCESS_TOKEN", "ONAIR_X_ACCESS_SECRET", "ONAIR_X_CLIENT_SECRET",
	"ONAIR_MASTODON_TOKEN", "ONAIR_BLUESKY_APP_PASSWORD",
	"ONAIR_X_PRICE_POST", "ONAIR_X_PRICE_POST_URL",
}

// cliNetSession is an initialised database (with its key file) in a clean environment, at now.
func cliNetSession(t *testing.T, now time.Time) *session {
	t.Helper()
	for _, v := range cliNetEnv {
		t.Setenv(v, "")
	}
	s := newSession(t, now)
	s.ok("init")
	return s
}

// cliSub is s for subtest t: its failures are t's.
func cliSub(s *session, t *testing.T) *session {
	return &session{t: t, db: s.db, now: s.now}
}

// cliRunWith runs one CLI command in-process with in as the answers to its prompts, writing to
// out and errOut, as run does with the terminal.
func cliRunWith(s *session, in io.Reader, out, errOut io.Writer, args ...string) int {
	a := &app{in: in, out: out, errOut: errOut, now: func() time.Time { return s.now }}
	defer a.close()
	root := a.rootCmd()
	root.SetArgs(append([]string{"--db", s.db}, args...))
	root.SetOut(out)
	root.SetErr(errOut)
	if err := root.ExecuteContext(context.Background()); err != nil {
		io.WriteString(errOut, "onair: "+err.Error()+"\n")
		return 1
	}
	return 0
}

// cliChannel returns a channel's row as the CMS sees it, secrets included.
func cliChannel(t *testing.T, s *session, name string) models.Channel {
	t.Helper()
	db := cliSQL(t, s)
	var ch models.Channel
	err := db.QueryRow(`SELECT id, name, network, settings, status, status_reason, secrets FROM channels WHERE name = ?`, name).
		Scan(&ch.ID, &ch.Name, &ch.Network, &ch.Settings, &ch.Status, &ch.StatusReason, &ch.Secrets)
	if err != nil {
		t.Fatalf("channel %s: %v", name, err)
	}
	return ch
}

// cliSettings reads a channel's settings.
func cliSettings(t *testing.T, s *session, name string) scheduler.ChannelSettings {
	t.Helper()
	st, err := scheduler.ParseSettings(cliChannel(t, s, name))
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// cliSQL opens the session's database with database/sql, as a CMS would.
func cliSQL(t *testing.T, s *session) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite3", s.db)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// cliOnairSQL opens the session's database as onair itself does (the guard triggers let it
// write channels), for tests that stand in for the dispatcher.
func cliOnairSQL(t *testing.T, s *session) *sql.DB {
	t.Helper()
	db, err := sql.Open(models.SQLiteDriver(), s.db)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// cliChannelNames lists the channels `channel list --json` shows.
func cliChannelNames(s *session) []string {
	s.t.Helper()
	var chans []channelView
	s.json(&chans, "channel", "list")
	names := make([]string, len(chans))
	for i, ch := range chans {
		names[i] = ch.Name
	}
	return names
}

// cliOpenSecrets opens a channel's sealed credentials with the session's key file.
func cliOpenSecrets(t *testing.T, s *session, name string) scheduler.Secrets {
	t.Helper()
	ch := cliChannel(t, s, name)
	key, err := readKeyFile(s.db + ".key")
	if err != nil {
		t.Fatal(err)
	}
	sealer, err := models.NewSealer(key)
	if err != nil {
		t.Fatal(err)
	}
	sec, err := (&scheduler.Vault{Sealer: sealer}).Open(ch.ID, ch.Secrets)
	if err != nil {
		t.Fatalf("open the secrets of %s: %v", name, err)
	}
	return sec
}

// cliAssertNoClearSecrets reads the database's files as they are on disk (the main file, its
// write-ahead log and journal), every channel's secrets and settings columns, and `channel list
// --json`, and fails if any of secrets is there in clear.
func cliAssertNoClearSecrets(t *testing.T, s *session, secrets ...string) {
	t.Helper()
	files, _ := filepath.Glob(s.db + "*")
	var raw [][]byte
	for _, f := range files {
		if strings.HasSuffix(f, ".key") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		raw = append(raw, b)
	}
	if len(raw) == 0 {
		t.Fatalf("no database file at %s", s.db)
	}
	rows, err := cliSQL(t, s).Query(`SELECT name, settings, secrets FROM channels`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var columns []string
	for rows.Next() {
		var name, settings, sealed string
		if err := rows.Scan(&name, &settings, &sealed); err != nil {
			t.Fatal(err)
		}
		if sealed != "" && !strings.HasPrefix(sealed, "sealed:v1:") {
			t.Errorf("channel %s: secrets column not sealed: %q", name, sealed)
		}
		columns = append(columns, settings, sealed)
	}
	list, _, _ := s.run("channel", "list", "--json")
	for _, sec := range secrets {
		if sec == "" {
			t.Fatal("an empty secret to look for")
		}
		for i, b := range raw {
			if bytes.Contains(b, []byte(sec)) {
				t.Errorf("%s holds the secret %q in clear", files[i], sec)
			}
		}
		for _, c := range columns {
			if strings.Contains(c, sec) {
				t.Errorf("a channels column holds the secret %q: %s", sec, c)
			}
		}
		if strings.Contains(list, sec) {
			t.Errorf("channel list --json shows the secret %q", sec)
		}
	}
}

// cliFreeAddr is a loopback address with a port nothing listens on.
func cliFreeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// cliPNG writes a small real PNG, padded with pad bytes after its end (as some editors leave
// them), and returns its path.
func cliPNG(t *testing.T, name string, pad int) string {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 16, 9))
	for x := range 16 {
		for y := range 9 {
			img.Set(x, y, color.RGBA{R: uint8(x * 16), G: uint8(y * 28), B: 200, A: 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	b.Write(make([]byte, pad))
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// cliContains fails t unless got, the output of what, says each of wants.
func cliContains(t *testing.T, what, got string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(got, w) {
			t.Errorf("%s does not say %q:\n%s", what, w, got)
		}
	}
}

// cliListRow is the line of `channel list` that shows channel name.
func cliListRow(s *session, name string) string {
	s.t.Helper()
	for _, line := range strings.Split(s.ok("channel", "list"), "\n") {
		if f := strings.Fields(line); len(f) > 1 && f[1] == name {
			return line
		}
	}
	s.t.Errorf("channel list shows no channel %s", name)
	return ""
}

// cliInteractive runs one command as a person at a terminal would: onLine sees each line the
// command prints, as it prints it, and may type an answer. It returns what the command printed
// and its exit code.
func cliInteractive(s *session, onLine func(line string, answer io.Writer), args ...string) (stdout, stderr string, code int) {
	s.t.Helper()
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	var errOut bytes.Buffer
	done := make(chan int, 1)
	go func() {
		c := cliRunWith(s, inR, outW, &errOut, args...)
		outW.Close()
		inR.Close()
		done <- c
	}()
	// A command left waiting for an answer that never comes gets end of input, and fails.
	deadline := time.AfterFunc(time.Minute, func() { inW.Close() })
	defer deadline.Stop()
	var out strings.Builder
	sc := bufio.NewScanner(outR)
	for sc.Scan() {
		out.WriteString(sc.Text() + "\n")
		onLine(sc.Text(), inW)
	}
	code = <-done
	inW.Close()
	return out.String(), errOut.String(), code
}

// cliBrowse is the person's browser: it opens u and follows the redirects (X's, to onair's
// callback on 127.0.0.1), and returns the last page.
func cliBrowse(t *testing.T, u string) (int, string) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Errorf("browser: %v", err)
		return 0, ""
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// cliXKeyFlags are channel add's flags for OAuth 1.0a keys.
func cliXKeyFlags(k xtest.OAuth1Keys) []string {
	return []string{"--consumer-key", k.ConsumerKey, "--consumer-secret", k.ConsumerSecret,
		"--access-token", k.Token, "--access-secret", k.TokenSecret}
}

// TestXChannelOAuth1: `channel add x` with OAuth 1.0a keys from flags or the environment checks
// them with X, shows the account and seals the keys; refused keys add nothing; --no-check adds
// without asking X.
func TestXChannelOAuth1(t *testing.T) {
	s := cliNetSession(t, time.Now().UTC())
	fx := xtest.New(t)
	brand := fx.NewOAuth1(xtest.DefaultUser)
	news := fx.NewOAuth1(xtest.User{ID: "2244994945", Username: "brandnews", Name: "Brand news"})
	wrong := brand
	wrong.ConsumerSecret = "not-the-secret-" + brand.ConsumerSecret[:8]
	bogus := xtest.OAuth1Keys{ConsumerKey: "ck-bogus", ConsumerSecret: "cs-bogus", Token: "at-bogus", TokenSecret: "as-bogus"}

	tests := []struct {
		name    string
		flags   []string
		env     map[string]string
		keys    xtest.OAuth1Keys // what ends up sealed
		account string           // "" when nothing is checked
		lookups int              // account lookups at X
		refused []string         // the error, when the channel is refused
	}{
		{name: "flags", flags: cliXKeyFlags(brand), keys: brand, account: "@onairhq", lookups: 1},
		{name: "environment", env: map[string]string{"ONAIR_X_CONSUMER_KEY": news.ConsumerKey, "ONAIR_X_CONSUMER_SECRET": news.ConsumerSecret,
			"ONAIR_X_ACCESS_TOKEN": news.Token, "ONAIR_X_ACCESS_SECRET": news.TokenSecret}, keys: news, account: "@brandnews", lookups: 1},
		{name: "flags win over the environment", flags: cliXKeyFlags(brand), env: map[string]string{"ONAIR_X_CONSUMER_KEY": "ck-stale",
			"ONAIR_X_CONSUMER_SECRET": "cs-stale", "ONAIR_X_ACCESS_TOKEN": "at-stale", "ONAIR_X_ACCESS_SECRET": "as-stale"}, keys: brand, account: "@onairhq", lookups: 1},
		{name: "flags and environment mixed", flags: []string{"--consumer-key", news.ConsumerKey, "--consumer-secret", news.ConsumerSecret},
			env: map[string]string{"ONAIR_X_ACCESS_TOKEN": news.Token, "ONAIR_X_ACCESS_SECRET": news.TokenSecret}, keys: news, account: "@brandnews", lookups: 1},
		{name: "wrong consumer secret", flags: cliXKeyFlags(wrong), lookups: 1,
			refused: []string{"X refused the credentials", "401", "Keys and tokens"}},
		{name: "keys of no app", flags: cliXKeyFlags(bogus), lookups: 1, refused: []string{"X refused the credentials"}},
		{name: "no check", flags: append(cliXKeyFlags(bogus), "--no-check"), keys: bogus},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := cliSub(s, t)
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			name := fmt.Sprintf("x-%d", i)
			before := fx.Requests(xtest.EndpointMe)
			out, errOut, code := s.run(append([]string{"channel", "add", "x", "--name", name, "--api-url", fx.URL}, tt.flags...)...)
			if got := fx.Requests(xtest.EndpointMe) - before; got != tt.lookups {
				t.Errorf("X saw %d account lookups, want %d", got, tt.lookups)
			}
			if tt.refused != nil {
				if code == 0 {
					t.Fatalf("refused keys were taken:\n%s", out)
				}
				cliContains(t, "the refusal", errOut, tt.refused...)
				if strings.Contains(errOut, wrong.ConsumerSecret) || strings.Contains(errOut, brand.TokenSecret) {
					t.Errorf("the refusal shows a secret: %s", errOut)
				}
				if slices.Contains(cliChannelNames(s), name) {
					t.Errorf("refused keys made channel %s", name)
				}
				return
			}
			if code != 0 {
				t.Fatalf("channel add: exit %d\n%s%s", code, out, errOut)
			}
			if tt.account != "" {
				cliContains(t, "channel add", out, fmt.Sprintf("Channel %q added (x, id ", name), "posting as "+tt.account, "sealed in the database")
			}
			row := cliListRow(s, name)
			want := tt.account
			if want == "" {
				want = "-"
			}
			if f := strings.Fields(row); len(f) < 5 || f[3] != want || f[4] != string(models.ChannelActive) || !strings.Contains(row, "280 weighted characters") {
				t.Errorf("channel list row %q, want account %s, active, 280 weighted characters", row, want)
			}
			sec := cliOpenSecrets(t, s, name)
			if got := (xtest.OAuth1Keys{ConsumerKey: sec.ConsumerKey, ConsumerSecret: sec.ConsumerSecret, Token: sec.AccessToken, TokenSecret: sec.AccessSecret}); got != tt.keys {
				t.Errorf("sealed keys %+v, want %+v", got, tt.keys)
			}
			if st := cliSettings(t, s, name); st.Auth != scheduler.AuthOAuth1 || st.APIURL != fx.URL || st.Account != tt.account {
				t.Errorf("settings %+v", st)
			}
			cliAssertNoClearSecrets(t, s, tt.keys.ConsumerSecret, tt.keys.Token, tt.keys.TokenSecret)

			// channel test asks X again, with the sealed keys.
			out, errOut, code = s.run("channel", "test", name)
			if tt.account == "" {
				if code == 0 || !strings.Contains(errOut, "X refused the credentials") || !strings.Contains(errOut, "onair channel resume "+name) {
					t.Errorf("channel test of unchecked bogus keys: exit %d\n%s%s", code, out, errOut)
				}
				return
			}
			if code != 0 || !strings.Contains(out, fmt.Sprintf("Channel %s (x): the credentials work, posting as %s.", name, tt.account)) {
				t.Errorf("channel test: exit %d\n%s%s", code, out, errOut)
			}
		})
	}
	if refusals := fx.Refusals(); len(refusals) != 3 {
		t.Errorf("X refused %d requests, want 3 (two refused adds, one test of unchecked keys): %q", len(refusals), refusals)
	}
}

// TestXChannelOAuth2Login: an X channel added with --oauth2 has no token until `channel login`,
// where the person approves onair in the browser and X sends them back to onair on 127.0.0.1;
// the token is sealed, `channel test` shows the account, and a needs-auth channel is active again.
func TestXChannelOAuth2Login(t *testing.T) {
	tests := []struct {
		name                  string
		confidential, fromEnv bool
	}{
		{"public client", false, false},
		{"confidential client", true, false},
		{"confidential client, secret read from the environment", true, true},
		{"public client, --from-env", false, true},
	}
	for _, tt := range tests {
		confidential := tt.confidential
		t.Run(tt.name, func(t *testing.T) {
			s := cliNetSession(t, time.Now().UTC())
			fx := xtest.New(t)
			fx.LoginAs = xtest.User{ID: "1588877772019924993", Username: "brandlive", Name: "Brand live"}
			listen := cliFreeAddr(t)
			client := fx.NewClient(confidential, "http://"+listen+"/callback")

			args := []string{"channel", "add", "x", "--name", "brand-x", "--api-url", fx.URL, "--oauth2", "--client-id", client.ID}
			switch {
			case tt.fromEnv:
				t.Setenv("ONAIR_X_CLIENT_SECRET", client.Secret) // empty for a public client
				args = append(args, "--from-env")
			case confidential:
				args = append(args, "--client-secret", client.Secret)
			}
			out := s.ok(args...)
			if env := cliSettings(t, s, "brand-x").SecretsEnv; (env["client_secret"] != "") != (tt.fromEnv && confidential) {
				t.Errorf("secrets_env %v", env)
			}
			cliContains(t, "channel add --oauth2", out, "Next: onair channel login brand-x")
			if n := fx.Requests(xtest.EndpointMe); n != 0 {
				t.Errorf("X saw %d account lookups before any login", n)
			}
			cliContains(t, "channel test before login", s.fails("channel", "test", "brand-x"),
				"has no OAuth 2.0 token yet", "onair channel login brand-x")

			// X refused the channel's token at the last send: the dispatcher marked it so.
			if _, err := cliOnairSQL(t, s).Exec(`UPDATE channels SET status = ?, status_reason = ? WHERE name = ?`,
				models.ChannelNeedsAuth, "X refused the token", "brand-x"); err != nil {
				t.Fatal(err)
			}
			cliContains(t, "channel list", cliListRow(s, "brand-x"), "needs-auth: X refused the token")

			var status int
			var page, shown string
			out, errOut, code := cliInteractive(s, func(line string, _ io.Writer) {
				if u := strings.TrimSpace(line); strings.HasPrefix(u, fx.URL+"/i/oauth2/authorize?") && shown == "" {
					shown = u
					status, page = cliBrowse(t, u)
				}
			}, "channel", "login", "brand-x", "--authorize-url", fx.URL+"/i/oauth2/authorize", "--listen", listen, "--timeout", "30s")
			if code != 0 {
				t.Fatalf("channel login: exit %d\n%s%s", code, out, errOut)
			}
			if shown == "" {
				t.Fatalf("channel login printed no authorization address:\n%s", out)
			}
			if status != http.StatusOK || !strings.Contains(page, "onair can now post on this X account") {
				t.Errorf("the browser ended on %d %q", status, page)
			}
			cliContains(t, "channel login", out, "Channel brand-x: logged in as @brandlive; the credentials are sealed in the database.",
				"It was needs-auth; it is active again")
			auths := fx.Authorizations()
			if len(auths) != 1 || auths[0].ClientID != client.ID || auths[0].RedirectURI != "http://"+listen+"/callback" || auths[0].ChallengeMethod != "S256" {
				t.Errorf("X saw the authorizations %+v", auths)
			}

			ch := cliChannel(t, s, "brand-x")
			if ch.Status != models.ChannelActive || ch.StatusReason != "" {
				t.Errorf("after login the channel is %s (%s)", ch.Status, ch.StatusReason)
			}
			st := cliSettings(t, s, "brand-x")
			if st.Auth != scheduler.AuthOAuth2 || st.ClientID != client.ID || st.Account != "@brandlive" {
				t.Errorf("settings after login %+v", st)
			}
			sec := cliOpenSecrets(t, s, "brand-x")
			if sec.Token == nil || sec.Token.Access == "" || !fx.RefreshUsable(sec.Token.Refresh) {
				t.Fatalf("sealed token %+v: not one X issued with a usable refresh token", sec.Token)
			}
			sealedSecret := client.Secret
			if tt.fromEnv {
				sealedSecret = ""
			}
			if sec.ClientSecret != sealedSecret || sec.ConsumerKey != "" || sec.AccessToken != "" {
				t.Errorf("sealed secrets %+v, want the token and client secret %q only", sec, sealedSecret)
			}
			secrets := []string{sec.Token.Access, sec.Token.Refresh}
			if confidential {
				secrets = append(secrets, client.Secret)
			}
			cliAssertNoClearSecrets(t, s, secrets...)

			out = s.ok("channel", "test", "brand-x")
			if !strings.Contains(out, "Channel brand-x (x): the credentials work, posting as @brandlive.") || strings.Contains(out, "It is") {
				t.Errorf("channel test after login:\n%s", out)
			}
			if n := fx.Requests(xtest.EndpointToken); n != 1 {
				t.Errorf("X's token endpoint saw %d requests, want 1 (the code exchange; the token is still fresh)", n)
			}
			cliContains(t, "channel list", cliListRow(s, "brand-x"), "@brandlive", string(models.ChannelActive))
		})
	}
}

// cliMastodon starts a fake Mastodon server that takes posts of up to maxChars characters.
func cliMastodon(t *testing.T, maxChars int) *mastodontest.Server {
	t.Helper()
	fm := mastodontest.New(t)
	in := mastodontest.DefaultInstance
	in.MaxCharacters = maxChars
	fm.SetInstance(in)
	t.Cleanup(func() {
		if errs := fm.ContractErrors(); len(errs) > 0 {
			t.Errorf("onair broke Mastodon's API: %q", errs)
		}
	})
	return fm
}

// TestMastodonChannel: `channel add mastodon` checks the token with the server and reads the
// server's limits; an unknown token, or one without the scope to read its account, is refused.
func TestMastodonChannel(t *testing.T) {
	s := cliNetSession(t, time.Now().UTC())
	fm := cliMastodon(t, 1000)
	host := strings.TrimPrefix(fm.URL, "http://")
	tok := fm.AddAccount("brand")
	envTok := fm.AddAccount("brandnews")

	tests := []struct {
		name    string
		server  string // default: the fake's URL
		flags   []string
		env     map[string]string
		token   string // sealed
		account string // "" when not checked
		refused []string
	}{
		{name: "token", flags: []string{"--token", tok}, token: tok, account: "@brand@" + host},
		{name: "token from the environment", env: map[string]string{"ONAIR_MASTODON_TOKEN": envTok}, token: envTok, account: "@brandnews@" + host},
		{name: "no check, https assumed", server: host, flags: []string{"--token", tok, "--no-check"}, token: tok},
		{name: "unknown token", flags: []string{"--token", "not-a-token-of-this-server"},
			refused: []string{"Mastodon refused the credentials", "refused the access token (401"}},
		{name: "token without read:accounts", flags: []string{"--token", fm.AddToken("brand", "write:statuses write:media")},
			refused: []string{"Mastodon refused the credentials", "403", "lacks a permission onair needs", "read:accounts"}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := cliSub(s, t)
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			name := fmt.Sprintf("masto-%d", i)
			server := cmp.Or(tt.server, fm.URL)
			instance := fm.Requests(mastodontest.RouteInstanceV2)
			out, errOut, code := s.run(append([]string{"channel", "add", "mastodon", "--name", name, "--server", server}, tt.flags...)...)
			if tt.refused != nil {
				if code == 0 {
					t.Fatalf("a refused token was taken:\n%s", out)
				}
				cliContains(t, "the refusal", errOut, tt.refused...)
				if slices.Contains(cliChannelNames(s), name) {
					t.Errorf("a refused token made channel %s", name)
				}
				return
			}
			if code != 0 {
				t.Fatalf("channel add: exit %d\n%s%s", code, out, errOut)
			}
			if sec := cliOpenSecrets(t, s, name); sec.AccessToken != tt.token {
				t.Errorf("sealed token %q, want %q", sec.AccessToken, tt.token)
			}
			cliAssertNoClearSecrets(t, s, tt.token)
			st := cliSettings(t, s, name)
			if tt.account == "" {
				if st.Server != "https://"+host || st.MaxLength != 0 || st.Account != "" || fm.Requests(mastodontest.RouteInstanceV2) != instance {
					t.Errorf("unchecked channel's settings %+v", st)
				}
				cliContains(t, "channel list", cliListRow(s, name), "500 characters")
				return
			}
			cliContains(t, "channel add", out, "posting as "+tt.account, "The server takes posts of up to 1000 characters (links count 23).")
			if st.Server != fm.URL || st.MaxLength != 1000 || st.URLWeight != 23 || st.Account != tt.account {
				t.Errorf("settings %+v, want the server's limits (1000, 23) and account %s", st, tt.account)
			}
			cliContains(t, "channel list", cliListRow(s, name), tt.account, string(models.ChannelActive), "1000 characters")
			cliContains(t, "channel test", s.ok("channel", "test", name),
				fmt.Sprintf("Channel %s (mastodon): the credentials work, posting as %s.", name, tt.account))
		})
	}
}

// TestMastodonLogin: `channel login` registers onair with the server and trades the code the
// person pastes for a token, at the prompt or later with --code; a needs-auth channel is active
// again afterwards.
func TestMastodonLogin(t *testing.T) {
	s := cliNetSession(t, time.Now().UTC())
	fm := cliMastodon(t, 1000)
	host := strings.TrimPrefix(fm.URL, "http://")
	fm.AddAccount("brand")
	authorize := fm.URL + "/oauth/authorize?"

	t.Run("code typed at the prompt", func(t *testing.T) {
		s := cliSub(s, t)
		out := s.ok("channel", "add", "mastodon", "--name", "masto", "--server", fm.URL)
		cliContains(t, "channel add without a token", out, "1000 characters", "Next: onair channel login masto")
		cliContains(t, "channel test before login", s.fails("channel", "test", "masto"), "has no access token", "onair channel login masto")
		apps := fm.Requests(mastodontest.RouteApps)
		var approveErr error
		out, errOut, code := cliInteractive(s, func(line string, answer io.Writer) {
			if u := strings.TrimSpace(line); strings.HasPrefix(u, authorize) {
				code, err := fm.Approve(u, "brand")
				if err != nil {
					approveErr = err
					code = ""
				}
				io.WriteString(answer, code+"\n")
			}
		}, "channel", "login", "masto", "--timeout", "30s")
		if approveErr != nil {
			t.Fatal(approveErr)
		}
		if code != 0 {
			t.Fatalf("channel login: exit %d\n%s%s", code, out, errOut)
		}
		cliContains(t, "channel login", out, "paste the code it shows", "Code: ", "Channel masto: logged in as @brand@"+host)
		if n := fm.Requests(mastodontest.RouteApps) - apps; n != 1 {
			t.Errorf("login registered %d apps, want 1", n)
		}
		sec := cliOpenSecrets(t, s, "masto")
		if sec.AccessToken == "" || sec.ClientSecret == "" {
			t.Fatalf("sealed after login: %+v", sec)
		}
		cliAssertNoClearSecrets(t, s, sec.AccessToken, sec.ClientSecret)
		cliContains(t, "channel test", s.ok("channel", "test", "masto"), "posting as @brand@"+host)
	})

	t.Run("code given later with --code", func(t *testing.T) {
		s := cliSub(s, t)
		s.ok("channel", "add", "mastodon", "--name", "masto-later", "--server", fm.URL)
		if _, err := cliOnairSQL(t, s).Exec(`UPDATE channels SET status = ?, status_reason = ? WHERE name = ?`,
			models.ChannelNeedsAuth, "the token was revoked", "masto-later"); err != nil {
			t.Fatal(err)
		}
		apps := fm.Requests(mastodontest.RouteApps)
		// The person is not at a terminal: the prompt reads nothing.
		var out, errOut bytes.Buffer
		if code := cliRunWith(s, strings.NewReader(""), &out, &errOut, "channel", "login", "masto-later"); code == 0 {
			t.Fatalf("a login without a code succeeded:\n%s", &out)
		}
		cliContains(t, "login without a code", errOut.String(), "no code given", "onair channel login masto-later --code CODE")
		var shown string
		for _, line := range strings.Split(out.String(), "\n") {
			if u := strings.TrimSpace(line); strings.HasPrefix(u, authorize) {
				shown = u
			}
		}
		if shown == "" {
			t.Fatalf("login printed no address to open:\n%s", &out)
		}
		code, err := fm.Approve(shown, "brand")
		if err != nil {
			t.Fatal(err)
		}
		out2 := s.ok("channel", "login", "masto-later", "--code", code)
		cliContains(t, "channel login --code", out2, "Channel masto-later: logged in as @brand@"+host,
			"It was needs-auth; it is active again")
		if n := fm.Requests(mastodontest.RouteApps) - apps; n != 1 {
			t.Errorf("the two logins registered %d apps, want 1: the code belongs to the first", n)
		}
		if ch := cliChannel(t, s, "masto-later"); ch.Status != models.ChannelActive {
			t.Errorf("after login the channel is %s", ch.Status)
		}
		cliContains(t, "channel test", s.ok("channel", "test", "masto-later"), "posting as @brand@"+host)

		// A code works once.
		cliContains(t, "the same code again", s.fails("channel", "login", "masto-later", "--code", code),
			"did not accept the code", "start the login again")
		cliContains(t, "channel test after a refused login", s.ok("channel", "test", "masto-later"), "posting as @brand@"+host)
	})
}

// TestMastodonLimitsAtPlanTime: a post too long for Mastodon's stock 500 characters is planned
// on a server that takes 1000, as that server said when the channel was added.
func TestMastodonLimitsAtPlanTime(t *testing.T) {
	s := cliNetSession(t, time.Date(2027, 3, 1, 9, 0, 0, 0, time.UTC))
	big, stock := cliMastodon(t, 1000), cliMastodon(t, 500)
	s.ok("channel", "add", "mastodon", "--name", "masto-big", "--server", big.URL, "--token", big.AddAccount("brand"))
	s.ok("channel", "add", "mastodon", "--name", "masto-stock", "--server", stock.URL, "--token", stock.AddAccount("brand"))
	s.ok("campaign", "add", "Long titles", "--tz", "Europe/Paris", "--channels", "masto-big,masto-stock",
		"--teasers", "1d", "--reminders", "", "--replay-after", "")
	title := strings.TrimSpace(strings.Repeat("Une collection incroyable, ", 17))
	s.saved("broadcast", "add", "--campaign", "Long titles", "--title", title, "--at", "2027-03-30 18:00",
		"--watch-url", "https://example.com/live/1")
	posts := s.posts("1")
	onBig, onStock := posts["teaser 1d masto-big"], posts["teaser 1d masto-stock"]
	if onBig.Length <= 500 || onBig.Length > 1000 {
		t.Fatalf("the teaser is %d characters; the test wants one between 500 and 1000", onBig.Length)
	}
	if onBig.Status != models.PostPlanned || onBig.MaxLength != 1000 {
		t.Errorf("on the 1000-character server: %s, limit %d", onBig.Status, onBig.MaxLength)
	}
	if onStock.Status != models.PostInvalid || onStock.MaxLength != 500 || !strings.Contains(onStock.Error, "too long for mastodon") {
		t.Errorf("on the stock server: %s, limit %d, %q", onStock.Status, onStock.MaxLength, onStock.Error)
	}
	plan := s.ok("plan", "show", "1")
	cliContains(t, "plan show", plan, fmt.Sprintf("masto-big (mastodon) · PLANNED · %d/1000", onBig.Length),
		fmt.Sprintf("masto-stock (mastodon) · INVALID · %d/500 ✗ %d over", onStock.Length, onStock.Length-500))
}

// cliBluesky starts a fake PDS with one account.
func cliBluesky(t *testing.T, handle, appPassword string) (*blueskytest.Server, string) {
	t.Helper()
	fb := blueskytest.New(t)
	did := fb.AddAccount(handle, appPassword)
	t.Cleanup(func() {
		if errs := fb.ContractErrors(); len(errs) > 0 {
			t.Errorf("onair broke the PDS's protocol: %q", errs)
		}
	})
	return fb, did
}

// TestBlueskyChannel: `channel add bluesky` logs in once with the app password and keeps the
// session and the DID; `channel test` uses that session; a wrong app password is refused.
func TestBlueskyChannel(t *testing.T) {
	s := cliNetSession(t, time.Now().UTC())
	const handle, password = "brand.bsky.social", "abcd-efgh-ijkl-mnop"
	fb, did := cliBluesky(t, handle, password)

	msg := s.fails("channel", "add", "bluesky", "--name", "brand-bsky", "--handle", handle, "--app-password", "wxyz-wxyz-wxyz-wxyz", "--pds", fb.URL)
	cliContains(t, "a wrong app password", msg, "Bluesky refused the credentials", "Invalid identifier or password", "App passwords")
	if strings.Contains(msg, "wxyz-wxyz-wxyz-wxyz") {
		t.Errorf("the refusal shows the app password: %s", msg)
	}
	if names := cliChannelNames(s); len(names) != 0 {
		t.Errorf("a refused app password made channels %v", names)
	}
	cliContains(t, "no app password", s.fails("channel", "add", "bluesky", "--name", "brand-bsky", "--handle", handle, "--pds", fb.URL),
		"needs an app password", "$ONAIR_BLUESKY_APP_PASSWORD")

	logins := fb.Requests(blueskytest.CreateSession)
	out := s.ok("channel", "add", "bluesky", "--name", "brand-bsky", "--handle", "@"+handle, "--app-password", password, "--pds", fb.URL)
	cliContains(t, "channel add", out, "posting as @"+handle, "sealed in the database")
	if n := fb.Requests(blueskytest.CreateSession) - logins; n != 1 {
		t.Errorf("channel add created %d sessions, want 1", n)
	}
	st := cliSettings(t, s, "brand-bsky")
	if st.DID != did || st.Handle != handle || st.PDS != fb.URL || st.Account != "@"+handle {
		t.Errorf("settings %+v, want DID %s, handle %s, PDS %s", st, did, handle, fb.URL)
	}
	sec := cliOpenSecrets(t, s, "brand-bsky")
	if sec.AppPassword != password || sec.Token == nil || sec.Token.Access == "" || sec.Token.Refresh == "" {
		t.Fatalf("sealed %+v, want the app password and the session", sec)
	}
	cliAssertNoClearSecrets(t, s, password, sec.Token.Access, sec.Token.Refresh)
	cliContains(t, "channel list", cliListRow(s, "brand-bsky"), "@"+handle, string(models.ChannelActive), "300 graphemes")

	for range 2 {
		cliContains(t, "channel test", s.ok("channel", "test", "brand-bsky"),
			"Channel brand-bsky (bluesky): the credentials work, posting as @"+handle+".")
	}
	if n := fb.Requests(blueskytest.CreateSession) - logins; n != 1 {
		t.Errorf("after two tests %d sessions were created, want the one of channel add", n)
	}
	if n := fb.Requests(blueskytest.GetSession); n != 2 {
		t.Errorf("the PDS saw %d getSession, want one per test", n)
	}
	if again := cliOpenSecrets(t, s, "brand-bsky"); again.Token.Access != sec.Token.Access {
		t.Errorf("channel test replaced a fresh session")
	}

	// The dispatcher paused the channel; the test shows it, and resume lets it send again.
	if _, err := cliOnairSQL(t, s).Exec(`UPDATE channels SET status = ?, status_reason = ? WHERE name = ?`,
		models.ChannelNeedsAuth, "Bluesky refused the session", "brand-bsky"); err != nil {
		t.Fatal(err)
	}
	cliContains(t, "channel test of a needs-auth channel", s.ok("channel", "test", "brand-bsky"), "the credentials work",
		"It is needs-auth (Bluesky refused the session); once fixed: onair channel resume brand-bsky")
	s.ok("channel", "resume", "brand-bsky")
	if ch := cliChannel(t, s, "brand-bsky"); ch.Status != models.ChannelActive || ch.StatusReason != "" {
		t.Errorf("after resume: %s (%s)", ch.Status, ch.StatusReason)
	}

	// The app password was revoked: a login with a new one opens a new session.
	fb.RevokeAppPassword(handle, password)
	fb.AddAppPassword(handle, "nnnn-nnnn-nnnn-nnnn")
	out = s.ok("channel", "login", "brand-bsky", "--app-password", "nnnn-nnnn-nnnn-nnnn")
	cliContains(t, "channel login", out, "Channel brand-bsky: logged in as @"+handle)
	if n := fb.Requests(blueskytest.CreateSession) - logins; n != 2 {
		t.Errorf("channel login created %d sessions in all, want 2", n-1)
	}
	if sec := cliOpenSecrets(t, s, "brand-bsky"); sec.AppPassword != "nnnn-nnnn-nnnn-nnnn" {
		t.Errorf("after login the sealed app password is %q", sec.AppPassword)
	}
	cliAssertNoClearSecrets(t, s, "nnnn-nnnn-nnnn-nnnn")
}

// cliAllNetworks adds an X, a Mastodon and a Bluesky channel (brand-x, brand-masto, brand-bsky),
// checked against fakes, and returns every secret they were given or got.
func cliAllNetworks(t *testing.T, s *session) []string {
	t.Helper()
	fx := xtest.New(t)
	keys := fx.NewOAuth1(xtest.DefaultUser)
	s.ok(append([]string{"channel", "add", "x", "--name", "brand-x", "--api-url", fx.URL}, cliXKeyFlags(keys)...)...)
	fm := cliMastodon(t, 500)
	token := fm.AddAccount("brand")
	s.ok("channel", "add", "mastodon", "--name", "brand-masto", "--server", fm.URL, "--token", token)
	const password = "abcd-efgh-ijkl-mnop"
	fb, _ := cliBluesky(t, "brand.bsky.social", password)
	s.ok("channel", "add", "bluesky", "--name", "brand-bsky", "--handle", "brand.bsky.social", "--app-password", password, "--pds", fb.URL)
	session := cliOpenSecrets(t, s, "brand-bsky").Token
	return []string{keys.ConsumerKey, keys.ConsumerSecret, keys.Token, keys.TokenSecret, token, password, session.Access, session.Refresh}
}

// TestChannelSecretsSealed: the database holds no credential in clear, on disk or in a column;
// without onair's key, or with another one, or with a key file others may read, `channel test`
// says which key is wanted.
func TestChannelSecretsSealed(t *testing.T) {
	s := cliNetSession(t, time.Now().UTC())
	secrets := cliAllNetworks(t, s)
	cliAssertNoClearSecrets(t, s, secrets...)
	for _, name := range []string{"brand-x", "brand-masto", "brand-bsky"} {
		if ch := cliChannel(t, s, name); !strings.HasPrefix(ch.Secrets, "sealed:v1:") {
			t.Errorf("channel %s: secrets %q", name, ch.Secrets)
		}
	}
	var listed []map[string]any
	s.json(&listed, "channel", "list")
	for _, ch := range listed {
		if _, ok := ch["secrets"]; ok {
			t.Errorf("channel list --json shows the secrets column: %v", ch)
		}
	}

	keyFile := s.db + ".key"
	otherKey := base64.StdEncoding.EncodeToString(models.NewKey())
	tests := []struct {
		name  string
		setup func(t *testing.T)
		want  []string
	}{
		{"key file removed", func(t *testing.T) {
			moved := keyFile + ".away"
			if err := os.Rename(keyFile, moved); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { os.Rename(moved, keyFile) })
		}, []string{"sealed and onair has no secret key to open them", "set ONAIR_SECRET_KEY, or put the key file at " + keyFile}},
		{"another ONAIR_SECRET_KEY", func(t *testing.T) { t.Setenv("ONAIR_SECRET_KEY", otherKey) },
			[]string{"do not open with this secret key", "check ONAIR_SECRET_KEY or the key file"}},
		{"ONAIR_SECRET_KEY not a key", func(t *testing.T) { t.Setenv("ONAIR_SECRET_KEY", "hunter2") },
			[]string{"ONAIR_SECRET_KEY: the secret key must be 32 bytes", "openssl rand -base64 32"}},
		{"key file readable by others", func(t *testing.T) {
			if err := os.Chmod(keyFile, 0o644); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { os.Chmod(keyFile, 0o600) })
		}, []string{"key file " + keyFile + " can be read by other users (mode 0644)", "run `chmod 600 " + keyFile + "`"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := cliSub(s, t)
			tt.setup(t)
			for _, name := range []string{"brand-x", "brand-masto", "brand-bsky"} {
				cliContains(t, "channel test "+name, s.fails("channel", "test", name), tt.want...)
			}
			// Nothing that needs no credential is in the way.
			if names := cliChannelNames(s); len(names) != 3 {
				t.Errorf("channel list: %v", names)
			}
		})
	}
	// Back with the right key, every channel works.
	for _, name := range []string{"brand-x", "brand-masto", "brand-bsky"} {
		cliContains(t, "channel test "+name, s.ok("channel", "test", name), "the credentials work")
	}

	t.Run("a key file readable by others seals nothing", func(t *testing.T) {
		s := cliSub(s, t)
		if err := os.Chmod(keyFile, 0o640); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.Chmod(keyFile, 0o600) })
		fm := cliMastodon(t, 500)
		msg := s.fails("channel", "add", "mastodon", "--name", "late", "--server", fm.URL, "--token", fm.AddAccount("late"))
		cliContains(t, "channel add", msg, "can be read by other users (mode 0640)", "chmod 600")
		if slices.Contains(cliChannelNames(s), "late") {
			t.Error("the channel was added with a key file others may read")
		}
	})
}

// TestChannelSecretKeyFromEnvironment: with ONAIR_SECRET_KEY, no key file is made and the
// credentials open with that key only.
func TestChannelSecretKeyFromEnvironment(t *testing.T) {
	for _, v := range cliNetEnv {
		t.Setenv(v, "")
	}
	key := base64.StdEncoding.EncodeToString(models.NewKey())
	t.Setenv("ONAIR_SECRET_KEY", key)
	s := newSession(t, time.Now().UTC())
	s.ok("init")
	fm := cliMastodon(t, 500)
	token := fm.AddAccount("brand")
	s.ok("channel", "add", "mastodon", "--name", "brand-masto", "--server", fm.URL, "--token", token)
	if _, err := os.Stat(s.db + ".key"); !os.IsNotExist(err) {
		t.Errorf("a key file was made although ONAIR_SECRET_KEY is set: %v", err)
	}
	cliAssertNoClearSecrets(t, s, token, key)
	cliContains(t, "channel test", s.ok("channel", "test", "brand-masto"), "the credentials work")

	t.Setenv("ONAIR_SECRET_KEY", "")
	cliContains(t, "channel test without the key", s.fails("channel", "test", "brand-masto"),
		"no secret key to open them", "set ONAIR_SECRET_KEY")
	t.Setenv("ONAIR_SECRET_KEY", base64.StdEncoding.EncodeToString(models.NewKey()))
	cliContains(t, "channel test with another key", s.fails("channel", "test", "brand-masto"),
		"do not open with this secret key", "ONAIR_SECRET_KEY")
}

// TestChannelsFromEnv: with --from-env a channel keeps the names of the variables its
// credentials are in, never their values; `channel test` reads them where it runs and names the
// one that is empty.
func TestChannelsFromEnv(t *testing.T) {
	s := cliNetSession(t, time.Now().UTC())
	fx := xtest.New(t)
	keys := fx.NewOAuth1(xtest.DefaultUser)
	fm := cliMastodon(t, 500)
	token := fm.AddAccount("brand")
	const password = "abcd-efgh-ijkl-mnop"
	fb, _ := cliBluesky(t, "brand.bsky.social", password)

	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		sealed  bool   // something else is sealed: Bluesky's session
		empty   string // the variable emptied for the last test
		emptied string // what its error calls it
	}{
		{"x", []string{"x", "--api-url", fx.URL}, map[string]string{"ONAIR_X_CONSUMER_KEY": keys.ConsumerKey,
			"ONAIR_X_CONSUMER_SECRET": keys.ConsumerSecret, "ONAIR_X_ACCESS_TOKEN": keys.Token, "ONAIR_X_ACCESS_SECRET": keys.TokenSecret},
			false, "ONAIR_X_ACCESS_SECRET", "access secret"},
		{"x with --env-prefix", []string{"x", "--api-url", fx.URL, "--env-prefix", "ONAIR_BRAND_X"}, map[string]string{"ONAIR_BRAND_X_CONSUMER_KEY": keys.ConsumerKey,
			"ONAIR_BRAND_X_CONSUMER_SECRET": keys.ConsumerSecret, "ONAIR_BRAND_X_ACCESS_TOKEN": keys.Token, "ONAIR_BRAND_X_ACCESS_SECRET": keys.TokenSecret},
			false, "ONAIR_BRAND_X_CONSUMER_KEY", "consumer key"},
		{"mastodon", []string{"mastodon", "--server", fm.URL}, map[string]string{"ONAIR_MASTODON_TOKEN": token},
			false, "ONAIR_MASTODON_TOKEN", "access token"},
		{"bluesky", []string{"bluesky", "--handle", "brand.bsky.social", "--pds", fb.URL}, map[string]string{"ONAIR_BLUESKY_APP_PASSWORD": password},
			true, "ONAIR_BLUESKY_APP_PASSWORD", "app password"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := cliSub(s, t)
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			name := fmt.Sprintf("env-%d", i)
			out := s.ok(append([]string{"channel", "add", tt.args[0], "--name", name, "--from-env"}, tt.args[1:]...)...)
			for k := range tt.env {
				cliContains(t, "channel add", out, "$"+k)
			}
			if tt.sealed {
				cliContains(t, "channel add", out, "where onair runs; its session is sealed in the database.")
			} else {
				cliContains(t, "channel add", out, "where onair runs; nothing secret is stored.")
			}
			st := cliSettings(t, s, name)
			var vars []string
			for _, v := range st.SecretsEnv {
				vars = append(vars, v)
			}
			slices.Sort(vars)
			want := slices.Sorted(maps.Keys(tt.env))
			if !slices.Equal(vars, want) {
				t.Errorf("secrets_env names %v, want %v", vars, want)
			}
			ch := cliChannel(t, s, name)
			switch {
			case !tt.sealed && ch.Secrets != "":
				t.Errorf("credentials read from the environment were sealed in the database too: %q", ch.Secrets)
			case tt.sealed:
				sec := cliOpenSecrets(t, s, name)
				if sec.Token == nil || sec.AppPassword != "" {
					t.Errorf("sealed %+v, want the session and no app password", sec)
				}
			}
			cliAssertNoClearSecrets(t, s, slices.Collect(maps.Values(tt.env))...)
			cliContains(t, "channel test", s.ok("channel", "test", name), "the credentials work")

			t.Setenv(tt.empty, "")
			if tt.sealed {
				// Bluesky's app password only opens a new session: the sealed one goes on without it.
				cliContains(t, "channel test with $"+tt.empty+" empty", s.ok("channel", "test", name), "the credentials work")
				return
			}
			cliContains(t, "channel test with $"+tt.empty+" empty", s.fails("channel", "test", name),
				fmt.Sprintf("reads its %s from $%s, which is empty", tt.emptied, tt.empty))
		})
	}
}

// cliPlanLine matches a post's line in `plan show`: [id] channel (network) · STATUS · the rest.
var cliPlanLine = regexp.MustCompile(`^  \[(\d+)\] (\S+) \((\w+)\) · ([A-Z]+) · (.*)$`)

// cliPlanLines maps each post id of a `plan show` output to what its line says after the status.
func cliPlanLines(plan string) map[int64]string {
	out := map[int64]string{}
	for _, line := range strings.Split(plan, "\n") {
		if m := cliPlanLine.FindStringSubmatch(line); m != nil {
			id, _ := strconv.ParseInt(m[1], 10, 64)
			out[id] = m[5]
		}
	}
	return out
}

// cliXCostWant is what the X cost block should say of a plan's posts at the given prices: it
// counts the X posts still to go, and those whose text carries a link.
func cliXCostWant(posts []postView, post, postURL float64) (n, withURL int, usd float64) {
	for _, p := range posts {
		if p.Network != "x" || !slices.Contains([]models.PostStatus{models.PostPlanned, models.PostHeld, models.PostInvalid}, p.Status) {
			continue
		}
		n++
		if strings.Contains(p.Text, "https://") {
			withURL++
			usd += postURL
		} else {
			usd += post
		}
	}
	return n, withURL, usd
}

// TestNetworkCampaignPlan: a campaign on X, Mastodon and Bluesky with a thread and a picture;
// plan show says which posts are in the thread and carry the picture, measures X posts in
// weighted characters, and estimates what X will charge.
func TestNetworkCampaignPlan(t *testing.T) {
	s := cliNetSession(t, time.Date(2027, 3, 1, 9, 0, 0, 0, time.UTC))
	cliAllNetworks(t, s)
	s.ok("channel", "add", "console", "--name", "preview")
	img := cliPNG(t, "poster.png", 0)
	out := s.ok("campaign", "add", "Spring launch", "--tz", "Europe/Paris", "--channels", "brand-x,brand-masto,brand-bsky,preview",
		"--teasers", "7d,1d", "--reminders", "1h,10m", "--replay-after", "30m", "--thread", "--image", img, "--image-alt", "The spring collection",
		"--visibility", "unlisted")
	cliContains(t, "campaign add", out, "reminders, live and replay posts reply to the first teaser", "unlisted (Mastodon)",
		img+` ("The spring collection")`)
	s.ok("broadcast", "add", "--campaign", "Spring launch", "--title", "Lancement de la collection",
		"--at", "2027-03-30 18:00", "--duration", "45m", "--watch-url", "https://example.com/live/1")

	// One X post loses its link: X bills it at the lower price.
	var pv planView
	s.json(&pv, "plan", "show", "1")
	var xTeaser postView
	for _, p := range pv.Posts {
		if p.Network == "x" && p.Kind == models.KindTeaser && p.Step == "7d" {
			xTeaser = p
		}
	}
	s.ok("post", "edit", fmt.Sprint(xTeaser.ID), "--text", "Save the date: March 30, 6 PM. The spring collection, live!")
	s.json(&pv, "plan", "show", "1")
	if len(pv.Posts) != 24 {
		t.Fatalf("plan: %d posts, want 24 (6 steps on 4 channels)", len(pv.Posts))
	}

	plan := s.ok("plan", "show", "1")
	lines := cliPlanLines(plan)
	for _, p := range pv.Posts {
		line, ok := lines[p.ID]
		if !ok {
			t.Errorf("plan show has no line for post %d (%s %s on %s)", p.ID, p.Kind, p.Step, p.Channel)
			continue
		}
		networked := p.Network != "console"
		thread := networked && p.Kind != models.KindTeaser
		pictured := p.Kind == models.KindTeaser || p.Network == "bluesky"
		if got := strings.Contains(line, " · in the thread"); got != thread {
			t.Errorf("%s %s on %s: in the thread %v, want %v: %s", p.Kind, p.Step, p.Channel, got, thread, line)
		}
		if got := strings.Contains(line, " · image poster.png"); got != pictured {
			t.Errorf("%s %s on %s: image %v, want %v: %s", p.Kind, p.Step, p.Channel, got, pictured, line)
		}
		length := map[string]string{"x": "%d/280 weighted", "mastodon": "%d/500", "bluesky": "%d/300 graphemes", "console": "%d chars"}[p.Network]
		if want := fmt.Sprintf(length, p.Length); !strings.HasPrefix(line, want+" ") && line != want {
			t.Errorf("%s %s on %s: length shown as %q, want %q", p.Kind, p.Step, p.Channel, line, want)
		}
		p.Post.Options = string(p.Options) // printed as an object, read back as the column
		o, err := p.ParseOptions()
		if err != nil {
			t.Fatal(err)
		}
		if pictured && (o.Image != img || o.ImageAlt != "The spring collection") || p.Network == "mastodon" && o.Visibility != "unlisted" {
			t.Errorf("%s %s on %s: options %+v", p.Kind, p.Step, p.Channel, o)
		}
	}
	if !strings.Contains(lines[xTeaser.ID], " · edited") {
		t.Errorf("the edited X teaser is not shown edited: %s", lines[xTeaser.ID])
	}

	n, withURL, usd := cliXCostWant(pv.Posts, 0.015, 0.200)
	if n != 6 || withURL != 5 {
		t.Fatalf("the plan has %d X posts to come, %d with a link; the test wants 6 and 5", n, withURL)
	}
	cliContains(t, "plan show", plan, "X API cost (estimate, pay-per-use at $0.015 a post, $0.200 with a link):",
		fmt.Sprintf("to come  %d posts, %d with a link: $%.3f", n, withURL, usd))
	if c := pv.XCost; c == nil || c.ToCome != n || c.ToComeURL != withURL || math.Abs(c.ToComeUSD-usd) > 1e-9 ||
		c.Prices != (xPrices{Post: 0.015, PostURL: 0.200}) || c.Sent != 0 {
		t.Errorf("plan show --json x_cost %+v, want %d posts, %d with a link, $%.3f", c, n, withURL, usd)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal([]byte(s.ok("plan", "show", "1", "--json")), &raw); err != nil || raw["x_cost"] == nil {
		t.Errorf("plan show --json has no x_cost: %v", err)
	}

	t.Run("prices from the environment", func(t *testing.T) {
		s := cliSub(s, t)
		t.Setenv("ONAIR_X_PRICE_POST", "0.01")
		t.Setenv("ONAIR_X_PRICE_POST_URL", "$0.25")
		n, withURL, usd := cliXCostWant(pv.Posts, 0.01, 0.25)
		cliContains(t, "plan show", s.ok("plan", "show", "1"), "pay-per-use at $0.010 a post, $0.250 with a link",
			fmt.Sprintf("to come  %d posts, %d with a link: $%.3f", n, withURL, usd))
		var pv planView
		s.json(&pv, "plan", "show", "1")
		if c := pv.XCost; c == nil || math.Abs(c.ToComeUSD-usd) > 1e-9 || c.Prices != (xPrices{Post: 0.01, PostURL: 0.25}) {
			t.Errorf("x_cost %+v, want $%.3f", c, usd)
		}
	})
	for _, bad := range []struct{ env, value string }{{"ONAIR_X_PRICE_POST", "cheap"}, {"ONAIR_X_PRICE_POST", "-0.5"}, {"ONAIR_X_PRICE_POST_URL", "20 cents"}} {
		t.Run("refuses "+bad.env+"="+bad.value, func(t *testing.T) {
			s := cliSub(s, t)
			t.Setenv(bad.env, bad.value)
			want := fmt.Sprintf("%s=%q is not a price; write US dollars per post, like 0.015", bad.env, bad.value)
			cliContains(t, "plan show", s.fails("plan", "show", "1"), want)
			cliContains(t, "plan show --json", s.fails("plan", "show", "1", "--json"), want)
		})
	}

}

// TestNetworkImageRefused: a picture a channel's network would refuse is refused by campaign
// add and broadcast add, naming the channel; written straight into broadcasts.image by a CMS, it
// makes that network's posts invalid, with the broadcast's error naming the channel and the
// picture, while a network that takes it keeps its posts planned.
func TestNetworkImageRefused(t *testing.T) {
	s := cliNetSession(t, time.Date(2027, 3, 1, 9, 0, 0, 0, time.UTC))
	cliAllNetworks(t, s)
	big := cliPNG(t, "big.png", 5_000_001) // a PNG over X's 5 MB, under Mastodon's 16 MB
	text := filepath.Join(t.TempDir(), "poster.txt")
	if err := os.WriteFile(text, []byte("not a picture, a note about one\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name, image, channels string
		want                  []string
	}{
		{"too big for X", big, "brand-masto,brand-x", []string{"image " + big + " is 5.0 MB; x takes 5.0 MB at most for a PNG image: make it smaller (channel brand-x)"}},
		{"not a picture", text, "brand-x,brand-masto", []string{"image " + text + " is not a picture (text/plain); x takes JPEG, PNG, WEBP, GIF (channel brand-x)"}},
		{"too big for Bluesky", big, "brand-masto,brand-bsky", []string{"image " + big + " is 5.0 MB; bluesky takes 1.0 MB at most", "(channel brand-bsky)"}},
	}
	for _, tt := range tests {
		t.Run("campaign add: "+tt.name, func(t *testing.T) {
			s := cliSub(s, t)
			cliContains(t, "campaign add", s.fails("campaign", "add", "Refused", "--channels", tt.channels, "--image", tt.image), tt.want...)
			var camps []campaignView
			s.json(&camps, "campaign", "list")
			if len(camps) != 0 {
				t.Errorf("a refused picture made campaigns %+v", camps)
			}
		})
	}

	s.ok("campaign", "add", "Spring launch", "--tz", "Europe/Paris", "--channels", "brand-x,brand-masto,brand-bsky",
		"--teasers", "7d,1d", "--reminders", "1h", "--replay-after", "30m")
	s.ok("campaign", "add", "No Bluesky", "--channels", "brand-x,brand-masto")
	for _, c := range []struct{ campaign, want string }{
		{"Spring launch", "bluesky takes 1.0 MB at most for a PNG image: make it smaller (channel brand-bsky)"},
		{"No Bluesky", "x takes 5.0 MB at most for a PNG image: make it smaller (channel brand-x)"},
	} {
		cliContains(t, "broadcast add --image on "+c.campaign, s.fails("broadcast", "add", "--campaign", c.campaign, "--title", "Lancement",
			"--at", "2027-03-30 18:00", "--image", big), "image "+big+" is 5.0 MB; "+c.want)
	}
	var bs []broadcastView
	s.json(&bs, "broadcast", "list")
	if len(bs) != 0 {
		t.Fatalf("a refused picture made broadcasts %+v", bs)
	}
	s.ok("broadcast", "add", "--campaign", "Spring launch", "--title", "Lancement", "--at", "2027-03-30 18:00",
		"--watch-url", "https://example.com/live/1")
	for k, p := range s.posts("1") {
		if p.Status != models.PostPlanned && p.Status != models.PostHeld {
			t.Fatalf("before the CMS sets a picture, %s is %s: %s", k, p.Status, p.Error)
		}
	}

	// The CMS sets the broadcast's picture in its row.
	if _, err := cliSQL(t, s).Exec(`UPDATE broadcasts SET image = ? WHERE id = 1`, big); err != nil {
		t.Fatal(err)
	}
	plan := s.ok("plan", "show", "1")
	var pv planView
	s.json(&pv, "plan", "show", "1")
	want := map[string]models.PostStatus{}
	for _, p := range pv.Posts {
		key := string(p.Kind) + " " + p.Step + " on " + p.Channel
		switch {
		case p.Network == "x" && p.Kind == models.KindTeaser, p.Network == "bluesky":
			want[key] = models.PostInvalid
			if !strings.Contains(p.Error, "image "+big+" is 5.0 MB") || !strings.Contains(p.Error, "--image FILE") {
				t.Errorf("%s: error %q does not name the picture and what to do", key, p.Error)
			}
		case p.Kind == models.KindReplay:
			want[key] = models.PostHeld
		default:
			want[key] = models.PostPlanned
		}
		if p.Status != want[key] {
			t.Errorf("%s is %s, want %s (%s)", key, p.Status, want[key], p.Error)
		}
	}
	if len(want) != 15 {
		t.Errorf("%d posts, want 15", len(want))
	}
	cliContains(t, "the broadcast's error", pv.Broadcast.Error, "post(s) with a picture their network refuses",
		"teaser 7d on brand-x: image "+big+" is 5.0 MB; x takes 5.0 MB at most", "teaser 1d on brand-x", "on brand-bsky: image "+big)
	if strings.Contains(pv.Broadcast.Error, "on brand-masto") {
		t.Errorf("the broadcast's error blames Mastodon, which takes 16 MB: %s", pv.Broadcast.Error)
	}
	cliContains(t, "plan show", plan, "✗ "+pv.Broadcast.Error, "brand-x (x) · INVALID", "brand-masto (mastodon) · PLANNED")

	// A picture X takes puts the posts back.
	small := cliPNG(t, "small.png", 0)
	if _, err := cliSQL(t, s).Exec(`UPDATE broadcasts SET image = ? WHERE id = 1`, small); err != nil {
		t.Fatal(err)
	}
	s.json(&pv, "plan", "show", "1")
	for _, p := range pv.Posts {
		if p.Status == models.PostInvalid {
			t.Errorf("with a fitting picture, %s %s on %s is still invalid: %s", p.Kind, p.Step, p.Channel, p.Error)
		}
	}
	if pv.Broadcast.Error != "" {
		t.Errorf("with a fitting picture the broadcast's error is %q", pv.Broadcast.Error)
	}
}
