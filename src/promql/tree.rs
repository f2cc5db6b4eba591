//! `GET /promql?query=Q`: a query as the tree promql-parser reads, in plain text, one node a line,
//! indented two spaces per depth, each with what it returns; then whether the gate would send it.
//! Nothing is sent to Prometheus here.

use std::time::SystemTime;

use poem::{handler, http::StatusCode, web::Data, Body, Request, Response};
use promql_parser::{
    parser::{value::ValueType, Expr},
    util::display_duration,
};

use super::gate;
use crate::{
    http::{
        bad_input::{plain_text, BadInput},
        params::Params,
        reply,
    },
    state::AppState,
};

/// `GET /promql?query=Q`: the tree, or a one-line 400 when `query` is missing or does not parse.
#[handler]
pub async fn plain(
    req: &Request,
    body: Body,
    Data(state): Data<&AppState>,
) -> Result<Response, BadInput> {
    let params = Params::read(req, body).await?;
    let Some(query) = params
        .text("query")
        .filter(|query| !query.trim().is_empty())
    else {
        return Err(BadInput::Parameter(
            "query is missing; send one, for example curl 'http://localhost:5000/promql?query=rate(tour_clicks_total[5m])'".to_owned(),
        ));
    };
    let tree = match gate::parse(query) {
        Ok(tree) => tree,
        Err(refusal) => return Ok(plain_text(StatusCode::BAD_REQUEST, refusal.to_string())),
    };
    let mut text = lines(&tree);
    text.push_str(&match state.gate.check(query, SystemTime::now()) {
        Ok(_) => {
            "the gate passes it: it reads only the tour's series, at a cost Prometheus bears\n"
                .to_owned()
        }
        Err(refusal) => format!("{refusal}\n"),
    });
    Ok(reply::lines(text))
}

/// The tree, one node a line, indented two spaces per depth.
pub fn lines(tree: &Expr) -> String {
    let mut text = String::new();
    push(&mut text, tree, 0);
    text
}

/// Every node of the tree, the root first, each before its children.
pub fn nodes(tree: &Expr) -> Vec<&Expr> {
    let mut all = vec![tree];
    for child in node(tree).1 {
        all.extend(nodes(child));
    }
    all
}

fn push(text: &mut String, expr: &Expr, depth: usize) {
    let (node, children) = node(expr);
    text.push_str(&"  ".repeat(depth));
    text.push_str(&node);
    text.push_str(": ");
    text.push_str(returns(expr.value_type()));
    text.push('\n');
    for child in children {
        push(text, child, depth + 1);
    }
}

/// A node's own part of the query (its children written `...`), and its children.
fn node(expr: &Expr) -> (String, Vec<&Expr>) {
    match expr {
        Expr::Aggregate(aggregate) => {
            let grouping = aggregate
                .modifier
                .as_ref()
                .map(|modifier| {
                    let labels = modifier.labels().to_string();
                    if modifier.is_include() {
                        format!(" by ({labels})")
                    } else {
                        format!(" without ({labels})")
                    }
                })
                .unwrap_or_default();
            let mut children: Vec<&Expr> = aggregate.param.iter().map(AsRef::as_ref).collect();
            children.push(&aggregate.expr);
            let arguments = if aggregate.param.is_some() {
                "..., ..."
            } else {
                "..."
            };
            (
                format!("{}{grouping} ({arguments})", aggregate.op),
                children,
            )
        }
        Expr::Unary(unary) => ("-...".to_owned(), vec![&unary.expr]),
        Expr::Binary(binary) => {
            let modifier = binary
                .modifier
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default();
            (
                format!("... {}{modifier} ...", binary.op),
                vec![&binary.lhs, &binary.rhs],
            )
        }
        Expr::Paren(paren) => ("(...)".to_owned(), vec![&paren.expr]),
        Expr::Subquery(subquery) => {
            let step = subquery
                .step
                .as_ref()
                .map(display_duration)
                .unwrap_or_default();
            let mut node = format!("...[{}:{step}]", display_duration(&subquery.range));
            if let Some(at) = &subquery.at {
                node.push_str(&format!(" {at}"));
            }
            if let Some(offset) = &subquery.offset {
                node.push_str(&format!(" offset {offset}"));
            }
            (node, vec![&subquery.expr])
        }
        Expr::Call(call) => {
            let arguments = vec!["..."; call.args.len()].join(", ");
            (
                format!("{}({arguments})", call.func.name),
                call.args.args.iter().map(AsRef::as_ref).collect(),
            )
        }
        Expr::Extension(extension) => (extension.expr.name().to_owned(), Vec::new()),
        leaf => (leaf.to_string(), Vec::new()),
    }
}

/// What a node returns, in the words of Prometheus' documentation.
fn returns(kind: ValueType) -> &'static str {
    match kind {
        ValueType::Vector => "instant vector",
        ValueType::Matrix => "range vector",
        ValueType::Scalar => "scalar",
        ValueType::String => "string",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use promql_parser::parser;

    #[test]
    fn each_node_is_a_line_indented_by_its_depth_with_what_it_returns() {
        let tree = parser::parse(
            "histogram_quantile(0.9, sum by (le) (rate(file_upload_duration_seconds_bucket{job=\"tour\"}[5m])))",
        )
        .unwrap();
        assert_eq!(
            lines(&tree),
            "histogram_quantile(..., ...): instant vector\n\
             \x20 0.9: scalar\n\
             \x20 sum by (le) (...): instant vector\n\
             \x20   rate(...): instant vector\n\
             \x20     file_upload_duration_seconds_bucket{job=\"tour\"}[5m]: range vector\n"
        );
    }

    #[test]
    fn operators_subqueries_and_parameters_keep_their_own_words() {
        let tree = parser::parse(
            "topk(3, max_over_time(up[10m:1m]) / on (instance) group_left up offset 5m)",
        )
        .unwrap();
        let text = lines(&tree);
        for line in [
            "topk (..., ...): instant vector",
            "  3: scalar",
            "  ... / on (instance) group_left () ...: instant vector",
            "      ...[10m:1m]: range vector",
            "    up offset 5m: instant vector",
        ] {
            assert!(text.lines().any(|l| l == line), "{line:?} in\n{text}");
        }
    }
}
