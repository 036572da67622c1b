//! Errors as RFC 9457 `application/problem+json`: a status, a short title and a detail that
//! says what went wrong in the caller's terms. Internal failures are logged in full and answered
//! with a generic detail: never a stack trace, an internal path or a library's message.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

pub const CONTENT_TYPE: &str = "application/problem+json";

/// One error answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub status: StatusCode,
    pub title: &'static str,
    pub detail: String,
    /// Seconds before trying again (503).
    pub retry_after: Option<u64>,
}

impl Problem {
    pub fn new(status: StatusCode, title: &'static str, detail: impl Into<String>) -> Self {
        Problem {
            status,
            title,
            detail: detail.into(),
            retry_after: None,
        }
    }

    pub fn bad_request(detail: impl Into<String>) -> Self {
        Problem::new(StatusCode::BAD_REQUEST, "Bad request", detail)
    }

    pub fn not_found(detail: impl Into<String>) -> Self {
        Problem::new(StatusCode::NOT_FOUND, "Not found", detail)
    }

    /// No token, where one is needed (answered with `WWW-Authenticate: Bearer`).
    pub fn unauthorized(detail: impl Into<String>) -> Self {
        Problem::new(StatusCode::UNAUTHORIZED, "Unauthorized", detail)
    }

    pub fn forbidden(detail: impl Into<String>) -> Self {
        Problem::new(StatusCode::FORBIDDEN, "Forbidden", detail)
    }

    pub fn not_acceptable(detail: impl Into<String>) -> Self {
        Problem::new(StatusCode::NOT_ACCEPTABLE, "Not acceptable", detail)
    }

    /// The server is at its limit: try again after `seconds`.
    pub fn busy(detail: impl Into<String>, seconds: u64) -> Self {
        Problem {
            retry_after: Some(seconds),
            ..Problem::new(StatusCode::SERVICE_UNAVAILABLE, "Busy", detail)
        }
    }

    /// A failure of the server itself: `cause` goes to the log, not to the client.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!("internal error: {cause}");
        Problem::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Internal error",
            "the server failed to answer; the error was logged",
        )
    }

    /// The JSON document of this problem.
    pub fn body(&self) -> serde_json::Value {
        json!({
            "type": "about:blank",
            "title": self.title,
            "status": self.status.as_u16(),
            "detail": self.detail,
        })
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let mut response = (self.status, self.body().to_string()).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        if self.status == StatusCode::UNAUTHORIZED {
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"marsad\""),
            );
        }
        if let Some(s) = self.retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(s));
        }
        response
    }
}

/// Error answers made outside the handlers (axum's extractor rejections, the body limit layer's
/// 413) as problems too, so every error has one shape: the status's reason as title, their text
/// (which names no internal path) as detail.
pub async fn normalise(response: Response) -> Response {
    let status = response.status();
    let is_problem = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes() == CONTENT_TYPE.as_bytes());
    if !(status.is_client_error() || status.is_server_error()) || is_problem {
        return response;
    }
    let (parts, body) = response.into_parts();
    let text = axum::body::to_bytes(body, 4096)
        .await
        .map(|b| String::from_utf8_lossy(&b).trim().to_string())
        .unwrap_or_default();
    let title = status.canonical_reason().unwrap_or("Error");
    let detail = if text.is_empty() {
        title.to_lowercase()
    } else {
        text
    };
    let mut problem = Problem::new(status, title, detail).into_response();
    // Keep what the layer said besides (Allow on 405, …).
    for (name, value) in parts.headers.iter() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            problem.headers_mut().entry(name).or_insert(value.clone());
        }
    }
    problem
}

/// The answer to a panic in a handler (tower-http's catch-panic layer): a generic 500.
pub fn from_panic(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    Problem::internal("a handler panicked").into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_errors_hide_their_cause() {
        let p = Problem::internal("cannot open /srv/marsad/registry/_delta_log/0001.json");
        assert_eq!(
            p.body(),
            json!({
                "type": "about:blank",
                "title": "Internal error",
                "status": 500,
                "detail": "the server failed to answer; the error was logged",
            })
        );
    }
}
