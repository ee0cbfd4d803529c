//! The HTTP/1.0 front: reads a connection's first request line before hyper does.
//!
//! hyper answers an HTTP/1.0 request with an `HTTP/1.0` status line, and the PHP
//! toolkit rejects anything but `HTTP/1.1 <code> <reason>`. So when the first request
//! says `HTTP/1.0`, the front hands hyper the same bytes with `HTTP/1.1` (eight bytes
//! for eight) and tells the service, which answers `Connection: close`; hyper then
//! closes after that one reply, as an HTTP/1.0 client expects. A request-target that is
//! a bare host name (`POST horizon.opensrs.net HTTP/1.0`) becomes `/horizon.opensrs.net`
//! because hyper would read it as an authority. Only the first line is touched; the
//! rest of the stream passes through unchanged.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::{Buf, Bytes, BytesMut};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, ReadBuf};

/// What the front learned from the first request line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FirstLine {
    pub http10: bool,
}

/// An I/O stream that first yields `prefix`, then reads from `inner`.
#[derive(Debug)]
pub struct Prefixed<IO> {
    prefix: Bytes,
    inner: IO,
}

/// Reads until the first request line is complete (or `max` bytes, or end of stream),
/// rewrites it if needed, and returns the stream to give to hyper.
pub async fn read_first_line<IO>(mut io: IO, max: usize) -> io::Result<(Prefixed<IO>, FirstLine)>
where
    IO: AsyncRead + Unpin,
{
    let mut buf = BytesMut::with_capacity(1024);
    let line_end = loop {
        if let Some(end) = first_line_end(&buf) {
            break Some(end);
        }
        if buf.len() >= max {
            break None;
        }
        if io.read_buf(&mut buf).await? == 0 {
            break None;
        }
    };
    let (prefix, first) = match line_end {
        Some(end) => rewrite(&buf, end),
        // No complete line: let hyper see the bytes and answer or close as it does.
        None => (buf.freeze(), FirstLine { http10: false }),
    };
    Ok((Prefixed { prefix, inner: io }, first))
}

/// Index just past the `\n` of the first non-empty line (leading CRLFs are allowed
/// before a request line).
fn first_line_end(buf: &[u8]) -> Option<usize> {
    let start = buf.iter().position(|b| *b != b'\r' && *b != b'\n')?;
    buf[start..]
        .iter()
        .position(|b| *b == b'\n')
        .map(|i| start + i + 1)
}

fn rewrite(buf: &[u8], end: usize) -> (Bytes, FirstLine) {
    let start = buf
        .iter()
        .position(|b| *b != b'\r' && *b != b'\n')
        .unwrap_or(0);
    let line = &buf[start..end];
    let body = line.strip_suffix(b"\n").unwrap_or(line);
    let body = body.strip_suffix(b"\r").unwrap_or(body);
    let parts: Vec<&[u8]> = body
        .split(|b| *b == b' ')
        .filter(|p| !p.is_empty())
        .collect();
    let [method, target, version] = parts.as_slice() else {
        return (Bytes::copy_from_slice(buf), FirstLine { http10: false });
    };
    let http10 = version.eq_ignore_ascii_case(b"HTTP/1.0");
    let odd_target = !(target.starts_with(b"/")
        || target.starts_with(b"http://")
        || target.starts_with(b"https://")
        || *target == b"*"
        || method.eq_ignore_ascii_case(b"CONNECT"));
    if !http10 && !odd_target {
        return (Bytes::copy_from_slice(buf), FirstLine { http10 });
    }
    let mut out = Vec::with_capacity(buf.len() + 1);
    out.extend_from_slice(method);
    out.push(b' ');
    if odd_target {
        out.push(b'/');
    }
    out.extend_from_slice(target);
    out.push(b' ');
    out.extend_from_slice(if http10 { b"HTTP/1.1" } else { version });
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(&buf[end..]);
    (Bytes::from(out), FirstLine { http10 })
}

impl<IO: AsyncRead + Unpin> AsyncRead for Prefixed<IO> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        out: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if self.prefix.has_remaining() {
            let n = self.prefix.len().min(out.remaining());
            out.put_slice(&self.prefix[..n]);
            self.prefix.advance(n);
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut self.inner).poll_read(cx, out)
    }
}

impl<IO: AsyncWrite + Unpin> AsyncWrite for Prefixed<IO> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(input: &[u8]) -> (Vec<u8>, bool) {
        let rt = tokio::runtime::Builder::new_current_thread().build();
        let Ok(rt) = rt else { panic!("runtime") };
        rt.block_on(async {
            let Ok((mut p, first)) = read_first_line(input, 8192).await else {
                panic!("read")
            };
            let mut out = Vec::new();
            let _ = p.read_to_end(&mut out).await;
            (out, first.http10)
        })
    }

    #[test]
    fn http10_becomes_http11_and_rest_is_untouched() {
        let (out, h10) = run(b"POST / HTTP/1.0\r\nContent-Length: 2\r\n\r\nab");
        assert_eq!(out, b"POST / HTTP/1.1\r\nContent-Length: 2\r\n\r\nab");
        assert!(h10);
    }

    #[test]
    fn http11_passes_through() {
        let input = b"POST /x HTTP/1.1\r\nHost: a\r\n\r\n";
        assert_eq!(run(input), (input.to_vec(), false));
    }

    #[test]
    fn bare_host_target() {
        let (out, h10) = run(b"POST horizon.opensrs.net HTTP/1.0\r\n\r\n");
        assert_eq!(out, b"POST /horizon.opensrs.net HTTP/1.1\r\n\r\n");
        assert!(h10);
    }

    #[test]
    fn garbage_and_eof_pass_through() {
        assert_eq!(run(b"garbage"), (b"garbage".to_vec(), false));
        assert_eq!(run(b"a b\r\n"), (b"a b\r\n".to_vec(), false));
        assert_eq!(run(b""), (Vec::new(), false));
    }
}
