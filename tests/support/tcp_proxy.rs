//! A TCP proxy on 127.0.0.1 that a test can cut and restore, to stage an outage of the service
//! behind it (a database, an API) without touching the service.

// Each test binary uses a different part of it.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::mpsc;
use std::thread::JoinHandle;

use tokio::io::copy_bidirectional;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{oneshot, watch};

/// A running proxy; stops when dropped (closing every connection).
pub struct TcpProxy {
    addr: SocketAddr,
    cut: watch::Sender<bool>,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl TcpProxy {
    /// Starts forwarding 127.0.0.1:<free port> to `upstream`, on a runtime of its own.
    /// Returns once the proxy accepts connections.
    pub fn start(upstream: SocketAddr) -> TcpProxy {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind the proxy");
        listener
            .set_nonblocking(true)
            .expect("non-blocking listener");
        let addr = listener.local_addr().expect("proxy address");
        let (cut, cut_rx) = watch::channel(false);
        let (stop, stop_rx) = oneshot::channel();
        let (ready, ready_rx) = mpsc::channel();
        let thread = std::thread::Builder::new()
            .name(format!("tcp-proxy-{addr}"))
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("proxy runtime");
                runtime.block_on(async move {
                    let listener = TcpListener::from_std(listener).expect("proxy listener");
                    ready.send(()).expect("announce the proxy");
                    tokio::select! {
                        () = serve(listener, upstream, cut_rx) => {}
                        _ = stop_rx => {}
                    }
                });
                // Dropping the runtime drops every connection task, closing their sockets.
            })
            .expect("proxy thread");
        ready_rx.recv().expect("the proxy started");
        TcpProxy {
            addr,
            cut,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    /// Where clients connect.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Closes every open connection; new ones are accepted and closed at once, until
    /// [`TcpProxy::restore`].
    pub fn cut(&self) {
        self.cut.send_replace(true);
    }

    /// Forwards new connections again.
    pub fn restore(&self) {
        self.cut.send_replace(false);
    }
}

impl Drop for TcpProxy {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

async fn serve(listener: TcpListener, upstream: SocketAddr, cut: watch::Receiver<bool>) {
    loop {
        let Ok((client, _)) = listener.accept().await else {
            // Out of file descriptors, say: do not spin.
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            continue;
        };
        if *cut.borrow() {
            drop(client);
            continue;
        }
        let mut cut = cut.clone();
        tokio::spawn(async move {
            let mut client = client;
            let Ok(mut server) = TcpStream::connect(upstream).await else {
                return;
            };
            tokio::select! {
                _ = copy_bidirectional(&mut client, &mut server) => {}
                _ = cut.wait_for(|cut| *cut) => {}
            }
            // Both sockets close here.
        });
    }
}
