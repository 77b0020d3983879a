//! HTTP on one single-threaded runtime per core, the way actix-web and martin serve.
//!
//! One acceptor hands each new connection, in turn, to one of the runtimes, and the
//! connection lives on that thread until it closes: a request's wakeups never cross
//! threads and no thread steals another's work. Under wrk on the 2-core machine
//! (BENCHMARKS.md, "cached hexes tiles"), tokio's work-stealing runtime answered
//! cached tiles with a p99 of 0.6-2.8 ms, mostly scheduling: one request woke a
//! second worker that had nothing to do. Everything else (the store watcher, the
//! signals) stays on the runtime that calls [`serve`]; database calls still go to a
//! blocking pool, each HTTP runtime's own.

use axum::serve::{Listener, ListenerExt};
use std::net::SocketAddr;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot, watch};

/// A connection the acceptor took, on its way to one runtime.
type Accepted = (std::net::TcpStream, SocketAddr);
/// One runtime as the acceptor sees it: where its connections go, and its end.
type Runtime = (
    mpsc::UnboundedSender<Accepted>,
    oneshot::Receiver<std::io::Result<()>>,
);

/// How long blocking-pool threads wait for more work before they exit: a minute, not
/// tokio's 10 s, so bursts of database calls reuse them instead of starting new
/// threads, each with a heap of its own.
const BLOCKING_KEEP_ALIVE: Duration = Duration::from_mins(1);

/// The runtimes to start: `configured`, or one per core when 0.
#[must_use]
pub fn thread_count(configured: usize) -> usize {
    if configured > 0 {
        configured
    } else {
        std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
    }
}

/// The receiving end of one runtime: axum's serve loop accepts from it.
struct Handoff {
    rx: mpsc::UnboundedReceiver<Accepted>,
    local: SocketAddr,
}

impl Listener for Handoff {
    type Io = tokio::net::TcpStream;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            match self.rx.recv().await {
                // Registered with this thread's reactor here, so it is polled here.
                Some((stream, peer)) => match tokio::net::TcpStream::from_std(stream) {
                    Ok(s) => return (s, peer),
                    Err(e) => tracing::warn!(error = %e, %peer, "cannot take a connection"),
                },
                // The acceptor has stopped: shutdown is under way and ends the loop.
                None => std::future::pending::<()>().await,
            }
        }
    }

    fn local_addr(&self) -> std::io::Result<SocketAddr> {
        Ok(self.local)
    }
}

/// Serves `app` on `listener` with `threads` single-threaded runtimes until
/// `shutdown` completes, then lets every open request finish (graceful shutdown).
///
/// # Errors
/// When a thread or its runtime cannot be started, or a runtime's server fails.
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: axum::Router,
    threads: usize,
    shutdown: impl std::future::Future<Output = ()>,
) -> std::io::Result<()> {
    let local = listener.local_addr()?;
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut runtimes: Vec<Runtime> = Vec::with_capacity(threads);
    for i in 0..threads.max(1) {
        let (tx, rx) = mpsc::unbounded_channel();
        let (done_tx, done_rx) = oneshot::channel();
        let app = app.clone();
        let mut stop = stop_rx.clone();
        std::thread::Builder::new()
            .name(format!("sigap-http-{i}"))
            .spawn(move || {
                let served = tokio::runtime::Builder::new_current_thread()
                    .thread_keep_alive(BLOCKING_KEEP_ALIVE)
                    .enable_all()
                    .build()
                    .and_then(|rt| {
                        rt.block_on(async move {
                            // Tiles and JSON are written whole; no Nagle wait on the last segment.
                            let incoming = Handoff { rx, local }.tap_io(|tcp| {
                                if let Err(e) = tcp.set_nodelay(true) {
                                    tracing::debug!(error = %e, "cannot set TCP_NODELAY");
                                }
                            });
                            axum::serve(
                                incoming,
                                app.into_make_service_with_connect_info::<SocketAddr>(),
                            )
                            .with_graceful_shutdown(async move {
                                let _ = stop.wait_for(|stopping| *stopping).await;
                            })
                            .await
                        })
                    });
                let _ = done_tx.send(served);
            })?;
        runtimes.push((tx, done_rx));
    }
    accept(&listener, &runtimes, shutdown).await;
    drop(listener);
    let _ = stop_tx.send(true);
    let mut result = Ok(());
    for (tx, done) in runtimes {
        drop(tx);
        match done.await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => result = Err(e),
            Err(_) => result = Err(std::io::Error::other("an HTTP thread panicked")),
        }
    }
    result
}

