// Package posting sends one message to one social network: it owns the Poster interface the
// dispatcher calls, the error taxonomy the dispatcher acts on, and each network's text limits and
// the counters that apply them, so that a post its network would refuse for its length is caught
// when it is planned, not when it is due. One sub-package per network implements Poster.
//
// It knows nothing of the database or the scheduler: it takes plain values.
package posting

// KnownNetwork reports whether name is a network onair knows, so that a typo in a channel is
// refused when the channel is added rather than when its first post is due.
func KnownNetwork(name string) bool {
	_, ok := networks[name]
	return ok
}

// HasReplies reports whether posts on network can answer earlier ones, so that a campaign's
// announcements form one thread.
func HasReplies(network string) bool {
	n, _ := NetworkOf(network)
	return n.Replies
}

// PictureOnAll reports whether every post on network carries the campaign's picture (Bluesky's
// link card), not only the teasers. The planner decides which posts carry it; adapters post the
// picture a Message has.
func PictureOnAll(network string) bool {
	n, _ := NetworkOf(network)
	return n.PictureOnAll
}

// Title is how people write network's name: "X", "Mastodon".
func Title(network string) string {
	n, _ := NetworkOf(network)
	return n.Title
}
