//! A tiny signed OPS client: `cargo run --example sign_and_send -- USER KEY FILE [HOST:PORT]`.
//! Sends FILE's bytes as the body of an HTTP/1.0 POST (like the PHP toolkit) and prints
//! the reply.

use std::io::{Read, Write};
use std::net::TcpStream;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [user, key, file, rest @ ..] = args.as_slice() else {
        anyhow::bail!("usage: sign_and_send USER KEY FILE [HOST:PORT]");
    };
    let addr = rest.first().map_or("127.0.0.1:55000", String::as_str);
    let body = std::fs::read(file)?;
    let sig = opsd::auth::signature(&body, key);
    let mut stream = TcpStream::connect(addr)?;
    let head = format!(
        "POST / HTTP/1.0\r\nContent-Type: text/xml\r\nX-Username: {user}\r\nX-Signature: {}\r\nContent-Length: {}\r\n\r\n",
        String::from_utf8_lossy(&sig),
        body.len()
    );
    stream.write_all(head.as_bytes())?;
    stream.write_all(&body)?;
    let mut reply = String::new();
    stream.read_to_string(&mut reply)?;
    println!("{reply}");
    Ok(())
}