/// Accepts until `shutdown`, handing connections to the runtimes in turn (one that
/// has stopped is passed over).
async fn accept(
    listener: &tokio::net::TcpListener,
    runtimes: &[Runtime],
    shutdown: impl std::future::Future<Output = ()>,
) {
    let mut shutdown = std::pin::pin!(shutdown);
    let mut next = 0;
    loop {
        let (stream, peer) = tokio::select! {
            () = &mut shutdown => return,
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    accept_failed(&e).await;
                    continue;
                }
            },
        };
        let mut conn = match stream.into_std() {
            Ok(s) => Some((s, peer)),
            Err(e) => {
                tracing::warn!(error = %e, %peer, "cannot hand a connection over");
                None
            }
        };
        for _ in 0..runtimes.len() {
            let Some(c) = conn.take() else { break };
            let (tx, _) = &runtimes[next];
            next = (next + 1) % runtimes.len();
            if let Err(mpsc::error::SendError(back)) = tx.send(c) {
                conn = Some(back);
            }
        }
        if conn.is_some() {
            tracing::error!(%peer, "no HTTP thread is running; connection dropped");
        }
    }
}

/// A failed accept: a connection reset before it was taken is nothing; anything else
/// (out of file descriptors) is logged and retried after a second, as axum does.
async fn accept_failed(e: &std::io::Error) {
    use std::io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    if matches!(
        e.kind(),
        ConnectionRefused | ConnectionAborted | ConnectionReset
    ) {
        return;
    }
    tracing::error!(error = %e, "accept failed; retrying in 1 s");
    tokio::time::sleep(Duration::from_secs(1)).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Requests on several connections are answered, each connection pinned to one
    /// thread, and shutdown ends `serve` once the open connections are done.
    #[test]
    fn connections_are_spread_over_the_runtimes_and_shutdown_ends_serving() {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async {
            let app = axum::Router::new().route(
                "/",
                axum::routing::get(|| async {
                    std::thread::current()
                        .name()
                        .unwrap_or_default()
                        .to_string()
                }),
            );
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("bind");
            let addr = listener.local_addr().expect("address");
            let (stop, stopped) = oneshot::channel::<()>();
            let server = tokio::spawn(serve(listener, app, 2, async {
                let _ = stopped.await;
            }));
            let mut names = Vec::new();
            for _ in 0..4 {
                names.push(get(addr).await);
            }
            names.sort();
            assert_eq!(
                names,
                [
                    "sigap-http-0",
                    "sigap-http-0",
                    "sigap-http-1",
                    "sigap-http-1"
                ]
            );
            stop.send(()).expect("server still running");
            tokio::time::timeout(Duration::from_secs(10), server)
                .await
                .expect("serve ends after shutdown")
                .expect("serve task")
                .expect("serve result");
        });
    }

    /// One `GET /` on a fresh connection, closed after; the body.
    async fn get(addr: SocketAddr) -> String {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let mut s = tokio::net::TcpStream::connect(addr).await.expect("connect");
        s.write_all(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .await
            .expect("write");
        let mut answer = String::new();
        s.read_to_string(&mut answer).await.expect("read");
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        answer.split("\r\n\r\n").nth(1).expect("a body").to_string()
    }
}
