package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/onairhq/onair/models"
	"github.com/onairhq/onair/posting"
	"github.com/onairhq/onair/posting/bluesky"
	"github.com/onairhq/onair/posting/mastodon"
	"github.com/onairhq/onair/posting/webhook"
	"github.com/onairhq/onair/posting/x"
	"github.com/onairhq/onair/scheduler"
)

// networkFlags are channel add's flags for X, Mastodon and Bluesky.
type networkFlags struct {
	apiURL, consumerKey, consumerSecret, accessToken, accessSecret string // x
	oauth2                                                         bool   // x
	clientID, clientSecret                                         string // x OAuth 2.0
	server, token                                                  string // mastodon
	handle, appPassword, pds                                       string // bluesky
	fromEnv                                                        bool
	envPrefix                                                      string
	noCheck                                                        bool
}

func (f *networkFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&f.apiURL, "api-url", "", "x: the API's base URL (default https://api.x.com; for proxies and tests)")
	fl.StringVar(&f.consumerKey, "consumer-key", "", "x OAuth 1.0a: the app's API key (env ONAIR_X_CONSUMER_KEY)")
	fl.StringVar(&f.consumerSecret, "consumer-secret", "", "x OAuth 1.0a: the app's API key secret (env ONAIR_X_CONSUMER_SECRET)")
	fl.StringVar(&f.accessToken, "access-token", "", "x OAuth 1.0a: the account's access token (env ONAIR_X_ACCESS_TOKEN)")
	fl.StringVar(&f.accessSecret, "access-secret", "", "x OAuth 1.0a: the access token secret (env ONAIR_X_ACCESS_SECRET)")
	fl.BoolVar(&f.oauth2, "oauth2", false, "x: use OAuth 2.0 (then 'onair channel login NAME') instead of OAuth 1.0a keys")
	fl.StringVar(&f.clientID, "client-id", "", "x OAuth 2.0: the app's client id")
	fl.StringVar(&f.clientSecret, "client-secret", "", "x OAuth 2.0: the client secret of a confidential client (env ONAIR_X_CLIENT_SECRET)")
	fl.StringVar(&f.server, "server", "", "mastodon: the server, e.g. https://mastodon.social")
	fl.StringVar(&f.token, "token", "", "mastodon: an access token (env ONAIR_MASTODON_TOKEN); or 'onair channel login' later")
	fl.StringVar(&f.handle, "handle", "", "bluesky: the account, e.g. brand.bsky.social")
	fl.StringVar(&f.appPassword, "app-password", "", "bluesky: an app password (env ONAIR_BLUESKY_APP_PASSWORD)")
	fl.StringVar(&f.pds, "pds", "", "bluesky: the account's PDS (default https://bsky.social)")
	fl.BoolVar(&f.fromEnv, "from-env", false, "keep the credentials in environment variables where onair runs, not sealed in the database")
	fl.StringVar(&f.envPrefix, "env-prefix", "", "the credentials' environment variables start with this (default ONAIR_X, ONAIR_MASTODON, ONAIR_BLUESKY)")
	fl.BoolVar(&f.noCheck, "no-check", false, "do not check the credentials with the network now")
}

// envName is the variable a credential is read from: ONAIR_X_CONSUMER_KEY, or with --env-prefix.
func (f *networkFlags) envName(network, field string) string {
	prefix := f.envPrefix
	if prefix == "" {
		prefix = "ONAIR_" + strings.ToUpper(network)
	}
	n, _ := posting.NetworkOf(network)
	return strings.TrimSuffix(prefix, "_") + "_" + n.Env(field)
}

// credential reads one credential: the flag, else its environment variable. With --from-env
// the variable's name goes into the settings instead of its value into the sealed secrets.
func (f *networkFlags) credential(network, field, flagValue string, s *scheduler.ChannelSettings) string {
	env := f.envName(network, field)
	if f.fromEnv {
		if s.SecretsEnv == nil {
			s.SecretsEnv = map[string]string{}
		}
		s.SecretsEnv[field] = env
		return getenv(env)
	}
	if flagValue != "" {
		return flagValue
	}
	return getenv(env)
}

