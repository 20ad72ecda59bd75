//! The one body type responses travel in, whatever produced them (an
//! upstream, a static file, an error page, a module).

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body::Frame;
use http_body_util::{BodyExt, Empty, Full};

use crate::phases::BodyFilter;

pub type BoxError = Box<dyn std::error::Error + Send + Sync>;
/// Send but not Sync: bodies are polled by one task at a time.
pub type Body = http_body_util::combinators::UnsyncBoxBody<Bytes, BoxError>;

pub fn full(data: impl Into<Bytes>) -> Body {
    Full::new(data.into())
        .map_err(|never| match never {})
        .boxed_unsync()
}

pub fn empty() -> Body {
    Empty::new().map_err(|never| match never {}).boxed_unsync()
}

/// Boxes any body whose errors can be boxed.
pub fn boxed<B>(body: B) -> Body
where
    B: http_body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    body.map_err(Into::into).boxed_unsync()
}

pin_project_lite::pin_project! {
    /// A body streamed through a module's [`BodyFilter`]: each data frame goes through
    /// it as it arrives, trailers and errors pass unchanged, and what the filter held back
    /// comes out when the inner body ends.
    pub struct Filtered {
        #[pin]
        inner: Body,
        filter: Box<dyn BodyFilter>,
        ended: bool,
    }
}

impl Filtered {
    pub fn new(inner: Body, filter: Box<dyn BodyFilter>) -> Self {
        Filtered {
            inner,
            filter,
            ended: false,
        }
    }
}

impl http_body::Body for Filtered {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let mut this = self.project();
        // Bounded: each turn either returns or consumes one frame of the inner body;
        // frames the filter swallows whole are skipped until one yields output.
        loop {
            if *this.ended {
                return Poll::Ready(None);
            }
            match this.inner.as_mut().poll_frame(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Some(Ok(frame))) => match frame.into_data() {
                    Ok(data) => {
                        let out = this.filter.chunk(&data);
                        if !out.is_empty() {
                            return Poll::Ready(Some(Ok(Frame::data(out))));
                        }
                    }
                    Err(frame) => {
                        // Trailers end the body: what the filter holds goes first.
                        let rest = this.filter.end();
                        *this.ended = true;
                        if rest.is_empty() {
                            return Poll::Ready(Some(Ok(frame)));
                        }
                        // Trailers after a rewritten body are dropped: the data they
                        // describe (a checksum, say) changed.
                        return Poll::Ready(Some(Ok(Frame::data(rest))));
                    }
                },
                Poll::Ready(Some(Err(e))) => {
                    *this.ended = true;
                    return Poll::Ready(Some(Err(e)));
                }
                Poll::Ready(None) => {
                    *this.ended = true;
                    let rest = this.filter.end();
                    if rest.is_empty() {
                        return Poll::Ready(None);
                    }
                    return Poll::Ready(Some(Ok(Frame::data(rest))));
                }
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.ended
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Upper-cases, holding back the last byte of each chunk until the next.
    struct Upper(Option<u8>);

    impl BodyFilter for Upper {
        fn chunk(&mut self, data: &[u8]) -> Bytes {
            let mut out: Vec<u8> = self.0.take().into_iter().collect();
            out.extend(data.to_ascii_uppercase());
            self.0 = out.pop();
            out.into()
        }
        fn end(&mut self) -> Bytes {
            self.0.take().map(|b| vec![b]).unwrap_or_default().into()
        }
    }

    #[tokio::test]
    async fn a_filtered_body_streams_every_chunk_through_the_filter() {
        let chunks: Vec<Result<Frame<Bytes>, BoxError>> = ["ab", "c", "", "de"]
            .iter()
            .map(|s| Ok(Frame::data(Bytes::from_static(s.as_bytes()))))
            .collect();
        let inner = boxed(http_body_util::StreamBody::new(futures_util::stream::iter(
            chunks,
        )));
        let body = Filtered::new(inner, Box::new(Upper(None)));
        let out = body.collect().await.unwrap().to_bytes();
        assert_eq!(&out[..], b"ABCDE");
    }
}
