package scheduler

import (
	"context"
	"fmt"
	"log/slog"
)

// ReconcileResult sums up one reconcile pass.
type ReconcileResult struct {
	Planned int          `json:"planned"` // broadcasts planned
	Errors  int          `json:"errors"`  // of which with an error in their row
	Results []PlanResult `json:"results,omitempty"`
}

// reconcileBatch is how many changed broadcasts one query fetches.
const reconcileBatch = 200

// Reconcile plans every broadcast whose revision differs from its planned revision: rows added
// or changed by the CLI, by a CMS writing the database directly, or by hand. A row with bad data
// gets its error recorded and does not stop the others.
func (p *Planner) Reconcile(ctx context.Context) (ReconcileResult, error) {
	var out ReconcileResult
	seen := map[int64]int{}
	for {
		ids, err := p.store.BroadcastIDsToPlan(ctx, reconcileBatch)
		if err != nil {
			return out, fmt.Errorf("find broadcasts to plan: %w", err)
		}
		var todo []int64
		for _, id := range ids {
			if seen[id] >= 3 {
				continue // written again while we planned it, three times: next pass
			}
			seen[id]++
			todo = append(todo, id)
		}
		progressed := len(todo) > 0
		var results []PlanResult
		if progressed {
			if results, err = p.PlanMany(ctx, todo); err != nil {
				return out, fmt.Errorf("plan broadcasts: %w", err)
			}
		}
		for _, res := range results {
			id := res.BroadcastID
			out.Planned++
			out.Results = append(out.Results, res)
			if res.Error != "" {
				out.Errors++
				p.log.Warn("broadcast cannot be fully planned", slog.Int64("broadcast", id), slog.String("error", res.Error))
			} else if res.Changed() {
				p.log.Info("broadcast planned", slog.Int64("broadcast", id), slog.Int64("revision", res.Revision),
					slog.Int("created", res.Created), slog.Int("updated", res.Updated), slog.Int("cancelled", res.Cancelled))
			}
		}
		if !progressed || len(ids) < reconcileBatch {
			return out, nil
		}
	}
}
