//! Browser forms: a form sends its fields in the body, the routes read them from the query, as a
//! curl user writes them (`POST /counter?by=5`). This moves a small form body into the query, so the
//! tour's forms work with JavaScript off and the handlers keep one way of reading input.

use poem::{
    http::{StatusCode, Uri},
    Request,
};

use crate::error::{plain_text, query_pairs};

/// The largest form body accepted; the tour's forms send one short field.
const FORM_LIMIT: usize = 4096;

/// For a `application/x-www-form-urlencoded` request, appends the body's non-empty fields to the
/// query (a field already in the query wins, being first) and leaves the body empty.
pub async fn fields_into_query(mut req: Request) -> poem::Result<Request> {
    let is_form = req
        .content_type()
        .is_some_and(|kind| kind.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return Ok(req);
    }
    let body = req
        .take_body()
        .into_bytes_limit(FORM_LIMIT)
        .await
        .map_err(|_| too_large())?;
    let body = String::from_utf8_lossy(&body);
    let mut query: Vec<&str> = req.uri().query().into_iter().collect();
    // An empty field means "not given": a cleared `by` box adds 1, as a bare `POST /counter` does.
    query.extend(
        body.split('&').filter(|pair| {
            query_pairs(pair).all(|(key, value)| !key.is_empty() && !value.is_empty())
        }),
    );
    let target = format!("{}?{}", req.uri().path(), query.join("&"));
    let uri: Uri = target.parse().map_err(|_| {
        poem::Error::from_response(plain_text(
            StatusCode::BAD_REQUEST,
            "the form's fields could not be read; send them as ?name=value",
        ))
    })?;
    *req.uri_mut() = uri;
    Ok(req)
}

fn too_large() -> poem::Error {
    poem::Error::from_response(plain_text(
        StatusCode::PAYLOAD_TOO_LARGE,
        format!("a form body may be at most {FORM_LIMIT} bytes; the tour's forms send one number"),
    ))
}
