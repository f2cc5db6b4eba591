// The reference the tour is measured against: client_golang, the Go client Prometheus' own authors
// keep. Times its Summary.Observe, classic and native Histogram.Observe, and a promhttp scrape of a
// registry shaped like the tour's (src/state.rs).
//
// Run with `bash benches/go/compare.sh`, which builds this in GOPATH mode over Debian's sources
// (golang-github-prometheus-client-golang-dev: 1.23 from the unstable suite, which .ci/go-reference
// fetches, or Debian 12's 1.14) and puts the tour's criterion figures beside it.
package gobench

import (
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// values are response times from 1 ms to about 1.7 s, the same 64 that benches/summary.rs observes,
// so that bucket searches and quantile streams see spread values on both sides.
var values = func() []float64 {
	v := make([]float64, 64)
	for i := range v {
		v[i] = 0.001 * math.Pow(1.125, float64(i))
	}
	return v
}()

// objectives are the quantiles the tour's summary reports, with the error bounds client_golang's
// own examples and benchmarks give them (client_golang has no default objectives).
var objectives = map[float64]float64{0.5: 0.05, 0.9: 0.01, 0.99: 0.001}

func observeAll(b *testing.B, o prometheus.Observer) {
	for i := 0; i < b.N; i++ {
		o.Observe(values[i%64])
	}
}

func BenchmarkSummaryObserve(b *testing.B) {
	observeAll(b, prometheus.NewSummary(prometheus.SummaryOpts{
		Name:       "bench_summary",
		Help:       "bench",
		Objectives: objectives,
		MaxAge:     10 * time.Minute,
		AgeBuckets: 5,
	}))
}

func BenchmarkClassicHistogramObserve(b *testing.B) {
	observeAll(b, prometheus.NewHistogram(prometheus.HistogramOpts{
		Name: "bench_histogram",
		Help: "bench",
	}))
}

// With a bucket factor and no Buckets, client_golang keeps native (sparse) buckets only (schema 3). The
// values are those of our native_histogram/observe bench: steps of 0.37 s wrapping at 12 s.
func BenchmarkNativeHistogramObserve(b *testing.B) {
	native := prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:                        "bench_native",
		Help:                        "bench",
		NativeHistogramBucketFactor: 1.1,
	})
	value := 0.0
	for i := 0; i < b.N; i++ {
		value = math.Mod(value+0.37, 12)
		native.Observe(value)
	}
}

// requestSeries mirrors tourScrapeRegistry in benches/metrics.rs: 16 http_requests_total series
// over 12 (method, route) pairs.
var requestSeries = [][3]string{
	{"GET", "/", "200"}, {"GET", "/metrics", "200"}, {"POST", "/counter", "200"},
	{"POST", "/counter", "400"}, {"POST", "/gauge/inc", "200"}, {"POST", "/gauge/dec", "200"},
	{"POST", "/gauge/set", "200"}, {"POST", "/gauge/set", "400"}, {"POST", "/summary", "200"},
	{"POST", "/summary", "400"}, {"POST", "/file-upload", "200"}, {"POST", "/file-upload", "413"},
	{"GET", "/tour/counter", "200"}, {"GET", "/healthz", "200"}, {"GET", "unmatched", "404"},
	{"POST", "unmatched", "404"},
}