// withoutEnvSecrets blanks the credentials a channel reads from the environment (--from-env):
// they were needed for the check, but only their variables' names are kept, in the settings.
func withoutEnvSecrets(sec scheduler.Secrets, env map[string]string) scheduler.Secrets {
	for field := range env {
		switch field {
		case "consumer_key":
			sec.ConsumerKey = ""
		case "consumer_secret":
			sec.ConsumerSecret = ""
		case "access_token":
			sec.AccessToken = ""
		case "access_secret":
			sec.AccessSecret = ""
		case "client_secret":
			sec.ClientSecret = ""
		case "app_password":
			sec.AppPassword = ""
		}
	}
	return sec
}

// networkChannel reads the flags of `channel add` for a network with an account into settings and secrets,
// and checks the credentials with the network (unless --no-check). It returns what to say
// about the account.
func (a *app) networkChannel(ctx context.Context, network, name string, f *networkFlags, s *scheduler.ChannelSettings) (scheduler.Secrets, string, error) {
	n, _ := networkNamed(network)
	return n.add(ctx, name, f, s)
}

// xChannel is networkChannel for X: an OAuth 2.0 app (logged in by `channel login`), or OAuth
// 1.0a keys, checked with X.
func xChannel(ctx context.Context, name string, f *networkFlags, s *scheduler.ChannelSettings) (scheduler.Secrets, string, error) {
	const network = x.Name
	var sec scheduler.Secrets
	s.APIURL = strings.TrimRight(f.apiURL, "/")
	if f.oauth2 || f.clientID != "" {
		if f.clientID == "" {
			return sec, "", errors.New("OAuth 2.0 needs the app's client id: --client-id ID (developer portal, your app, Keys and tokens)")
		}
		s.Auth, s.ClientID = scheduler.AuthOAuth2, f.clientID
		if sec.ClientSecret = f.credential(network, "client_secret", f.clientSecret, s); sec.ClientSecret == "" {
			delete(s.SecretsEnv, "client_secret") // a public client has no secret to read
		}
		return sec, "", nil // checked by `channel login`
	}
	s.Auth = scheduler.AuthOAuth1
	sec.ConsumerKey = f.credential(network, "consumer_key", f.consumerKey, s)
	sec.ConsumerSecret = f.credential(network, "consumer_secret", f.consumerSecret, s)
	sec.AccessToken = f.credential(network, "access_token", f.accessToken, s)
	sec.AccessSecret = f.credential(network, "access_secret", f.accessSecret, s)
	var missing []string
	for _, c := range []struct{ field, flag, v string }{{"consumer_key", "--consumer-key", sec.ConsumerKey},
		{"consumer_secret", "--consumer-secret", sec.ConsumerSecret}, {"access_token", "--access-token", sec.AccessToken},
		{"access_secret", "--access-secret", sec.AccessSecret}} {
		if c.v == "" {
			missing = append(missing, fmt.Sprintf("%s (or $%s)", c.flag, f.envName(network, c.field)))
		}
	}
	if len(missing) > 0 {
		return sec, "", fmt.Errorf("an X channel with OAuth 1.0a keys needs %s; or use --oauth2 --client-id ID and `onair channel login %s`",
			strings.Join(missing, ", "), name)
	}
	if f.noCheck {
		return sec, "", nil
	}
	xp, err := x.New(x.Config{APIURL: s.APIURL, OAuth1: &x.OAuth1{ConsumerKey: sec.ConsumerKey, ConsumerSecret: sec.ConsumerSecret,
		Token: sec.AccessToken, TokenSecret: sec.AccessSecret}}, http.DefaultClient)
	if err != nil {
		return sec, "", err
	}
	u, err := xp.Me(ctx)
	if err != nil {
		return sec, "", checkFailed(network, name, err)
	}
	s.Account = "@" + u.Username
	return sec, s.Account, nil
}

