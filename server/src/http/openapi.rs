//! `/api/openapi.json`: the OpenAPI 3.1 description generated from the handlers' annotations
//! (utoipa), JSON only: no Swagger UI (its crate downloads assets at build time).

use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::problem::Problem;

#[derive(OpenApi)]
#[openapi(
    info(title = "Marsad API", description = "Indicators, observations, snapshots and read-only SQL of the Marsad warehouse"),
    paths(
        super::health::healthz,
        super::health::readyz,
        super::indicators::list,
        super::indicators::show,
        super::observations::observations,
        super::lineage::lineage,
        super::catalog::catalog_jsonld,
        super::snapshots::list,
        super::snapshots::show,
        super::sql::sql,
        super::ingest::ingest,
    ),
    modifiers(&Bearer)
)]
pub struct ApiDoc;

struct Bearer;

impl Modify for Bearer {
    fn modify(&self, api: &mut utoipa::openapi::OpenApi) {
        if let Some(c) = api.components.as_mut() {
            c.add_security_scheme(
                "bearer",
                SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
            );
        } else {
            let mut c = utoipa::openapi::Components::new();
            c.add_security_scheme(
                "bearer",
                SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
            );
            api.components = Some(c);
        }
    }
}

/// The OpenAPI document.
pub async fn openapi_json() -> Result<Response, Problem> {
    let text = ApiDoc::openapi().to_json().map_err(Problem::internal)?;
    let mut r = text.into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    Ok(r)
}
