//! The bucket designer: try a histogram's bucket edges on the tour's own observations before
//! writing them into code.
//!
//! **What it is.** The exact values the tour keeps (the uploads' durations, the response times)
//! replayed into edges a learner proposes: `?edges=1,2,5,10`, `?linear=start,width,count`,
//! `?exponential=start,factor,count`, or a native histogram's `?schema=N`. For p50, p90 and p99 it
//! shows what `histogram_quantile` would answer from those buckets, the exact quantile, and the
//! error between them; and what the buckets cost in series, per instance and across a fleet.
//!
//! **How it differs from the histogram lesson.** That lesson shows one choice, the seed's
//! one-second edges, on live buckets. Here nothing is recorded: the same observations are counted
//! again into any edges, so two choices can be compared on the same data. Nothing a learner sends
//! is kept, and nothing becomes a label.
//!
//! **Typical use.** Before choosing buckets: put an edge where a question will be asked (an SLO's
//! threshold), more edges where the quantiles lie, and few enough that series times instances stays
//! affordable; or see how a native schema's edges, which nobody chooses, do on the same values.
//!
//! **How to make one.** `HistogramOpts::new(name, help).buckets(vec![1.0, 2.0, 5.0, 10.0])`, or with
//! the `prometheus` crate's generators `linear_buckets(start, width, count)` and
//! `exponential_buckets(start, factor, count)`, the very functions `?linear=` and `?exponential=`
//! call here.

use poem::{handler, web::Data, Body, Request, Response};

use crate::{
    http::{
        bad_input::{shown, BadInput},
        params::Params,
        reply,
    },
    lessons::histogram::exact_quantile,
    native_histogram::{
        index::{upper_edge, MAX_SCHEMA, MIN_SCHEMA},
        quantile::histogram_quantile,
        NativeSnapshot,
    },
    state::{AppState, UPLOAD_BUCKETS},
    templates,
    tour::snapshot::HistogramData,
};

/// The quantiles the designer estimates.
pub const QUANTILES: [f64; 3] = [0.5, 0.9, 0.99];

/// The most edges a proposal may have: every edge is a series on every instance.
pub const MAX_EDGES: usize = 40;

/// The largest fleet the cost is worked out for.
pub const MAX_INSTANCES: u64 = 100_000;

/// `GET /tour/buckets`: the designer's page.
#[handler]
pub async fn page(
    req: &Request,
    body: Body,
    Data(state): Data<&AppState>,
) -> Result<Response, BadInput> {
    let design = Design::of(state, &Params::read(req, body).await?)?;
    let origin = crate::tour::origin(req);
    Ok(crate::tour::html(templates::buckets::page(
        &design, &origin,
    )))
}

/// `GET /buckets`: the same in plain text, one quantile a line, then the cost.
#[handler]
pub async fn plain(
    req: &Request,
    body: Body,
    Data(state): Data<&AppState>,
) -> Result<Response, BadInput> {
    let design = Design::of(state, &Params::read(req, body).await?)?;
    Ok(reply::lines(templates::buckets::text(&design)))
}

/// Which of the tour's kept observations are replayed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Observed {
    /// The durations of the last uploads (`file_upload_duration_seconds`).
    Uploads,
    /// The response times of `POST /summary` (`tour_response_seconds` and its histograms).
    Responses,
}

impl Observed {
    /// The value of `?observations=` that picks it.
    pub fn param(self) -> &'static str {
        match self {
            Observed::Uploads => "uploads",
            Observed::Responses => "responses",
        }
    }

    /// The edges the tour's own histogram of these observations has: where the designer starts.
    pub fn own_edges(self) -> Vec<f64> {
        match self {
            Observed::Uploads => UPLOAD_BUCKETS.to_vec(),
            Observed::Responses => prometheus::DEFAULT_BUCKETS.to_vec(),
        }
    }
}

/// The buckets proposed: classic upper edges, or a native histogram's schema.
#[derive(Debug, Clone, PartialEq)]
pub enum Buckets {
    /// Finite upper edges, strictly increasing; the `+Inf` bucket is implied.
    Classic(Vec<f64>),
    /// Exponential buckets of this schema, `2^schema` per power of two.
    Native { schema: i32 },
}

/// A proposal as the learner wrote it, and the buckets it means.
#[derive(Debug, Clone, PartialEq)]
pub struct Proposal {
    /// The parameter it came in (`edges`, `linear`, `exponential`, `schema`), and its text, so a
    /// form can send it again.
    pub param: &'static str,
    pub text: String,
    pub buckets: Buckets,
}