// mastodonChannel is networkChannel for Mastodon: the server's limits, and the token when one
// is given (else `channel login` comes next).
func mastodonChannel(ctx context.Context, name string, f *networkFlags, s *scheduler.ChannelSettings) (scheduler.Secrets, string, error) {
	const network = mastodon.Name
	var sec scheduler.Secrets
	server, err := serverURL(f.server, "--server https://mastodon.social")
	if err != nil {
		return sec, "", err
	}
	s.Server = server
	sec.AccessToken = f.credential(network, "access_token", f.token, s)
	if f.noCheck {
		return sec, "", nil
	}
	limits, err := mastodon.InstanceLimits(ctx, http.DefaultClient, server)
	if err != nil {
		return sec, "", fmt.Errorf("read the limits of %s: %w; is it a Mastodon server? (--no-check skips this)", server, err)
	}
	s.MaxLength, s.URLWeight = limits.MaxCharacters, limits.URLWeight
	if sec.AccessToken == "" {
		return sec, "", nil // `channel login` comes next
	}
	mp, err := mastodon.New(mastodon.Config{Server: server, Token: sec.AccessToken}, http.DefaultClient)
	if err != nil {
		return sec, "", err
	}
	acct, err := mp.Me(ctx)
	if err != nil {
		return sec, "", checkFailed(network, name, err)
	}
	s.Account = acct.Handle(server)
	return sec, s.Account, nil
}

// blueskyChannel is networkChannel for Bluesky: a session opened with the app password.
func blueskyChannel(ctx context.Context, name string, f *networkFlags, s *scheduler.ChannelSettings) (scheduler.Secrets, string, error) {
	const network = bluesky.Name
	var sec scheduler.Secrets
	if f.handle == "" {
		return sec, "", errors.New("a Bluesky channel needs --handle brand.bsky.social and --app-password (Settings, Privacy and security, App passwords)")
	}
	pds := "https://bsky.social"
	if f.pds != "" {
		var err error
		if pds, err = serverURL(f.pds, "--pds https://pds.example.com"); err != nil {
			return sec, "", err
		}
	}
	s.PDS, s.Handle = pds, strings.TrimPrefix(f.handle, "@")
	sec.AppPassword = f.credential(network, "app_password", f.appPassword, s)
	if sec.AppPassword == "" {
		return sec, "", fmt.Errorf("a Bluesky channel needs an app password: --app-password xxxx-xxxx-xxxx-xxxx (or $%s)", f.envName(network, "app_password"))
	}
	sess, err := bluesky.Login(ctx, http.DefaultClient, pds, s.Handle, sec.AppPassword)
	if err != nil {
		return sec, "", checkFailed(network, name, err)
	}
	s.DID, s.Handle, s.Account = sess.DID, sess.Handle, "@"+sess.Handle
	sec.Token = &sess.Token
	return sec, s.Account, nil
}

// checkFailed explains a failed credentials check.
func checkFailed(network, name string, err error) error {
	var au *posting.Auth
	if errors.As(err, &au) {
		return fmt.Errorf("%s refused the credentials: %s", posting.Title(network), remedyFor(err, name))
	}
	return fmt.Errorf("could not check the credentials with %s: %v (--no-check adds the channel without checking)", posting.Title(network), err)
}

// serverURL checks a server address typed by a marketer; https:// is assumed when missing.
func serverURL(raw, example string) (string, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return "", fmt.Errorf("which server? add %s", example)
	}
	if !strings.Contains(raw, "://") {
		raw = "https://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return "", fmt.Errorf("server %q is not an address; use %s", raw, example)
	}
	return strings.TrimRight(u.Scheme+"://"+u.Host+u.Path, "/"), nil
}

// createChannel stores a new channel and its sealed credentials in one transaction.
func (a *app) createChannel(ctx context.Context, ch *models.Channel, sec scheduler.Secrets) error {
	empty := sec == (scheduler.Secrets{})
	vault, err := a.vault(true) // the key seals the credentials and binds the settings
	if err != nil {
		return err
	}
	return a.store.Tx(ctx, func(tx *models.Store) error {
		if err := tx.CreateChannel(ctx, ch); err != nil {
			return err
		}
		if empty {
			return nil
		}
		sealed, err := vault.Seal(ch.ID, sec)
		if err != nil {
			return err
		}
		_, err = tx.SetChannelSecrets(ctx, ch.ID, "", sealed)
		ch.Secrets = sealed
		return err
	})
}

// posters builds what sends on channels, with their credentials.
func (a *app) posters(consoleOut interface{ Write([]byte) (int, error) }) (*scheduler.Posters, error) {
	vault, err := a.vault(false)
	if err != nil {
		return nil, err
	}
	return &scheduler.Posters{Out: consoleOut, Now: a.now, Store: a.store, Vault: vault}, nil
}

