//! `GET /tour/promql` and `GET /promql`: one query explained as a tree, with its warnings, as a page
//! (a form that works with JavaScript off) and as plain text for curl.
//!
//! The handlers only parse and read: the tree and the lints come from [`crate::promql`], the
//! metric kinds from the tour's own registry, so a lint about a gauge knows which names are gauges.

use poem::{handler, http::StatusCode, web::Data, Body, Request, Response};

use crate::{
    http::{
        bad_input::{plain_text, shown, BadInput},
        params::Params,
        reply,
    },
    promql::{
        self,
        explain::{explain, Node},
        lint::{lint, Kinds, Lint, ScrapeInterval},
    },
    state::AppState,
    templates,
};

/// What a page or a reply shows of one query: its tree and its warnings, or why it was not read.
pub struct Explained {
    pub query: String,
    pub reading: Result<(Vec<Node>, Vec<Lint>), String>,
}

/// Reads `query` and explains it against the tour's own metric kinds.
pub fn explained(state: &AppState, query: &str) -> Explained {
    let kinds = Kinds::of(&state.metrics.registry.gather());
    let reading = promql::parse(query).map(|expr| {
        (
            explain(&expr),
            lint(&expr, &kinds, ScrapeInterval::default()),
        )
    });
    Explained {
        query: query.to_owned(),
        reading,
    }
}

async fn query_of(req: &Request, body: Body) -> Result<Option<String>, BadInput> {
    let params = Params::read(req, body).await?;
    Ok(params.text("query").map(str::to_owned))
}

/// The query the page explains before a learner types one: a mistake, so its warning shows too.
pub const EXAMPLE: &str =
    "histogram_quantile(0.9, sum(rate(file_upload_duration_seconds_bucket{job=\"tour\"}[5m])))";

/// `GET /tour/promql?query=Q`: the page, with a form to type a query ([`EXAMPLE`] without one).
#[handler]
pub async fn page(req: &Request, body: Body, Data(state): Data<&AppState>) -> Response {
    match query_of(req, body).await {
        Ok(query) => {
            let explained = explained(state, query.as_deref().unwrap_or(EXAMPLE));
            super::html(templates::promql::page(&explained))
        }
        Err(bad) => poem::IntoResponse::into_response(bad),
    }
}

/// `GET /promql?query=Q`: the tree in plain text, one node a line indented two spaces per depth,
/// then each warning on a line starting `warning: `.
#[handler]
pub async fn plain(req: &Request, body: Body, Data(state): Data<&AppState>) -> Response {
    let query = match query_of(req, body).await {
        Ok(Some(query)) => query,
        Ok(None) => {
            return plain_text(
                StatusCode::BAD_REQUEST,
                "give a query: GET /promql?query=rate(tour_clicks_total[1m]) (URL-encoded, as curl --data-urlencode does with -G)",
            )
        }
        Err(bad) => return poem::IntoResponse::into_response(bad),
    };
    match explained(state, &query).reading {
        Ok((nodes, lints)) => reply::lines(text(&nodes, &lints)),
        Err(why) => plain_text(StatusCode::BAD_REQUEST, format!("{why}: {}", shown(&query))),
    }
}

/// The plain-text form of a tree and its warnings.
pub fn text(nodes: &[Node], lints: &[Lint]) -> String {
    let mut out = String::new();
    for node in nodes {
        out.push_str(&format!(
            "{}{}  [{}] {}; labels: {}\n",
            "  ".repeat(node.depth),
            node.promql,
            node.returns.words(),
            node.does,
            node.labels
        ));
    }
    for lint in lints {
        out.push_str(&format!(
            "warning: {} (see {})\n",
            lint.message, lint.lesson
        ));
    }
    out
}
