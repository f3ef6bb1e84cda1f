//! The whole-body timeout: a request body must have arrived within
//! [`limits::REQUEST_BODY_TIMEOUT`] of its head. actix-web bounds the head's time only, and once a
//! handler has answered it drains an unread body for as long as the client keeps sending, so a
//! client trickling one byte every few seconds would hold a connection open indefinitely.

use std::cell::Cell;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::web::Bytes;
use actix_web::{HttpMessage, HttpResponse};
use futures_core::Stream;
use tokio::time::{Instant, Sleep, sleep_until};

use super::limits;

/// How far a request body got.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Progress {
    Arriving,
    Complete,
    TimedOut,
}

/// What the stack keeps of a request with a body, to decide after the answer.
pub(crate) struct Watch(Rc<Cell<Progress>>);

/// Puts the deadline on `request`'s body, if it has one (requests without a body pay nothing).
pub(crate) fn watch(request: &mut ServiceRequest) -> Option<Watch> {
    let payload = request.take_payload();
    if matches!(payload, Payload::None) {
        request.set_payload(payload);
        return None;
    }
    let progress = Rc::new(Cell::new(Progress::Arriving));
    let deadline = Instant::now() + limits::REQUEST_BODY_TIMEOUT;
    let stream = Deadline { inner: payload, sleep: Box::pin(sleep_until(deadline)), progress: Rc::clone(&progress) };
    request.set_payload(Payload::Stream { payload: Box::pin(stream) });
    Some(Watch(progress))
}

impl Watch {
    /// A body that timed out is answered 408, whatever the handler made of the error. A body not
    /// read to its end closes the connection after the answer instead of being drained.
    pub(crate) fn settle<B>(self, response: ServiceResponse<EitherBody<B>>) -> ServiceResponse<EitherBody<B>>
    where
        B: MessageBody,
    {
        let mut response = match self.0.get() {
            Progress::Complete => return response,
            Progress::Arriving => response,
            Progress::TimedOut => {
                let (request, _) = response.into_parts();
                let timeout = HttpResponse::RequestTimeout().json(serde_json::json!({ "message": "Request Timeout" }));
                ServiceResponse::new(request, timeout).map_into_right_body()
            }
        };
        response.response_mut().head_mut().set_connection_type(actix_web::http::ConnectionType::Close);
        response
    }
}

/// The request's payload, failing once the deadline has passed.
struct Deadline {
    inner: Payload,
    sleep: Pin<Box<Sleep>>,
    progress: Rc<Cell<Progress>>,
}

impl Stream for Deadline {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.progress.get() == Progress::TimedOut {
            return Poll::Ready(None);
        }
        match Pin::new(&mut self.inner).poll_next(cx) {
            Poll::Ready(None) => {
                self.progress.set(Progress::Complete);
                Poll::Ready(None)
            }
            Poll::Ready(Some(item)) => Poll::Ready(Some(item)),
            Poll::Pending => match self.sleep.as_mut().poll(cx) {
                Poll::Ready(()) => {
                    self.progress.set(Progress::TimedOut);
                    let timed_out = std::io::Error::new(std::io::ErrorKind::TimedOut, "request body timeout");
                    Poll::Ready(Some(Err(PayloadError::Io(timed_out))))
                }
                Poll::Pending => Poll::Pending,
            },
        }
    }
}