impl Proposal {
    /// Reads the one proposal among `edges`, `linear`, `exponential` and `schema` (an empty field
    /// counts as absent, as a GET form sends them); none gives `own` as a list of edges.
    pub fn from_params(params: &Params, own: &[f64]) -> Result<Proposal, BadInput> {
        let given: Vec<(&'static str, &str)> = ["edges", "linear", "exponential", "schema"]
            .into_iter()
            .filter_map(|name| Some((name, params.text(name)?.trim())))
            .filter(|(_, text)| !text.is_empty())
            .collect();
        let (param, text) = match given[..] {
            [] => {
                let text = own.iter().map(f64::to_string).collect::<Vec<_>>();
                return Ok(Proposal {
                    param: "edges",
                    text: text.join(","),
                    buckets: Buckets::Classic(own.to_vec()),
                });
            }
            [one] => one,
            _ => {
                return Err(BadInput::Parameter(
                    "give one of edges, linear, exponential or schema, not several".to_owned(),
                ))
            }
        };
        let buckets = match param {
            "edges" => Buckets::Classic(edges(text)?),
            "linear" => Buckets::Classic(linear(text)?),
            "exponential" => Buckets::Classic(exponential(text)?),
            _ => Buckets::Native {
                schema: schema(text)?,
            },
        };
        Ok(Proposal {
            param,
            text: text.to_owned(),
            buckets,
        })
    }
}

/// `edges=1,2,5,10`: up to [`MAX_EDGES`] finite numbers, strictly increasing.
pub fn edges(text: &str) -> Result<Vec<f64>, BadInput> {
    let accepted = format!(
        "send up to {MAX_EDGES} finite upper edges, strictly increasing, separated by commas, like edges=1,2,5,10"
    );
    let refuse =
        |why: String| BadInput::Parameter(format!("edges={} {why}; {accepted}", shown(text)));
    if text.split(',').count() > MAX_EDGES {
        return Err(refuse(format!(
            "has more than {MAX_EDGES} edges (each is a series on every instance)"
        )));
    }
    let edges = text
        .split(',')
        .map(|edge| match edge.trim().parse::<f64>() {
            Ok(edge) if edge.is_finite() => Ok(edge),
            _ => Err(refuse(format!(
                "has {}, which is not a finite number",
                shown(edge.trim())
            ))),
        })
        .collect::<Result<Vec<_>, _>>()?;
    increasing(&edges).map_err(refuse)?;
    Ok(edges)
}

/// `linear=start,width,count`: `count` edges `width` apart from `start`, by the `prometheus`
/// crate's `linear_buckets`.
pub fn linear(text: &str) -> Result<Vec<f64>, BadInput> {
    generated(
        "linear",
        text,
        "start,width,count like linear=1,1,10 (width above 0)",
        |start, width, count| prometheus::linear_buckets(start, width, count).ok(),
    )
}

/// `exponential=start,factor,count`: `count` edges from `start`, each `factor` times the one
/// before, by the `prometheus` crate's `exponential_buckets`.
pub fn exponential(text: &str) -> Result<Vec<f64>, BadInput> {
    generated(
        "exponential",
        text,
        "start,factor,count like exponential=0.25,2,8 (start above 0, factor above 1)",
        |start, factor, count| prometheus::exponential_buckets(start, factor, count).ok(),
    )
}

/// Reads `a,b,count` and makes the edges with `make`, which answers `None` for parameters it
/// refuses; the edges must then pass the same checks as a list.
fn generated(
    name: &str,
    text: &str,
    form: &str,
    make: impl Fn(f64, f64, usize) -> Option<Vec<f64>>,
) -> Result<Vec<f64>, BadInput> {
    let refuse = |why: &str| {
        BadInput::Parameter(format!(
            "{name}={} {why}; send {form}, count from 1 to {MAX_EDGES}",
            shown(text)
        ))
    };
    let parts: Vec<&str> = text.split(',').map(str::trim).collect();
    let [a, b, count] = parts[..] else {
        return Err(refuse("is not three numbers"));
    };
    let number = |part: &str| part.parse::<f64>().ok().filter(|n| n.is_finite());
    let (Some(a), Some(b)) = (number(a), number(b)) else {
        return Err(refuse("has a part that is not a finite number"));
    };
    let count = match count.parse::<usize>() {
        Ok(count) if (1..=MAX_EDGES).contains(&count) => count,
        _ => {
            return Err(refuse(
                "has a count that is not a whole number from 1 to 40",
            ))
        }
    };
    let edges = make(a, b, count).ok_or_else(|| {
        refuse(&format!(
            "is refused by the prometheus crate's {name}_buckets"
        ))
    })?;
    increasing(&edges).map_err(|why| refuse(&format!("makes edges that {why}")))?;
    Ok(edges)
}

/// Checks that generated or listed edges are finite and strictly increasing.
fn increasing(edges: &[f64]) -> Result<(), String> {
    if let Some(edge) = edges.iter().find(|edge| !edge.is_finite()) {
        return Err(format!("reach {edge}, past the largest float"));
    }
    match edges.windows(2).find(|pair| pair[1] <= pair[0]) {
        Some(pair) => Err(format!(
            "are not strictly increasing ({} then {})",
            pair[0], pair[1]
        )),
        None => Ok(()),
    }
}

/// `schema=N`: a whole number from -4 to 8, as Prometheus accepts.
pub fn schema(text: &str) -> Result<i32, BadInput> {
    match text.parse::<i32>() {
        Ok(schema) if (MIN_SCHEMA..=MAX_SCHEMA).contains(&schema) => Ok(schema),
        _ => Err(BadInput::Parameter(format!(
            "schema={} is not a native histogram schema; send a whole number from {MIN_SCHEMA} to {MAX_SCHEMA}, like schema=3 (2^schema buckets per power of two)",
            shown(text)
        ))),
    }
}

/// One quantile's answers: Prometheus' estimate from the proposed buckets, and the exact value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Answer {
    pub q: f64,
    pub estimate: f64,
    pub exact: f64,
}

