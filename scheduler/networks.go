package scheduler

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/onairhq/onair/models"
)

// secrets opens a channel's sealed credentials and overlays those its settings read from the
// environment.
func (p *Posters) secrets(ch models.Channel, s ChannelSettings) (Secrets, error) {
	sec, err := p.Vault.Open(ch.ID, ch.Secrets)
	if err != nil {
		return sec, fmt.Errorf("channel %s: %w", ch.Name, err)
	}
	if len(s.SecretsEnv) == 0 {
		return sec, nil
	}
	getenv := p.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	fields := map[string]any{}
	raw, _ := json.Marshal(sec)
	json.Unmarshal(raw, &fields)
	names := make([]string, 0, len(s.SecretsEnv))
	for k := range s.SecretsEnv {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, field := range names {
		env := s.SecretsEnv[field]
		v := getenv(env)
		if v == "" && field == "app_password" && sec.Token != nil { // Bluesky
			continue // only needed to open a new session when the sealed one has ended
		}
		if v == "" {
			return sec, fmt.Errorf("channel %s reads its %s from $%s, which is empty; set it where onair runs", ch.Name, strings.ReplaceAll(field, "_", " "), env)
		}
		fields[field] = v
	}
	raw, _ = json.Marshal(fields)
	var out Secrets
	if err := json.Unmarshal(raw, &out); err != nil {
		return sec, fmt.Errorf("channel %s secrets_env: %v", ch.Name, err)
	}
	return out, nil
}
