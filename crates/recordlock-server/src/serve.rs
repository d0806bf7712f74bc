//! Serving: the middleware around the routes, and the listener's life from bind to a
//! graceful shutdown.
//!
//! Around every route, outermost first: a request id (`x-request-id`, taken from the client
//! or assigned) carried by the request's tracing span and echoed in the response; a trace of
//! each request (method, path, status, latency); a timeout (a request not answered in
//! [`ServeOptions::request_timeout`] gets 408, so a slow client cannot hold a connection);
//! and a panic catcher (a panic in a handler is logged and answered 500 `INTERNAL_ERROR`).
//!
//! Connections are HTTP/1.1 with keep-alive, served by hyper with a timer: a client that
//! does not finish its request headers within the request timeout is disconnected (the
//! slow-headers attack), whether on a new connection or an idle kept-alive one. On shutdown
//! the listener closes, idle connections are closed, and requests in flight finish.

use std::any::Any;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::Router;
use axum::http::{HeaderName, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};

use crate::db::{self, DbError, Location};
use crate::error::ApiError;
use crate::routes::router;
use crate::state::App;

/// How to serve.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// Where the state lives: a SQLite file (created if missing) or a PostgreSQL database.
    pub store: Location,
    /// Where to listen, e.g. `127.0.0.1:8080` (port 0: any free port).
    pub listen: SocketAddr,
    /// How long a request may take, body included.
    pub request_timeout: Duration,
}

/// Request ids: a process-wide counter, unique per server run.
#[derive(Debug, Clone, Default)]
struct Counter(Arc<AtomicU64>);

impl MakeRequestId for Counter {
    fn make_request_id<B>(&mut self, _: &Request<B>) -> Option<RequestId> {
        let n = self.0.fetch_add(1, Ordering::Relaxed);
        format!("req-{n}").parse().ok().map(RequestId::new)
    }
}

fn panic_response(cause: Box<dyn Any + Send + 'static>) -> Response<axum::body::Body> {
    let text = cause
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| cause.downcast_ref::<&str>().copied())
        .unwrap_or("a panic");
    tracing::error!(panic = text, "a handler panicked");
    axum::response::IntoResponse::into_response(ApiError::internal())
}

/// The routes with their middleware.
pub fn app_router(app: Arc<App>, request_timeout: Duration) -> Router {
    with_middleware(router(app), request_timeout)
}

/// Wraps any routes in the server's middleware (request ids, tracing, timeout, panics).
pub fn with_middleware(routes: Router, request_timeout: Duration) -> Router {
    let request_id = HeaderName::from_static("x-request-id");
    let trace = TraceLayer::new_for_http()
        .make_span_with(|req: &Request<axum::body::Body>| {
            let id = req.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("-");
            tracing::info_span!("request", id = %id, method = %req.method(), path = %req.uri().path())
        })
        .on_response(DefaultOnResponse::new().level(tracing::Level::INFO));
    routes
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, request_timeout))
        .layer(trace)
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(SetRequestIdLayer::new(request_id, Counter::default()))
}

/// Opens the store and binds the listener; returns the bound address and a future that
/// serves until `shutdown` completes, then lets in-flight requests finish.
pub async fn bind(
    opts: ServeOptions,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(SocketAddr, impl Future<Output = std::io::Result<()>>), DbError> {
    let store = opts.store.clone();
    let app = tokio::task::spawn_blocking(move || db::open(&store).and_then(App::load))
        .await
        .map_err(|e| DbError(e.to_string()))??;
    let listener = tokio::net::TcpListener::bind(opts.listen)
        .await
        .map_err(|e| DbError(format!("cannot listen on {}: {e}", opts.listen)))?;
    let addr = listener.local_addr().map_err(|e| DbError(e.to_string()))?;
    let router = app_router(Arc::new(app), opts.request_timeout);
    Ok((addr, run(listener, router, opts.request_timeout, shutdown)))
}

/// Accepts connections until `shutdown`, then waits for the requests in flight.
async fn run(
    listener: tokio::net::TcpListener,
    router: Router,
    header_timeout: Duration,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let graceful = GracefulShutdown::new();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new()).header_read_timeout(header_timeout).keep_alive(true);
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    let _ = stream.set_nodelay(true);
                    let service = TowerToHyperService::new(router.clone());
                    let connection = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
                    tokio::spawn(async move {
                        if let Err(e) = connection.await {
                            tracing::debug!(error = %e, "connection ended with an error");
                        }
                    });
                }
                // Out of file descriptors and the like: wait a little, keep serving.
                Err(e) => {
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
            () = &mut shutdown => break,
        }
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}

/// Completes on SIGTERM or Ctrl-C.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}

#[cfg(test)]
mod tests {
    use super::*;
    use tower::ServiceExt;

    /// No panic reaches a client: a handler that panics is answered 500 INTERNAL_ERROR in
    /// Zoho's shape, with a request id.
    #[tokio::test]
    async fn a_panicking_handler_is_answered_500() {
        async fn boom() -> &'static str {
            panic!("boom")
        }
        let routes = with_middleware(Router::new().route("/boom", axum::routing::get(boom)), Duration::from_secs(5));
        let res = routes.oneshot(Request::get("/boom").body(axum::body::Body::empty()).unwrap()).await.unwrap();
        assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert!(res.headers().contains_key("x-request-id"));
        let body = axum::body::to_bytes(res.into_body(), 1 << 16).await.unwrap();
        let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(json["code"], "INTERNAL_ERROR");
        assert_eq!(json["status"], "error");
    }
}
