package scheduler

import (
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/onairhq/onair/models"
)

// Metrics are the daemon's Prometheus metrics. A nil *Metrics records nothing.
type Metrics struct {
	Registry *prometheus.Registry
	Health   *Health // what /healthz says
	posts    *prometheus.CounterVec
	lateness prometheus.Histogram
	batch    prometheus.Histogram
	due      prometheus.Gauge
	planned  prometheus.Gauge
}

// NewMetrics registers onair's metrics on a new registry (with Go and process metrics).
func NewMetrics() *Metrics {
	m := &Metrics{
		Registry: prometheus.NewRegistry(),
		Health:   NewHealth(),
		posts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "onair_posts_total", Help: "Posts by outcome (sent, failed, skipped, retry), channel and kind.",
		}, []string{"outcome", "channel_id", "kind"}),
		lateness: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "onair_send_lateness_seconds", Help: "Time from a post's due time to the network accepting it.",
			Buckets: []float64{.01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 300},
		}),
		batch: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "onair_claim_batch_size", Help: "Posts claimed per claim transaction.",
			Buckets: prometheus.ExponentialBuckets(1, 4, 6),
		}),
		due:     prometheus.NewGauge(prometheus.GaugeOpts{Name: "onair_queue_due", Help: "Planned posts already due."}),
		planned: prometheus.NewGauge(prometheus.GaugeOpts{Name: "onair_queue_planned", Help: "Planned posts, due or not (counted at start and hourly)."}),
	}
	m.Registry.MustRegister(m.posts, m.lateness, m.batch, m.due, m.planned,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

func (m *Metrics) outcome(p models.Post, outcome string) {
	if m == nil {
		return
	}
	m.posts.WithLabelValues(outcome, itoa(p.ChannelID), string(p.Kind)).Inc()
}

func (m *Metrics) sent(p models.Post, late time.Duration) {
	if m == nil {
		return
	}
	m.outcome(p, string(models.PostSent))
	m.lateness.Observe(late.Seconds())
}

func (m *Metrics) claimed(n int) {
	if m == nil || n == 0 {
		return
	}
	m.batch.Observe(float64(n))
}

func (m *Metrics) queue(due, planned int64) {
	if m == nil {
		return
	}
	m.due.Set(float64(due))
	m.planned.Set(float64(planned))
}

// dueNow sets the due-queue gauge alone (the planned total is counted less often).
func (m *Metrics) dueNow(due int64) {
	if m == nil {
		return
	}
	m.due.Set(float64(due))
}

// health records the outcome of a pass for /healthz.
func (m *Metrics) health(part string, err error) {
	if m == nil {
		return
	}
	m.Health.Report(part, err)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