impl Answer {
    /// The estimate's error against the exact value, in percent; `None` when the exact value is 0
    /// or either is not a number.
    pub fn error_percent(&self) -> Option<f64> {
        let error = (self.estimate - self.exact) / self.exact * 100.0;
        (self.exact != 0.0 && error.is_finite()).then_some(error)
    }
}

/// One bucket as the chart draws it: `(lower, upper]` and how many observations it holds. A classic
/// histogram's first bucket starts at `-Inf` and its last ends at `+Inf`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bucket {
    pub lower: f64,
    pub upper: f64,
    pub count: u64,
}

/// Everything the designer's views show: plain data, read from the kept observations once.
#[derive(Debug, Clone, PartialEq)]
pub struct Design {
    pub observed: Observed,
    pub proposal: Proposal,
    /// The observations replayed, in increasing order.
    pub values: Vec<f64>,
    /// How many observations of this kind the tour keeps at most.
    pub capacity: usize,
    /// Every classic bucket, `+Inf` last, or the populated native buckets.
    pub buckets: Vec<Bucket>,
    /// p50, p90, p99; empty with no observations.
    pub answers: Vec<Answer>,
    /// The fleet the cost is worked out for.
    pub instances: u64,
}

impl Design {
    /// Reads the request's proposal, `observations` and `instances`, and replays the kept values.
    pub fn of(state: &AppState, params: &Params) -> Result<Design, BadInput> {
        let observed = match params.text("observations").map(str::trim) {
            None | Some("") | Some("uploads") => Observed::Uploads,
            Some("responses") => Observed::Responses,
            Some(other) => {
                return Err(BadInput::Parameter(format!(
                    "observations={} is not kept here; send observations=uploads or observations=responses",
                    shown(other)
                )))
            }
        };
        let instances = match params.text("instances").map(str::trim) {
            None | Some("") => 1,
            Some(text) => match text.parse::<u64>() {
                Ok(n) if (1..=MAX_INSTANCES).contains(&n) => n,
                _ => {
                    return Err(BadInput::Parameter(format!(
                        "instances={} is not a fleet size; send a whole number from 1 to {MAX_INSTANCES}, like instances=20",
                        shown(text)
                    )))
                }
            },
        };
        let proposal = Proposal::from_params(params, &observed.own_edges())?;
        let kept = match observed {
            Observed::Uploads => &state.kept_uploads,
            Observed::Responses => &state.kept_responses,
        };
        let zero_threshold = state.metrics.response_native.snapshot().zero_threshold;
        Ok(Design::replay(
            observed,
            proposal,
            kept.values(),
            kept.capacity(),
            zero_threshold,
            instances,
        ))
    }

