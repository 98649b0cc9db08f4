//! The read half of a split tokio socket, reading into uninitialised
//! buffer room.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, ReadBuf};

/// A tokio read half (TCP or Unix) as ahttp's [`ReadIo`]: futures-io reads
/// for the generic paths, and [`ReadIo::poll_read_buf`] through tokio's
/// `ReadBuf`, which fills a buffer's spare capacity without zeroing it
/// first (ahttp's WebSocket then skips its scratch-buffer copy).
///
/// [`ReadIo`]: ahttp::runtime::ReadIo
/// [`ReadIo::poll_read_buf`]: ahttp::runtime::ReadIo::poll_read_buf
#[derive(Debug)]
pub(crate) struct TokioReadHalf<S>(pub S);

impl<S: AsyncRead + Unpin> futures_io::AsyncRead for TokioReadHalf<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let mut buf = ReadBuf::new(buf);
        match Pin::new(&mut self.0).poll_read(cx, &mut buf) {
            Poll::Ready(Ok(())) => Poll::Ready(Ok(buf.filled().len())),
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<S: AsyncRead + Send + Unpin + 'static> ahttp::runtime::ReadIo for TokioReadHalf<S> {
    fn can_read_buf(&self) -> bool {
        true
    }

    fn poll_read_buf(
        &mut self,
        cx: &mut Context<'_>,
        buf: &mut bytes::BytesMut,
    ) -> Poll<io::Result<usize>> {
        tokio_util::io::poll_read_buf(Pin::new(&mut self.0), cx, buf)
    }
}
