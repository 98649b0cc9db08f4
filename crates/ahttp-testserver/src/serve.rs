//! [`serve_connections`]: the accept loop for servers a test writes itself.

use std::future::Future;
use std::net::SocketAddr;

/// Serves every TCP connection to a fresh port on 127.0.0.1 with
/// `handler`, each connection in its own task, on a tokio runtime on a
/// background thread that lives as long as the test process. For the peers
/// a test writes itself (a tokio-tungstenite WebSocket server, an
/// Autobahn-protocol server); returns their address.
pub fn serve_connections<F, Fut>(handler: F) -> SocketAddr
where
    F: Fn(tokio::net::TcpStream) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap_or_else(|e| panic!("ahttp-testserver: a tokio runtime: {e}"));
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .unwrap_or_else(|e| panic!("ahttp-testserver: bind: {e}"));
            let _ = tx.send(listener.local_addr());
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(handler(stream));
            }
        });
    });
    rx.recv()
        .expect("the server thread started")
        .unwrap_or_else(|e| panic!("ahttp-testserver: local address: {e}"))
}
