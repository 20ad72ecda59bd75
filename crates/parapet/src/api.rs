//! The admin API's answers, shared by every module that serves part of it: JSON bodies and
//! the one way a failed store query is reported (logged, then a bare 500 that names no
//! detail).

use http::header::{HeaderValue, CONTENT_TYPE};
use http::{Response, StatusCode};
use parapet_gateway::body;

/// `value` as an `application/json` answer with `code`.
pub fn json(code: StatusCode, value: &impl serde::Serialize) -> Response<body::Body> {
    let bytes = serde_json::to_vec(value).unwrap_or_else(|_| b"{}".to_vec());
    let mut r = Response::new(body::full(bytes));
    *r.status_mut() = code;
    r.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    r
}

/// A store query's result as an answer: 200 with the value, or 500 after logging why.
pub fn answer<T: serde::Serialize>(result: parapet_store::Result<T>) -> Response<body::Body> {
    match result {
        Ok(v) => json(StatusCode::OK, &v),
        Err(e) => {
            tracing::error!(error = %e, "admin API query failed");
            json(
                StatusCode::INTERNAL_SERVER_ERROR,
                &serde_json::json!({"error": "store error"}),
            )
        }
    }
}