func (a *app) channelTestCmd() *cobra.Command {
	var ping bool
	cmd := &cobra.Command{
		Use:   "test NAME",
		Short: "Check a channel's credentials with its network, without posting (a webhook: --ping sends a signed test)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			ch, err := a.openChannel(ctx, args[0])
			if err != nil {
				return err
			}
			if n, _ := networkNamed(ch.Network); n.test != nil {
				return n.test(a, ctx, ch, ping)
			}
			if ping {
				return fmt.Errorf("--ping is for webhook channels; %s is a %s channel", ch.Name, ch.Network)
			}
			account, err := a.checkAccount(ctx, ch)
			if err != nil {
				if strings.HasPrefix(err.Error(), "channel "+ch.Name+" ") {
					return err // it names the channel already
				}
				return fmt.Errorf("channel %s (%s): %w", ch.Name, ch.Network, err)
			}
			fmt.Fprintf(a.out, "Channel %s (%s): %s.\n", ch.Name, ch.Network, account)
			a.sayStatus(ch)
			return nil
		},
	}
	cmd.Flags().BoolVar(&ping, "ping", false, `webhook: send a signed test request (kind "ping") and report the answer`)
	return cmd
}

func (a *app) sayStatus(ch *models.Channel) {
	if ch.Status != models.ChannelActive {
		fmt.Fprintf(a.out, "It is %s (%s); once fixed: onair channel resume %s\n", ch.Status, ch.StatusReason, ch.Name)
	}
}

// pingWebhook sends a webhook channel's test request, when asked to.
func (a *app) pingWebhook(ctx context.Context, ch *models.Channel, ping bool) error {
	set, _ := scheduler.ParseSettings(*ch)
	s := webhook.Settings{URL: set.OwnString("url"), SecretEnv: set.OwnString("secret_env")}
	if !ping {
		fmt.Fprintf(a.out, "Channel %s (webhook) posts to %s; it has no account to check. `onair channel test %s --ping` sends a signed test request.\n",
			ch.Name, s.URL, ch.Name)
		return nil
	}
	posters, err := a.posters(a.out)
	if err != nil {
		return err
	}
	p, err := posters.For(*ch)
	if err != nil {
		return err
	}
	wh, ok := p.(*webhook.Poster)
	if !ok {
		return fmt.Errorf("channel %s: not a webhook poster", ch.Name)
	}
	if err := wh.Ping(ctx, ch.Name); err != nil {
		return fmt.Errorf("channel %s (webhook): the test request to %s failed: %w", ch.Name, s.URL, err)
	}
	signed := "unsigned (no --secret-env)"
	if wh.Signed() {
		signed = "signed with $" + s.SecretEnv
	}
	fmt.Fprintf(a.out, "Channel %s (webhook): %s accepted the test request, %s.\n", ch.Name, s.URL, signed)
	a.sayStatus(ch)
	return nil
}

// checkAccount asks the channel's network who its credentials belong to.
func (a *app) checkAccount(ctx context.Context, ch *models.Channel) (string, error) {
	posters, err := a.posters(a.out)
	if err != nil {
		return "", err
	}
	p, err := posters.For(*ch)
	if err != nil {
		return "", err
	}
	n, _ := networkNamed(ch.Network)
	if n.who == nil {
		return "nothing to check: it needs no credentials", nil
	}
	s, _ := scheduler.ParseSettings(*ch)
	who, err := n.who(ctx, p, s)
	if err != nil {
		return "", explainCheck(ch, err)
	}
	return "the credentials work, posting as " + who, nil
}

// explainCheck says what to do about a failed check.
func explainCheck(ch *models.Channel, err error) error {
	msg := remedyFor(err, ch.Name)
	var au *posting.Auth
	if !errors.As(err, &au) {
		return fmt.Errorf("could not reach %s: %s", posting.Title(ch.Network), msg)
	}
	if posting.FixOf(err) == "" { // the adapter named no fix: renew the credentials
		renew := "`onair channel login " + ch.Name + "`"
		if s, _ := scheduler.ParseSettings(*ch); ch.Network == x.Name && s.Auth != scheduler.AuthOAuth2 {
			renew = "`onair channel login " + ch.Name + " --consumer-key K --consumer-secret S --access-token T --access-secret TS`"
		}
		msg += "; renew them with " + renew + ", then `onair channel resume " + ch.Name + "`"
	}
	return fmt.Errorf("%s refused the credentials: %s", posting.Title(ch.Network), msg)
}

