package scheduler

import (
	"context"
	"fmt"
	"log/slog"
	"runtime"
	"sync"

	"github.com/onairhq/onair/models"
)

// ReconcileResult sums up one reconcile pass.
type ReconcileResult struct {
	Planned int          `json:"planned"` // broadcasts planned
	Errors  int          `json:"errors"`  // of which with an error in their row
	Results []PlanResult `json:"results,omitempty"`
}

// reconcileBatch is how many changed broadcasts one query fetches, and one transaction plans.
const reconcileBatch = 200

// Reconcile plans every broadcast whose revision differs from its planned revision: rows added
// or changed by the CLI, by a CMS writing the database directly, or by hand. A row with bad data
// gets its error recorded and does not stop the others. A row written again while it was being
// planned is planned again in the same pass, three times at most.
func (p *Planner) Reconcile(ctx context.Context) (ReconcileResult, error) {
	var out ReconcileResult
	// The clock's moves first (a broadcast whose start has come is live): they change what the
	// plan of those broadcasts says.
	if _, err := p.Advance(ctx); err != nil {
		return out, fmt.Errorf("advance broadcasts: %w", err)
	}
	seen := map[int64]int{}
	for {
		n, err := p.reconcileRound(ctx, seen, &out)
		if err != nil || n == 0 {
			return out, err
		}
	}
}

// reconcileRound walks the broadcasts to plan in id order, a batch at a time, and returns how
// many it planned. It is a pipeline: while a batch is written (one transaction), the next ones
// are read and worked out, so the database and the templates each keep a CPU busy. On
// PostgreSQL two batches are written at once, on two connections: the server then works on two
// CPUs (SQLite has one writer at a time). Batches never share a broadcast, so what is worked out
// ahead never depends on what is being written.
func (p *Planner) reconcileRound(ctx context.Context, seen map[int64]int, out *ReconcileResult) (int, error) {
	writers := 1
	if p.store.Engine() == models.EnginePostgres {
		writers = 2
	}
	// Writing takes a CPU (SQLite's, or the server's on the same machine): working out the next
	// batches takes the others.
	workers := max(1, runtime.GOMAXPROCS(0)-1)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	jobs := make(chan roundJob, 1)
	dones := make(chan roundDone, writers)

	go p.readBatches(ctx, seen, workers, jobs) // the only user of seen until the round ends
	var wg sync.WaitGroup
	for range writers {
		wg.Go(func() { p.writeBatches(ctx, jobs, dones) })
	}
	go func() {
		wg.Wait()
		close(dones)
	}()
	return p.collect(dones, cancel, out)
}

// roundJob is a batch of a round worked out and ready to write (or the error that ended the
// reading); seq is its place in id order.
type roundJob struct {
	seq  int
	plan *batchPlan
	err  error
}

// roundDone is a batch of a round written.
type roundDone struct {
	seq     int
	results []PlanResult
	err     error
}

// readBatches finds the broadcasts to plan after one another, works each batch out and hands it
// to the writers, until none is left, an error, or ctx ends. A broadcast written again while it
// was planned, three times, waits for the next pass.
func (p *Planner) readBatches(ctx context.Context, seen map[int64]int, workers int, jobs chan<- roundJob) {
	defer close(jobs)
	send := func(j roundJob) bool {
		select {
		case jobs <- j:
			return j.err == nil
		case <-ctx.Done():
			return false
		}
	}
	var after int64
	for seq := 0; ; {
		ids, err := p.store.BroadcastIDsToPlanAfter(ctx, after, reconcileBatch)
		if err != nil {
			send(roundJob{seq: seq, err: fmt.Errorf("find broadcasts to plan: %w", err)})
			return
		}
		var todo []int64
		for _, id := range ids {
			if seen[id] < 3 {
				seen[id]++
				todo = append(todo, id)
			}
		}
		if len(todo) > 0 {
			pl, err := p.prepare(ctx, todo, workers)
			if err != nil {
				err = fmt.Errorf("plan broadcasts: %w", err)
			}
			if !send(roundJob{seq: seq, plan: pl, err: err}) {
				return
			}
			seq++
		}
		if len(ids) < reconcileBatch {
			return
		}
		after = ids[len(ids)-1]
	}
}

// writeBatches writes the batches it is handed, one transaction each.
func (p *Planner) writeBatches(ctx context.Context, jobs <-chan roundJob, dones chan<- roundDone) {
	for j := range jobs {
		if j.err != nil {
			dones <- roundDone{seq: j.seq, err: j.err}
			continue
		}
		results, err := p.save(ctx, j.plan)
		if err != nil && models.IsConflict(err) {
			// Another process planned some of these broadcasts first: plan them again from
			// what it wrote, as PlanMany does.
			results, err = p.planMany(ctx, j.plan.ids)
		}
		if err != nil {
			err = fmt.Errorf("plan broadcasts: %w", err)
		}
		dones <- roundDone{seq: j.seq, results: results, err: err}
	}
}

// collect reports the written batches in id order, whichever writer finished first, and returns
// how many broadcasts were planned. After an error nothing new starts (cancel); what other
// writers had under way is reported as it ends.
func (p *Planner) collect(dones <-chan roundDone, cancel func(), out *ReconcileResult) (int, error) {
	var firstErr error
	planned, next := 0, 0
	waiting := map[int]roundDone{}
	for d := range dones {
		waiting[d.seq] = d
		for {
			d, ok := waiting[next]
			if !ok {
				break
			}
			delete(waiting, next)
			next++
			if d.err != nil {
				if firstErr == nil {
					firstErr = d.err
					cancel()
				}
				continue
			}
			planned += len(d.results)
			p.report(d.results, out)
		}
	}
	if firstErr != nil {
		return 0, firstErr
	}
	return planned, nil
}

// report adds a batch's results to out and logs them.
func (p *Planner) report(results []PlanResult, out *ReconcileResult) {
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
}
