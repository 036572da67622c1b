//! `marsad serve`'s listeners: [`serve`] binds the HTTP API (port 0: any free port; the bound
//! address is returned), serves each connection through hyper with a timer so a client that
//! does not finish its headers within `header-timeout` is cut off (`axum::serve` sets no timer),
//! and on shutdown stops accepting, lets in-flight requests finish within `shutdown-timeout`,
//! then ends (in-flight bodies past the bound are dropped, which cancels their queries).

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::config::Config;
use crate::http::{self, AppState};
use crate::pg::PgState;

/// A running server.
pub struct Running {
    /// Where the HTTP API listens.
    pub http: SocketAddr,
    /// Where the PostgreSQL protocol listens (`None`: not started).
    pub pg: Option<SocketAddr>,
    task: tokio::task::JoinHandle<()>,
    pg_task: Option<tokio::task::JoinHandle<()>>,
}

impl Running {
    /// Wait until the server has shut down (after the shutdown future given to [`serve`]).
    pub async fn finished(self) {
        if let Err(e) = self.task.await {
            tracing::error!("the HTTP accept loop failed: {e}");
        }
        if let Some(pg) = self.pg_task {
            if let Err(e) = pg.await {
                tracing::error!("the PostgreSQL accept loop failed: {e}");
            }
        }
    }
}

