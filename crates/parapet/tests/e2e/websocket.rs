//! WebSocket upgrades pass through Parapet to a WebSocket upstream.

use std::net::SocketAddr;

use futures_util::{SinkExt, StreamExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_tungstenite::tungstenite::Message;

use crate::harness::{local, Env, Upstream, IO_TIMEOUT};

/// A WebSocket echo server on a free loopback port; it runs until the test ends.
async fn start_echo_server() -> SocketAddr {
    let listener = TcpListener::bind(local(0)).await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let Ok(mut ws) = tokio_tungstenite::accept_async(stream).await else {
                    return;
                };
                while let Some(Ok(msg)) = ws.next().await {
                    if msg.is_text() || msg.is_binary() {
                        if ws.send(msg).await.is_err() {
                            return;
                        }
                    } else if msg.is_close() {
                        return;
                    }
                }
            });
        }
    });
    addr
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn websocket_messages_echo_through_the_gateway() {
    let echo = start_echo_server().await;
    let env =
        Env::start_with(|c| c.route("/ws", Upstream::new("ws", &[echo]).response_timeout("5s")));
    let http = env.parapet.http();

    let tcp = TcpStream::connect(http).await.unwrap();
    let url = format!("ws://localhost:{}/ws", http.port());
    let (mut ws, response) =
        tokio::time::timeout(IO_TIMEOUT, tokio_tungstenite::client_async(url, tcp))
            .await
            .expect("upgrade in time")
            .unwrap_or_else(|e| panic!("WebSocket upgrade through parapet failed: {e}"));
    assert_eq!(response.status().as_u16(), 101);

    let text = Message::text("hello through parapet");
    let binary = Message::binary(vec![0u8, 1, 2, 254, 255]);
    for msg in [text, binary] {
        ws.send(msg.clone()).await.unwrap();
        let back = tokio::time::timeout(IO_TIMEOUT, ws.next())
            .await
            .expect("echo in time")
            .expect("connection open")
            .expect("a message");
        assert_eq!(back, msg);
    }
    ws.close(None).await.unwrap();
}