    /// Counts `values` into the proposal's buckets and asks them for each quantile.
    pub fn replay(
        observed: Observed,
        proposal: Proposal,
        mut values: Vec<f64>,
        capacity: usize,
        zero_threshold: f64,
        instances: u64,
    ) -> Design {
        values.retain(|v| v.is_finite());
        values.sort_by(f64::total_cmp);
        let (buckets, estimate): (Vec<Bucket>, Box<dyn Fn(f64) -> f64>) = match &proposal.buckets {
            Buckets::Classic(edges) => {
                let histogram = HistogramData::replay(edges, &values);
                let buckets = histogram
                    .per_bucket()
                    .into_iter()
                    .enumerate()
                    .map(|(slot, (lower, upper, count))| Bucket {
                        lower: if slot == 0 { f64::NEG_INFINITY } else { lower },
                        upper,
                        count,
                    })
                    .collect();
                (
                    buckets,
                    Box::new(move |q| histogram.estimate(q).map_or(f64::NAN, |e| e.value)),
                )
            }
            Buckets::Native { schema } => {
                let native = NativeSnapshot::replay(*schema, zero_threshold, &values);
                let schema = *schema;
                let zero = (native.zero_count > 0).then_some(Bucket {
                    lower: -zero_threshold,
                    upper: zero_threshold,
                    count: native.zero_count,
                });
                let buckets = zero
                    .into_iter()
                    .chain(native.positive.iter().map(|&(index, count)| Bucket {
                        lower: upper_edge(index - 1, schema),
                        upper: upper_edge(index, schema),
                        count,
                    }))
                    .collect();
                (buckets, Box::new(move |q| histogram_quantile(q, &native)))
            }
        };
        let answers = if values.is_empty() {
            Vec::new()
        } else {
            QUANTILES
                .iter()
                .map(|&q| Answer {
                    q,
                    estimate: estimate(q),
                    exact: exact_quantile(&values, q).unwrap_or(f64::NAN),
                })
                .collect()
        };
        Design {
            observed,
            proposal,
            values,
            capacity,
            buckets,
            answers,
            instances,
        }
    }

    /// The series one instance's histogram costs in Prometheus, scraped as 3 and 2.42 scrape the
    /// tour (OpenMetrics for classic buckets, protobuf for native ones): a classic histogram's
    /// buckets, `+Inf`, `_sum`, `_count` and `_created`; a native histogram's one series.
    pub fn series_per_instance(&self) -> u64 {
        match &self.proposal.buckets {
            Buckets::Classic(edges) => edges.len() as u64 + 4,
            Buckets::Native { .. } => 1,
        }
    }

    /// The series one instance costs when Prometheus 3 stores classic buckets as a native histogram
    /// with custom buckets (`convert_classic_histograms_to_nhcb`): one, whatever the edges, as the
    /// tests see Prometheus 3.5 store the tour's histogram.
    pub const SERIES_AS_NHCB: u64 = 1;

