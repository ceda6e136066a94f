package bluesky

import (
	"crypto/sha256"
	"encoding/binary"
	"time"
)

// RecordKey derives the record key of a post from its idempotency key and due time: the same
// post always gets the same key, so a second createRecord for it collides with the first
// instead of posting twice.
//
// The key is a TID (https://atproto.com/specs/tid), because the app.bsky.feed.post lexicon
// declares its records keyed by "tid", PDSes that validate record keys against the lexicon refuse
// any other key, and the Bluesky AppView only indexes posts whose key is a TID. A TID is a
// 64-bit integer written in 13 base32-sortable characters: a zero bit, 53 bits of microseconds
// since the Unix epoch, and a 10-bit clock identifier. RecordKey takes the microseconds from due
// (whole seconds) plus a sub-second offset from a SHA-256 hash of the idempotency key, and the
// clock identifier from the same hash: two posts due in the same second on one account get
// different keys unless 30 bits of their hashes agree, and the key still sorts by due time.
//
// due must be the post's planned time, unchanged across retries (a retry changes when the post
// is tried, not when it was due).
func RecordKey(idempotencyKey string, due time.Time) string {
	h := sha256.Sum256([]byte(idempotencyKey))
	x := binary.BigEndian.Uint64(h[:8])
	sec := due.Unix()
	if sec < 0 {
		sec = 0
	}
	micros := uint64(sec)*1_000_000 + (x>>20)%1_000_000
	clockID := x & 0x3FF
	return encodeTID((micros&(1<<53-1))<<10 | clockID)
}

// base32Sortable is the TID alphabet: its characters sort in the order of the values they encode.
const base32Sortable = "234567abcdefghijklmnopqrstuvwxyz"

// encodeTID writes v in 13 base32-sortable characters, most significant first.
func encodeTID(v uint64) string {
	var b [13]byte
	for i := len(b) - 1; i >= 0; i-- {
		b[i] = base32Sortable[v&0x1F]
		v >>= 5
	}
	return string(b[:])
}

// validTID reports whether s has TID syntax: 13 base32-sortable characters, the first of which
// leaves the top bit zero.
func validTID(s string) bool {
	if len(s) != 13 || s[0] < '2' || s[0] > 'j' || s[0] > '7' && s[0] < 'a' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '2' && c <= '7' || c >= 'a' && c <= 'z') {
			return false
		}
	}
	return true
}