// openChannel opens the database and finds a channel by name.
func (a *app) openChannel(ctx context.Context, name string) (*models.Channel, error) {
	if err := a.openExisting(ctx); err != nil {
		return nil, err
	}
	return a.channel(ctx, name)
}

// channel finds a channel by name, with an error that lists the known ones.
func (a *app) channel(ctx context.Context, name string) (*models.Channel, error) {
	ch, err := a.store.ChannelByName(ctx, name)
	if !errors.Is(err, models.ErrNotFound) {
		return ch, err
	}
	chans, err := a.store.Channels(ctx)
	if err != nil {
		return nil, err
	}
	names := make([]string, len(chans))
	for i, c := range chans {
		names[i] = c.Name
	}
	found, err := pickName("channel", name, "onair channel list", names)
	if err != nil {
		return nil, err
	}
	return a.store.ChannelByName(ctx, found)
}

// loginFlags are `channel login`'s flags.
type loginFlags struct {
	listen, authorizeURL, clientID, clientSecret string       // x OAuth 2.0
	keys                                         networkFlags // x OAuth 1.0a: new keys
	code                                         string       // mastodon
	appPassword                                  string       // bluesky
	acceptSettings                               bool         // bind settings changed outside onair
	timeout                                      time.Duration
}

func (a *app) channelLoginCmd() *cobra.Command {
	var f loginFlags
	cmd := &cobra.Command{
		Use:   "login NAME",
		Short: "Authorize onair to post on a channel's account (X OAuth 2.0, Mastodon, Bluesky)",
		Long: `login gets new credentials for a channel and seals them in the database:
  x         OAuth 2.0 with PKCE: open the URL it prints, approve, and X sends you back to onair on
            127.0.0.1 (the app's callback URL must be http://127.0.0.1:8765/callback, or --listen);
            an OAuth 1.0a channel takes its four new keys instead (--consumer-key ... or $ONAIR_X_...),
            or moves to OAuth 2.0 with --client-id
  mastodon  registers onair with the server, prints a URL to open; paste the code it shows (or --code)
  bluesky   a new session from an app password (--app-password, $ONAIR_BLUESKY_APP_PASSWORD, or typed)
A channel that needed new credentials (needs-auth) is active again afterwards.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			ch, err := a.openChannel(ctx, args[0])
			if err != nil {
				return err
			}
			vault, err := a.vault(true)
			if err != nil {
				return err
			}
			s, err := scheduler.ParseSettings(*ch)
			if err != nil {
				return err
			}
			if !vault.Sealer.SettingsBound(*ch) && !f.acceptSettings {
				// Logging in sends credentials to the address in the settings: never to one
				// that was not set through onair, unless a person has read it.
				return fmt.Errorf("channel %s: its settings were changed outside onair (or by an onair before schema 4):\n  network %s, settings %s\nIf they are yours, run `onair channel login %s --accept-settings` to bind them to onair's key again",
					ch.Name, ch.Network, ch.Settings, ch.Name)
			}
			if err := scheduler.CheckSecretsEnv(s.SecretsEnv); err != nil {
				return fmt.Errorf("channel %s: %w", ch.Name, err)
			}
			sec, err := vault.Open(ch.ID, ch.Secrets)
			if err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(ctx, f.timeout)
			defer cancel()
			// save stores the settings and the sealed credentials as they are now.
			save := func() error {
				raw, _ := json.Marshal(s)
				return a.store.Tx(ctx, func(tx *models.Store) error {
					if err := tx.UpdateChannelSettings(ctx, ch.ID, string(raw)); err != nil {
						return err
					}
					return vault.SaveSecrets(ctx, tx, ch.ID, sec)
				})
			}
			if n, _ := networkNamed(ch.Network); n.login != nil {
				err = n.login(a, ctx, ch, &s, &sec, &f, save)
			} else {
				// Nothing to log in to: binding the settings (read above) is all there is.
				if err := a.store.BindChannel(ctx, ch.ID); err != nil {
					return err
				}
				fmt.Fprintf(a.out, "Channel %s: its settings are bound to onair's key: %s\n", ch.Name, ch.Settings)
				if ch.Status != models.ChannelActive {
					fmt.Fprintf(a.out, "It is %s; once checked: onair channel resume %s\n", ch.Status, ch.Name)
				}
				return nil
			}
			if err != nil {
				return err
			}
			if err := save(); err != nil {
				return err
			}
			fmt.Fprintf(a.out, "Channel %s: logged in", ch.Name)
			if s.Account != "" {
				fmt.Fprintf(a.out, " as %s", s.Account)
			}
			fmt.Fprintln(a.out, "; the credentials are sealed in the database.")
			if ch.Status != models.ChannelActive {
				if err := a.store.SetChannelStatus(ctx, ch.ID, models.ChannelActive, ""); err != nil {
					return err
				}
				fmt.Fprintf(a.out, "It was %s; it is active again and its waiting posts go out at the next pass.\n", ch.Status)
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.listen, "listen", "127.0.0.1:8765", "x: where onair waits for X to send you back (the app's callback URL is http://ADDRESS/callback)")
	fl.StringVar(&f.authorizeURL, "authorize-url", "", "x: X's authorization page (default https://x.com/i/oauth2/authorize)")
	fl.StringVar(&f.clientID, "client-id", "", "x: the app's OAuth 2.0 client id (switches an OAuth 1.0a channel to OAuth 2.0)")
	fl.StringVar(&f.clientSecret, "client-secret", "", "x: the client secret, for a confidential client")
	fl.StringVar(&f.keys.consumerKey, "consumer-key", "", "x OAuth 1.0a: new API key (env ONAIR_X_CONSUMER_KEY)")
	fl.StringVar(&f.keys.consumerSecret, "consumer-secret", "", "x OAuth 1.0a: new API key secret (env ONAIR_X_CONSUMER_SECRET)")
	fl.StringVar(&f.keys.accessToken, "access-token", "", "x OAuth 1.0a: new access token (env ONAIR_X_ACCESS_TOKEN)")
	fl.StringVar(&f.keys.accessSecret, "access-secret", "", "x OAuth 1.0a: new access token secret (env ONAIR_X_ACCESS_SECRET)")
	fl.StringVar(&f.code, "code", "", "mastodon: the authorization code, if you already have it")
	fl.StringVar(&f.appPassword, "app-password", "", "bluesky: the app password (env ONAIR_BLUESKY_APP_PASSWORD)")
	fl.DurationVar(&f.timeout, "timeout", 10*time.Minute, "how long to wait for you to approve")
	fl.BoolVar(&f.acceptSettings, "accept-settings", false, "the channel's settings were changed outside onair and you checked them: bind them to onair's key again")
	return cmd
}

func (a *app) loginX(ctx context.Context, ch *models.Channel, s *scheduler.ChannelSettings, sec *scheduler.Secrets, f *loginFlags, _ func() error) error {
	if f.clientID == "" && s.Auth != scheduler.AuthOAuth2 {
		// An OAuth 1.0a channel whose keys were regenerated: check the new ones and seal them.
		f.keys.apiURL = s.APIURL
		keys, account, err := xChannel(ctx, ch.Name, &f.keys, s)
		if err != nil {
			return err
		}
		if len(s.SecretsEnv) == 0 {
			sec.ConsumerKey, sec.ConsumerSecret, sec.AccessToken, sec.AccessSecret = keys.ConsumerKey, keys.ConsumerSecret, keys.AccessToken, keys.AccessSecret
		}
		s.Account = account
		return nil
	}
	if f.clientID != "" {
		s.ClientID = f.clientID
	}
	if f.clientSecret != "" {
		sec.ClientSecret = f.clientSecret
	}
	if s.ClientID == "" {
		return fmt.Errorf("OAuth 2.0 needs the app's client id: onair channel login %s --client-id ID (developer portal, your app, Keys and tokens)", ch.Name)
	}
	clientSecret := sec.ClientSecret
	if env, ok := s.SecretsEnv["client_secret"]; ok && clientSecret == "" {
		clientSecret = getenv(env) // read where onair runs, never sealed
	}
	tok, err := x.Login(ctx, x.LoginConfig{APIURL: s.APIURL, AuthorizeURL: f.authorizeURL, ClientID: s.ClientID,
		ClientSecret: clientSecret, Listen: f.listen}, http.DefaultClient, func(u string) {
		fmt.Fprintf(a.out, "Open this address in a browser logged in to the X account, and approve onair:\n\n  %s\n\nWaiting for X (Ctrl-C stops)...\n", u)
	})
	if err != nil {
		return fmt.Errorf("X login: %w", err)
	}
	s.Auth = scheduler.AuthOAuth2
	sec.Token = &tok
	sec.ConsumerKey, sec.ConsumerSecret, sec.AccessToken, sec.AccessSecret = "", "", "", ""
	for _, field := range []string{"consumer_key", "consumer_secret", "access_token", "access_secret"} {
		delete(s.SecretsEnv, field) // OAuth 1.0a keys are no longer used
	}
	xp, err := x.New(x.Config{APIURL: s.APIURL, OAuth2: &x.OAuth2{ClientID: s.ClientID, ClientSecret: clientSecret,
		Tokens: posting.NewMemoryTokens(tok)}}, http.DefaultClient)
	if err != nil {
		return err
	}
	if u, err := xp.Me(ctx); err == nil {
		s.Account = "@" + u.Username
	}
	return nil
}

// loginMastodon logs a channel in; save keeps the app it registers at once, since the code the
// person gets is only good with that app (a login stopped at the prompt goes on with --code).
func (a *app) loginMastodon(ctx context.Context, ch *models.Channel, s *scheduler.ChannelSettings, sec *scheduler.Secrets, f *loginFlags, save func() error) error {
	app := mastodon.App{ClientID: s.ClientID, ClientSecret: sec.ClientSecret}
	if app.ClientID == "" || app.ClientSecret == "" {
		var err error
		if app, err = mastodon.RegisterApp(ctx, http.DefaultClient, s.Server, "onair"); err != nil {
			return err
		}
		s.ClientID, sec.ClientSecret = app.ClientID, app.ClientSecret
		if err := save(); err != nil {
			return err
		}
	}
	code := strings.TrimSpace(f.code)
	if code == "" {
		fmt.Fprintf(a.out, "Open this address in a browser logged in to the account, approve onair, and paste the code it shows:\n\n  %s\n\nCode: ",
			mastodon.AuthorizeURL(s.Server, app))
		line, err := bufio.NewReader(a.in).ReadString('\n')
		if code = strings.TrimSpace(line); code == "" {
			return fmt.Errorf("no code given (%v); run `onair channel login %s --code CODE` with the code the server shows", err, ch.Name)
		}
	}
	token, err := mastodon.ExchangeCode(ctx, http.DefaultClient, s.Server, app, code)
	if err != nil {
		return err
	}
	sec.AccessToken = token
	delete(s.SecretsEnv, "access_token") // the token is sealed from now on
	mp, err := mastodon.New(mastodon.Config{Server: s.Server, Token: token}, http.DefaultClient)
	if err != nil {
		return err
	}
	if acct, err := mp.Me(ctx); err == nil {
		s.Account = acct.Handle(s.Server)
	}
	if limits, err := mastodon.InstanceLimits(ctx, http.DefaultClient, s.Server); err == nil {
		s.MaxLength, s.URLWeight = limits.MaxCharacters, limits.URLWeight
	}
	return nil
}

func (a *app) loginBluesky(ctx context.Context, _ *models.Channel, s *scheduler.ChannelSettings, sec *scheduler.Secrets, f *loginFlags, _ func() error) error {
	password := f.appPassword
	if password == "" {
		if env, ok := s.SecretsEnv["app_password"]; ok {
			password = getenv(env)
		}
	}
	if password == "" {
		password = getenv("ONAIR_BLUESKY_APP_PASSWORD")
	}
	if password == "" {
		fmt.Fprintf(a.out, "App password for %s (Settings, Privacy and security, App passwords): ", s.Handle)
		line, _ := bufio.NewReader(a.in).ReadString('\n')
		if password = strings.TrimSpace(line); password == "" {
			return errors.New("no app password given; use --app-password or $ONAIR_BLUESKY_APP_PASSWORD")
		}
	}
	sess, err := bluesky.Login(ctx, http.DefaultClient, s.PDS, s.Handle, password)
	if err != nil {
		return fmt.Errorf("Bluesky login: %w", err)
	}
	s.DID, s.Handle, s.Account = sess.DID, sess.Handle, "@"+sess.Handle
	sec.Token = &sess.Token
	if _, ok := s.SecretsEnv["app_password"]; !ok {
		sec.AppPassword = password
	}
	return nil
}
