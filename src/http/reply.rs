//! How a mutating route answers: plain text for curl, a `303 See Other` back to the page for a browser form.
//!
//! The redirect after a POST keeps a reload from posting the form again.

use poem::{
    http::{header, StatusCode, Uri},
    Request, Response,
};

use crate::http::{bad_input::plain_text, negotiation::quality};

/// Answers a successful update: `message` as text, or a redirect to the page the form was on.
pub fn updated(req: &Request, message: String) -> Response {
    if prefers_html(req) {
        Response::builder()
            .status(StatusCode::SEE_OTHER)
            .header(header::LOCATION, back_to(req))
            .finish()
    } else {
        plain_text(StatusCode::OK, message)
    }
}

/// True when the `Accept` header ranks `text/html` above plain text, as a browser's does.
pub fn prefers_html(req: &Request) -> bool {
    let accept = req.header(header::ACCEPT).unwrap_or("");
    let html = quality(accept, "text/html", &[]).unwrap_or(-1.0);
    html > quality(accept, "text/plain", &[]).unwrap_or(0.0)
}

/// The path of the page that sent the form, from `Referer`; never another site, so no open redirect.
/// Only a plain path on this server is kept: one that could name a host (`//host`, or `/\host`,
/// which some URL parsers read as `//host`) sends the browser to `/` instead.
fn back_to(req: &Request) -> String {
    req.header(header::REFERER)
        .and_then(|referer| referer.parse::<Uri>().ok())
        .and_then(|uri| uri.path_and_query().map(|p| p.as_str().to_owned()))
        .filter(|path| path.starts_with('/') && !path.starts_with("//") && !path.contains('\\'))
        .unwrap_or_else(|| "/".to_owned())
}

/// Several lines of the tour's own plain text, as written, ending in a line break as every message
/// of the tour does (a refusal, which may quote what a client sent, goes through the one-line
/// [`plain_text`] instead).
pub fn lines(mut text: String) -> Response {
    if !text.ends_with('\n') {
        text.push('\n');
    }
    Response::builder()
        .status(StatusCode::OK)
        .content_type("text/plain; charset=utf-8")
        .body(text)
}
