package webhook

import "github.com/onairhq/onair/posting"

// Network is the webhook's descriptor: characters without a limit, any readable picture, a
// signing secret read from the environment (not a sealed credential).
var Network = posting.Network{
	Name:  posting.Webhook,
	Title: "webhook",
	Limit: posting.Limit{Unit: "characters"},
	Once: "the Idempotency-Key header: onair's JSON receivers deduplicate by it, so an interrupted " +
		"send goes again; Slack and Discord do not, so a person settles it",
}

func init() { posting.Register(Network) }