// tourRegistry registers the tour's families, in src/state.rs' order, and fills them as
// benches/metrics.rs fills the tour's; with withProcess, the process collector too.
func tourRegistry(withProcess bool) *prometheus.Registry {
	upload := prometheus.NewHistogram(prometheus.HistogramOpts{
		Name: "file_upload_duration_seconds", Help: "Time the simulated upload took, timed once its body had arrived.",
		Buckets: prometheus.LinearBuckets(1, 1, 10),
	})
	inProgress := prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "file_uploads_in_progress", Help: "Uploads being simulated right now, counted once their body has arrived.",
	})
	clicks := prometheus.NewCounter(prometheus.CounterOpts{
		Name: "tour_clicks_total", Help: "Clicks on the counter demo.",
	})
	temperature := prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "tour_temperature_celsius", Help: "The gauge demo's temperature.",
	})
	response := prometheus.NewSummary(prometheus.SummaryOpts{
		Name: "tour_response_seconds", Help: "The summary demo's response times.",
		Objectives: objectives, MaxAge: 10 * time.Minute, AgeBuckets: 5,
	})
	bucketed := prometheus.NewHistogram(prometheus.HistogramOpts{
		Name: "tour_response_bucketed_seconds",
		Help: "The summary demo's response times again, in the default buckets, to compare.",
	})
	requests := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "http_requests_total", Help: "HTTP requests answered, by route pattern.",
	}, []string{"method", "route", "status"})
	durations := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "http_request_duration_seconds", Help: "HTTP request latency.",
		Buckets: []float64{0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10},
	}, []string{"method", "route"})

	registry := prometheus.NewRegistry()
	registry.MustRegister(upload, inProgress, clicks, temperature, response, bucketed,
		requests, durations)
	if withProcess {
		registry.MustRegister(collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	}

	for i := 1; i <= 10; i++ {
		upload.Observe(float64(i) - 0.5)
	}
	inProgress.Set(2)
	clicks.Add(42)
	temperature.Set(21.5)
	for _, v := range values {
		response.Observe(v)
		bucketed.Observe(v)
	}
	for i, s := range requestSeries {
		requests.WithLabelValues(s[0], s[1], s[2]).Add(float64(i + 1))
		durations.WithLabelValues(s[0], s[1]).Observe(values[i*4])
	}
	return registry
}

// scrape serves GET /metrics from promhttp with the given Accept header, in process, and checks
// that the format asked for is the one answered.
func scrape(b *testing.B, registry *prometheus.Registry, accept string, want string) {
	handler := promhttp.HandlerFor(registry, promhttp.HandlerOpts{EnableOpenMetrics: true})
	request := httptest.NewRequest(http.MethodGet, "/metrics", nil)
	request.Header.Set("Accept", accept)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		response := httptest.NewRecorder()
		handler.ServeHTTP(response, request)
		if !strings.HasPrefix(response.Header().Get("Content-Type"), want) {
			b.Fatalf("asked for %s, got %q", want, response.Header().Get("Content-Type"))
		}
	}
}

func BenchmarkScrapeText(b *testing.B) {
	scrape(b, tourRegistry(true), "text/plain", "text/plain")
}

// The process collector reads /proc on every scrape; the tour reuses a reading for a second.
func BenchmarkScrapeTextWithoutProcess(b *testing.B) {
	scrape(b, tourRegistry(false), "text/plain", "text/plain")
}

// Prometheus 2.42's Accept header, which ranks OpenMetrics first (client_golang 1.23 answers its
// version 1.0.0, 1.14 the version 0.0.1 it offers second).
func BenchmarkScrapeOpenMetrics(b *testing.B) {
	scrape(b, tourRegistry(true), "application/openmetrics-text;version=1.0.0,application/openmetrics-text;"+
		"version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1",
		"application/openmetrics-text")
}

// TestRegistryShape holds the mirror with benches/metrics.rs: the same families and series.
func TestRegistryShape(t *testing.T) {
	families, err := tourRegistry(true).Gather()
	if err != nil {
		t.Fatal(err)
	}
	series := map[string]int{}
	for _, f := range families {
		series[f.GetName()] = len(f.GetMetric())
	}
	for name, want := range map[string]int{
		"file_upload_duration_seconds": 1, "tour_response_seconds": 1,
		"http_requests_total": 16, "http_request_duration_seconds": 12,
		"process_cpu_seconds_total": 1,
	} {
		if series[name] != want {
			t.Errorf("%s: %d series, want %d", name, series[name], want)
		}
	}
}