/// Bind the listeners of `config` and serve `state` (and the PostgreSQL protocol with `pg`, when
/// given) until `shutdown` completes.
pub async fn serve(
    config: &Config,
    state: AppState,
    pg: Option<PgState>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<Running> {
    let listener = TcpListener::bind(config.listen).await.map_err(|e| {
        std::io::Error::new(e.kind(), format!("cannot listen on {}: {e}", config.listen))
    })?;
    let http_addr = listener.local_addr()?;
    let (stop_tx, stop_rx) = watch::channel(false);

    // The PostgreSQL protocol, stopped by the same signal as the HTTP API.
    let (pg, pg_task) = match pg {
        Some(pg_state) => {
            let pg_listener = TcpListener::bind(config.pg_listen).await.map_err(|e| {
                std::io::Error::new(
                    e.kind(),
                    format!("cannot listen on {} (pg-listen): {e}", config.pg_listen),
                )
            })?;
            let addr = pg_listener.local_addr()?;
            let mut stop = stop_rx.clone();
            let stopped = async move {
                let _ = stop.wait_for(|s| *s).await;
            };
            let task = tokio::spawn(async move {
                if let Err(e) = crate::pg::serve(pg_listener, pg_state, stopped).await {
                    tracing::error!("the PostgreSQL protocol stopped: {e}");
                }
            });
            (Some(addr), Some(task))
        }
        None => (None, None),
    };

    let app = http::router(state);
    let header_timeout = config.header_timeout;
    let bound = config.shutdown_timeout;
    let task = tokio::spawn(async move {
        let mut connections = JoinSet::new();
        tokio::pin!(shutdown);
        loop {
            tokio::select! {
                _ = &mut shutdown => break,
                accepted = listener.accept() => match accepted {
                    Ok((stream, _)) => {
                        let service = TowerToHyperService::new(app.clone());
                        let stop = stop_rx.clone();
                        connections.spawn(connection(stream, service, header_timeout, stop));
                    }
                    Err(e) => {
                        // Out of file descriptors and the like: wait, do not spin.
                        tracing::warn!("accept failed: {e}");
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                },
                Some(_) = connections.join_next(), if !connections.is_empty() => {}
            }
        }
        drop(listener);
        let _ = stop_tx.send(true);
        let drained = tokio::time::timeout(bound, async {
            while connections.join_next().await.is_some() {}
        })
        .await;
        if drained.is_err() {
            tracing::warn!(
                "{} connections still open after the shutdown bound; closing them",
                connections.len()
            );
            connections.abort_all();
        }
    });
    Ok(Running {
        http: http_addr,
        pg,
        task,
        pg_task,
    })
}

/// Serve one connection until it ends or the server stops (then finish the request in flight).
async fn connection(
    stream: tokio::net::TcpStream,
    service: TowerToHyperService<axum::Router>,
    header_timeout: Duration,
    mut stop: watch::Receiver<bool>,
) {
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(header_timeout);
    let conn = builder.serve_connection(TokioIo::new(stream), service);
    tokio::pin!(conn);
    tokio::select! {
        r = conn.as_mut() => {
            if let Err(e) = r {
                tracing::debug!("connection ended: {e}");
            }
        }
        _ = async move { let _ = stop.wait_for(|s| *s).await; } => {
            conn.as_mut().graceful_shutdown();
            let _ = conn.await;
        }
    }
}

/// Completes on SIGTERM or Ctrl-C.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!("cannot listen for Ctrl-C: {e}");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::error!("cannot listen for SIGTERM: {e}");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpStream;

    use super::*;
    use crate::http::testing::{state_with, ANALYST};

    async fn start(config: Config) -> (Running, tokio::sync::oneshot::Sender<()>) {
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let (state, _) = state_with(config.clone()).await;
        let running = serve(&config, state, None, async move {
            let _ = rx.await;
        })
        .await
        .unwrap();
        (running, tx)
    }

    fn config() -> Config {
        Config {
            listen: "127.0.0.1:0".parse().unwrap(),
            ..Config::default()
        }
    }

    #[tokio::test]
    async fn slow_headers_are_cut_off() {
        let (running, stop) = start(Config {
            header_timeout: Duration::from_millis(200),
            ..config()
        })
        .await;
        assert_ne!(running.http.port(), 0);
        let mut s = TcpStream::connect(running.http).await.unwrap();
        s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
            .await
            .unwrap();
        let started = Instant::now();
        let mut answer = Vec::new();
        tokio::time::timeout(Duration::from_secs(5), s.read_to_end(&mut answer))
            .await
            .expect("the connection is closed within the header timeout")
            .ok();
        assert!(started.elapsed() < Duration::from_secs(2));
        assert!(!String::from_utf8_lossy(&answer).contains("200 OK"));
        // A prompt client is served.
        let mut s = TcpStream::connect(running.http).await.unwrap();
        s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .await
            .unwrap();
        let mut answer = String::new();
        s.read_to_string(&mut answer).await.unwrap();
        assert!(answer.starts_with("HTTP/1.1 200 OK"), "{answer}");
        assert!(answer.ends_with("{\"status\":\"ok\"}"), "{answer}");
        stop.send(()).unwrap();
        running.finished().await;
    }

    #[tokio::test]
    async fn shutdown_lets_the_request_in_flight_finish_then_refuses() {
        let (running, stop) = start(config()).await;
        let addr = running.http;
        let mut s = TcpStream::connect(addr).await.unwrap();
        let head = format!(
            "POST /api/v1/sql HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {ANALYST}\r\n\
             Content-Type: text/plain\r\nAccept: text/csv\r\nContent-Length: 17\r\n\r\nselect 42 a"
        );
        s.write_all(head.as_bytes()).await.unwrap();
        tokio::time::sleep(Duration::from_millis(100)).await;
        stop.send(()).unwrap();
        let finished = tokio::spawn(running.finished());
        tokio::time::sleep(Duration::from_millis(100)).await;
        // The listener is closed: new connections are refused.
        assert!(TcpStream::connect(addr).await.is_err());
        // The request in flight gets its answer.
        s.write_all(b"s x   ").await.unwrap();
        let mut answer = String::new();
        s.read_to_string(&mut answer).await.unwrap();
        assert!(answer.starts_with("HTTP/1.1 200 OK"), "{answer}");
        assert!(
            answer.contains("\r\nx\r\n42\r\n") || answer.contains("x\n42\n"),
            "{answer}"
        );
        tokio::time::timeout(Duration::from_secs(5), finished)
            .await
            .expect("the server stops once the request is answered")
            .unwrap();
    }

    #[tokio::test]
    async fn shutdown_is_bounded() {
        let (running, stop) = start(Config {
            shutdown_timeout: Duration::from_millis(300),
            ..config()
        })
        .await;
        let mut s = TcpStream::connect(running.http).await.unwrap();
        // A body that never comes.
        s.write_all(b"POST /api/v1/sql HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nsel")
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(100)).await;
        let started = Instant::now();
        stop.send(()).unwrap();
        tokio::time::timeout(Duration::from_secs(5), running.finished())
            .await
            .expect("the shutdown bound holds");
        assert!(started.elapsed() >= Duration::from_millis(250));
    }
}
