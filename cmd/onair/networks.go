package main

import (
	"context"

	"github.com/onairhq/onair/models"
	"github.com/onairhq/onair/posting"
	"github.com/onairhq/onair/posting/bluesky"
	"github.com/onairhq/onair/posting/console"
	"github.com/onairhq/onair/posting/mastodon"
	"github.com/onairhq/onair/posting/webhook"
	"github.com/onairhq/onair/posting/x"
	"github.com/onairhq/onair/scheduler"
)

// networks is every network onair posts to: a line per network, its descriptor (posting/<name>,
// which holds its limits, counter, picture rule, credential fields and what "sent once" rests
// on) and what the CLI does for it. Adding a network is its package and a line here
// (docs/architecture.md); TestNetworksTable checks that every registered network has its line
// and every line is complete.
var networks = []network{
	{Network: x.Network, add: xChannel, login: (*app).loginX, who: xWho},
	{Network: mastodon.Network, add: mastodonChannel, login: (*app).loginMastodon, who: mastodonWho},
	{Network: bluesky.Network, add: blueskyChannel, login: (*app).loginBluesky, who: blueskyWho},
	{Network: webhook.Network, test: (*app).pingWebhook},
	{Network: console.Network},
}

// network is one line of the networks table: a descriptor (whose Settings are the flags of a
// network without an account), and the account functions of a network with credentials (add,
// login, who).
type network struct {
	posting.Network
	// add reads `channel add`'s flags into the settings and the secrets and checks them with the
	// network (unless --no-check); it returns the account they belong to.
	add func(ctx context.Context, name string, f *networkFlags, s *scheduler.ChannelSettings) (scheduler.Secrets, string, error)
	// login gets new credentials (`channel login`); save stores the settings and secrets as
	// they are, for a flow that must keep a step before the person answers.
	login func(a *app, ctx context.Context, ch *models.Channel, s *scheduler.ChannelSettings, sec *scheduler.Secrets, f *loginFlags, save func() error) error
	// who asks the network whose credentials p, the channel's poster, holds (`channel test`).
	who func(ctx context.Context, p posting.Poster, s scheduler.ChannelSettings) (string, error)
	// test replaces `channel test` for a network without an account to check (a webhook's --ping).
	test func(a *app, ctx context.Context, ch *models.Channel, ping bool) error
}

// account reports whether the network's channels hold credentials for an account.
func (n network) account() bool { return n.add != nil }

// networkNamed finds a network's line by name.
func networkNamed(name string) (network, bool) {
	for _, n := range networks {
		if n.Name == name {
			return n, true
		}
	}
	return network{}, false
}

// networkNames lists the networks for a person: "x, mastodon, bluesky, webhook or console".
func networkNames() string {
	names := make([]string, len(networks))
	for i, n := range networks {
		names[i] = n.Name
	}
	return models.Sentence(names, "or")
}

func xWho(ctx context.Context, p posting.Poster, _ scheduler.ChannelSettings) (string, error) {
	u, err := p.(*x.Poster).Me(ctx)
	return "@" + u.Username, err
}

func mastodonWho(ctx context.Context, p posting.Poster, s scheduler.ChannelSettings) (string, error) {
	acct, err := p.(*mastodon.Poster).Me(ctx)
	if err != nil {
		return "", err
	}
	return acct.Handle(s.Server), nil
}

func blueskyWho(ctx context.Context, p posting.Poster, _ scheduler.ChannelSettings) (string, error) {
	sess, err := p.(*bluesky.Poster).Me(ctx)
	return "@" + sess.Handle, err
}
