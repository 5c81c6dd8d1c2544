//! An axum app served on a random `127.0.0.1` port from its own runtime on a background thread,
//! stopped when dropped: what the fake GitHub and the fake cloud run on.

use std::thread::JoinHandle;

use axum::Router;
use tokio::sync::oneshot;

/// A bound port whose URL is known before the app that will serve it is built.
pub struct Bound {
    listener: std::net::TcpListener,
    /// `http://127.0.0.1:PORT`.
    pub url: String,
}

impl Bound {
    /// Binds a random loopback port.
    pub fn bind() -> Bound {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        listener
            .set_nonblocking(true)
            .expect("non-blocking listener");
        let url = format!("http://{}", listener.local_addr().expect("local address"));
        Bound { listener, url }
    }

    /// Serves `app` on a thread named `name` until the returned handle is dropped.
    pub fn serve(self, name: &str, app: Router) -> Background {
        let (shutdown, stopped) = oneshot::channel::<()>();
        let listener = self.listener;
        let thread = std::thread::Builder::new()
            .name(name.into())
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("background server runtime");
                runtime.block_on(async move {
                    let listener =
                        tokio::net::TcpListener::from_std(listener).expect("tokio listener");
                    tokio::select! {
                        result = axum::serve(listener, app) => result.expect("background server serves"),
                        _ = stopped => {}
                    }
                });
            })
            .expect("spawn background server thread");
        Background {
            shutdown: Some(shutdown),
            thread: Some(thread),
        }
    }
}

/// A running server; dropping it stops the server and joins its thread.
pub struct Background {
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Drop for Background {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