    /// The same across the fleet.
    pub fn series_in_fleet(&self) -> u64 {
        self.series_per_instance() * self.instances
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(result: Result<Vec<f64>, BadInput>) -> String {
        match result {
            Err(BadInput::Parameter(message)) => message,
            other => panic!("not refused: {other:?}"),
        }
    }

    #[test]
    fn a_list_of_edges_is_read_in_order() {
        assert_eq!(edges("1,2,5,10").unwrap(), [1.0, 2.0, 5.0, 10.0]);
        assert_eq!(edges(" 0.005, 0.01 ,1e-1").unwrap(), [0.005, 0.01, 0.1]);
        assert_eq!(edges("-1,0,1").unwrap(), [-1.0, 0.0, 1.0]);
    }

    #[test]
    fn edges_out_of_order_repeated_not_finite_or_too_many_are_refused_saying_what_is_accepted() {
        for bad in ["2,1", "1,1", "1,NaN", "1,inf", "1e999", "1,,2", "one", ""] {
            let message = refused(edges(bad));
            assert!(message.contains("like edges=1,2,5,10"), "{bad}: {message}");
            assert!(!message.contains('\n'));
        }
        let many = (1..=41)
            .map(|i| i.to_string())
            .collect::<Vec<_>>()
            .join(",");
        assert!(refused(edges(&many)).contains("more than 40 edges"));
        assert_eq!(edges(&many[..many.rfind(',').unwrap()]).unwrap().len(), 40);
    }

    #[test]
    fn linear_edges_start_at_start_and_step_by_width() {
        assert_eq!(linear("1,1,10").unwrap(), UPLOAD_BUCKETS);
        assert_eq!(linear("0.5, 0.25, 3").unwrap(), [0.5, 0.75, 1.0]);
        for bad in [
            "1,0,10",
            "1,-1,3",
            "1,1,0",
            "1,1,41",
            "1,1,2.5",
            "1,1",
            "1,x,3",
            "1e308,1e308,3",
        ] {
            assert!(refused(linear(bad)).contains("like linear=1,1,10"), "{bad}");
        }
        // Steps lost to rounding leave two equal edges: refused, not sent as one.
        assert!(refused(linear("1e20,1,3")).contains("not strictly increasing"));
    }

    #[test]
    fn exponential_edges_multiply_by_factor() {
        assert_eq!(exponential("0.25,2,4").unwrap(), [0.25, 0.5, 1.0, 2.0]);
        for bad in [
            "0,2,4",
            "-1,2,4",
            "1,1,4",
            "1,0.5,4",
            "1,2,0",
            "1e300,1e10,3",
        ] {
            assert!(
                refused(exponential(bad)).contains("like exponential=0.25,2,8"),
                "{bad}"
            );
        }
    }

    #[test]
    fn a_schema_is_a_whole_number_prometheus_accepts() {
        assert_eq!(schema("-4").unwrap(), -4);
        assert_eq!(schema("8").unwrap(), 8);
        for bad in ["9", "-5", "3.5", "x", ""] {
            assert!(schema(bad).is_err(), "{bad}");
        }
    }

    fn design(buckets: Buckets, values: &[f64]) -> Design {
        let proposal = Proposal {
            param: "edges",
            text: String::new(),
            buckets,
        };
        Design::replay(
            Observed::Uploads,
            proposal,
            values.to_vec(),
            1000,
            2f64.powi(-24),
            3,
        )
    }

    #[test]
    fn the_estimate_interpolates_in_the_bucket_and_the_error_is_against_the_exact_value() {
        // Ten values 0.1 .. 1.0 in two buckets; p50's rank 5 is the last of (0, 0.5].
        let values: Vec<f64> = (1..=10).map(|i| i as f64 / 10.0).collect();
        let d = design(Buckets::Classic(vec![0.5, 2.0]), &values);
        let p50 = d.answers[0];
        assert_eq!((p50.estimate, p50.exact), (0.5, 0.5));
        // p90's rank 9 is the 4th of 5 in (0.5, 2]: 0.5 + 1.5 × 4/5 = 1.7, against 0.9.
        let p90 = d.answers[1];
        assert!((p90.estimate - 1.7).abs() < 1e-12, "{p90:?}");
        assert!((p90.error_percent().unwrap() - 88.888).abs() < 0.01);
        assert_eq!(d.buckets.last().unwrap().upper, f64::INFINITY);
        assert_eq!(d.series_per_instance(), 2 + 4);
        assert_eq!(d.series_in_fleet(), 18);
    }

    #[test]
    fn a_rank_past_the_last_edge_answers_that_edge_and_a_lowest_edge_at_or_below_zero_answers_itself(
    ) {
        let d = design(Buckets::Classic(vec![1.0]), &[0.5, 3.0, 4.0]);
        assert_eq!(d.answers[1].estimate, 1.0, "p90 lies in +Inf");
        let d = design(Buckets::Classic(vec![0.0, 10.0]), &[0.0, 0.0, 0.0, 5.0]);
        assert_eq!(d.answers[0].estimate, 0.0, "p50 lies in (-Inf, 0]");
        let d = design(Buckets::Classic(vec![-1.0, 10.0]), &[-2.0, -2.0, -2.0, 5.0]);
        assert_eq!(d.answers[0].estimate, -1.0);
    }

    #[test]
    fn a_native_schema_counts_each_value_in_its_exponential_bucket_at_one_series() {
        let d = design(Buckets::Native { schema: 0 }, &[1.5, 3.0, 3.5, 0.0]);
        let buckets: Vec<_> = d
            .buckets
            .iter()
            .map(|b| (b.lower, b.upper, b.count))
            .collect();
        assert_eq!(buckets[1..], [(1.0, 2.0, 1), (2.0, 4.0, 2)]);
        assert_eq!(buckets[0].2, 1, "0 is in the zero bucket");
        let p90 = d.answers[1].estimate;
        assert!((2.0..=4.0).contains(&p90), "{p90}");
        assert_eq!(d.series_per_instance(), 1);
    }

    #[test]
    fn no_observations_give_no_answers() {
        assert!(design(Buckets::Classic(vec![1.0]), &[]).answers.is_empty());
    }
}
