//! Static-file upstreams, and the demo shop compiled into the binary.

use std::path::{Path, PathBuf};

use http::{Request, Response};
use hyper::body::Incoming;
use tower_http::services::ServeDir;

use crate::body::{self, Body};
use crate::error::GatewayError;

/// The demo shop: a small store with a checkout form and a few scripts, so a
/// newcomer sees the proxy (and later the script monitor) at work.
const DEMO: &[(&str, &str)] = &[
    ("index.html", include_str!("../demo/index.html")),
    ("checkout.html", include_str!("../demo/checkout.html")),
    ("style.css", include_str!("../demo/style.css")),
    ("js/cart.js", include_str!("../demo/js/cart.js")),
    ("js/checkout.js", include_str!("../demo/js/checkout.js")),
    ("js/analytics.js", include_str!("../demo/js/analytics.js")),
];

#[derive(Debug, Clone)]
pub struct StaticFiles {
    serve: ServeDir,
}

impl StaticFiles {
    pub fn new(root: &parapet_config::StaticRoot, state_dir: &Path) -> Result<Self, GatewayError> {
        let dir = match root {
            parapet_config::StaticRoot::Dir(d) => d.clone(),
            parapet_config::StaticRoot::BuiltinDemo => write_demo(state_dir)?,
        };
        if !dir.is_dir() {
            return Err(GatewayError::Other(format!(
                "static_dir {} is not a directory",
                dir.display()
            )));
        }
        Ok(Self {
            serve: ServeDir::new(dir).append_index_html_on_directories(true),
        })
    }

    pub async fn serve(&self, req: Request<Incoming>) -> Response<Body> {
        let mut svc = self.serve.clone();
        match tower_service::Service::call(&mut svc, req).await {
            Ok(resp) => resp.map(body::boxed),
            Err(never) => match never {},
        }
    }
}

/// Writes the demo into the state directory (anew at every start, so an upgrade
/// brings its new version) and returns where.
fn write_demo(state_dir: &Path) -> Result<PathBuf, GatewayError> {
    let root = state_dir.join("demo-site");
    for (name, content) in DEMO {
        let path = root.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| GatewayError::io(parent, e))?;
        }
        std::fs::write(&path, content).map_err(|e| GatewayError::io(&path, e))?;
    }
    Ok(root)
}
