//! The value now beside each PromQL block a page shows, with `--prometheus`: what the class's
//! Prometheus answers to the query the learner is reading, fetched on the server through the gate
//! and the cap on queries in flight, as every other query the tour sends.
//!
//! The mistake it prevents: load on Prometheus that grows with the open tabs. Every tab refreshes
//! its page each second, and a page shows up to seven blocks; asked afresh each time, thirty tabs
//! would send thirty times the queries. So the answers are kept for [`FRESH_FOR`], shared by every
//! page and learner, and refreshed one page's worth at a time in one place of the cap: each query
//! reaches Prometheus about once a second however many tabs are open. The queries are the pages'
//! own constants, never a learner's, so at most [`MAX_KEPT`] answers are kept.

use std::{
    collections::HashMap,
    sync::Arc,
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use tokio::sync::Mutex;

use super::promql::value_line;
use crate::{promql::client::PrometheusApi, state::AppState};

/// How long an answer is shown before it is asked again: the pages' refresh.
pub const FRESH_FOR: Duration = Duration::from_secs(1);
/// The longest a page waits for its blocks' answers (the rest say so): the values beside the
/// lesson must not hold the lesson up, and a Prometheus near by answers each in milliseconds.
pub const BUDGET: Duration = Duration::from_millis(500);
/// The most answers kept: more than every block on every page (a test holds that), so the pages'
/// own queries never push each other out.
pub const MAX_KEPT: usize = 64;

/// The answers kept, shared by every page; one refresh at a time.
#[derive(Clone, Default)]
pub struct Blocks {
    kept: Arc<Mutex<HashMap<String, Kept>>>,
}

struct Kept {
    asked: Instant,
    line: String,
}

impl Blocks {
    /// The answer to each of `wanted`, after asking `api` again those not fresh: one at a time in one
    /// place of the cap, the tour's own (whoever's page asked), for at most [`BUDGET`]. A query
    /// another page asked meanwhile is not asked twice.
    pub async fn ask(
        &self,
        state: &AppState,
        api: &PrometheusApi,
        wanted: &[String],
    ) -> HashMap<String, String> {
        let deadline = tokio::time::Instant::now() + BUDGET;
        let not_in_time = |why: &str| -> HashMap<String, String> {
            wanted
                .iter()
                .map(|query| (query.clone(), format!("not asked: {why}")))
                .collect()
        };
        let Ok(mut kept) = tokio::time::timeout_at(deadline, self.kept.lock()).await else {
            return not_in_time("Prometheus is still answering another page's blocks");
        };
        let stale: Vec<&String> = wanted
            .iter()
            .filter(|query| {
                kept.get(*query)
                    .is_none_or(|k| k.asked.elapsed() >= FRESH_FOR)
            })
            .collect();
        let at = SystemTime::now();
        let seconds = at
            .duration_since(UNIX_EPOCH)
            .map_or(0.0, |d| d.as_secs_f64());
        let reservation = (!stale.is_empty()).then(|| api.reserve(None, 1));
        for query in stale {
            let line = match (&reservation, state.gate.check(query, at)) {
                (_, Err(refusal)) => refusal.to_string(),
                (None | Some(Err(_)), _) => "not asked: the class's queries fill the places the tour keeps in Prometheus; reload in a few seconds".to_owned(),
                (Some(Ok(reservation)), Ok(checked)) => {
                    match tokio::time::timeout_at(deadline, reservation.query(&checked, seconds)).await {
                        Ok(answer) => value_line(answer),
                        Err(_) => format!(
                            "Prometheus did not answer within the {} ms a page waits for its blocks",
                            BUDGET.as_millis()
                        ),
                    }
                }
            };
            keep(&mut kept, query, line);
        }
        wanted
            .iter()
            .filter_map(|query| Some((query.clone(), kept.get(query)?.line.clone())))
            .collect()
    }
}

/// Keeps `line` as `query`'s answer, making room by forgetting the oldest answer.
fn keep(kept: &mut HashMap<String, Kept>, query: &str, line: String) {
    if kept.len() >= MAX_KEPT && !kept.contains_key(query) {
        let oldest = kept
            .iter()
            .min_by_key(|(_, k)| k.asked)
            .map(|(query, _)| query.clone());
        if let Some(oldest) = oldest {
            kept.remove(&oldest);
        }
    }
    kept.insert(
        query.to_owned(),
        Kept {
            asked: Instant::now(),
            line,
        },
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_more_than_max_kept_answers_are_kept_and_the_newest_is_one() {
        let mut kept = HashMap::new();
        for n in 0..MAX_KEPT + 5 {
            keep(&mut kept, &format!("q{n}"), n.to_string());
        }
        assert_eq!(kept.len(), MAX_KEPT);
        assert!(kept.contains_key(&format!("q{}", MAX_KEPT + 4)));
    }
}
