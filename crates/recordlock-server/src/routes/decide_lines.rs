//! `POST /recordlock/v1/decide` with a JSON Lines body: one answer a line, in input order,
//! streamed as batches are answered.
//!
//! A body is answered on a blocking thread, a batch of [`LINES_PER_BATCH`] lines at a time:
//! its lines are read in chunks of [`LINES_PER_CHUNK`]; then the stored locks of the records
//! whose requests give none are read in one go; then the chunks are answered, each into its
//! own buffer, and the buffers are sent in order. Every chunk keeps its buffers (requests,
//! row, output) from batch to batch, so a line allocates little beyond its record id.
//!
//! While fewer bodies are being answered than there are serving threads, the chunks of a
//! batch are read and answered on every thread (rayon's pool); once the threads are all
//! busy, each body is answered on its own thread, chunk after chunk, in the same order: the
//! bodies then keep the cores busy between them, and no batch waits for a fork and join of
//! threads (two thread switches a batch, and rayon's spinning while it waits for work).
//! The choice is made at each step (reading, answering); a body waiting for its stored locks
//! (a round trip to PostgreSQL) is not counted, so the others may split onto its core.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::body::{Body, Bytes};
use axum::http::HeaderValue;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use rayon::prelude::*;
use recordlock::criteria::{Error, ErrorCode, JsonPath, Row};
use recordlock::{LockState, Policy, RequestLine, error_line, with_line};

use crate::routes::write_path::{NDJSON, check_size};
use crate::state::{App, Org};

/// Lines answered together: their stored locks are read together (from memory, or in a
/// query per 500 ids on SQLite), and each batch is one fork and join of the threads when
/// they are split between them.
pub const LINES_PER_BATCH: usize = 1000;
/// Lines a thread reads and answers at a time.
pub const LINES_PER_CHUNK: usize = 250;
/// Output is sent once this much has been answered.
const SEND_BYTES: usize = 64 * 1024;

/// JSON Lines bodies being answered now, in this process.
static BODIES_IN_FLIGHT: AtomicUsize = AtomicUsize::new(0);

/// One body counted in [`BODIES_IN_FLIGHT`] while it lives (and is not waiting).
struct InFlight;

impl InFlight {
    fn enter() -> InFlight {
        BODIES_IN_FLIGHT.fetch_add(1, Ordering::Relaxed);
        InFlight
    }

    /// Whether the next step is to be split between the threads: fewer bodies (this one
    /// among them) are being answered than there are threads.
    fn split(&self) -> bool {
        BODIES_IN_FLIGHT.load(Ordering::Relaxed) < rayon::current_num_threads()
    }

    /// Runs `wait` (a read of stored locks, a network round trip on PostgreSQL) with this
    /// body not counted: while it waits, its core is free for the others to split onto.
    fn waiting<T>(&self, wait: impl FnOnce() -> T) -> T {
        BODIES_IN_FLIGHT.fetch_sub(1, Ordering::Relaxed);
        let _back = Resume;
        wait()
    }
}

/// Counts a body that waited back in when dropped.
struct Resume;

impl Drop for Resume {
    fn drop(&mut self) {
        BODIES_IN_FLIGHT.fetch_add(1, Ordering::Relaxed);
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        BODIES_IN_FLIGHT.fetch_sub(1, Ordering::Relaxed);
    }
}

/// The numbered (1-based) lines of a body that are not blank, without their line endings.
pub fn numbered_lines(bytes: &[u8]) -> impl Iterator<Item = (usize, &[u8])> {
    let mut rest = Some(bytes);
    std::iter::from_fn(move || {
        let text = rest?;
        Some(match memchr::memchr(b'\n', text) {
            Some(end) => {
                rest = text.get(end + 1..);
                text.get(..end).unwrap_or(text)
            }
            None => {
                rest = None;
                text
            }
        })
    })
    .enumerate()
    .map(|(n, line)| (n + 1, line.strip_suffix(b"\r").unwrap_or(line)))
    .filter(|(_, line)| !line.iter().all(u8::is_ascii_whitespace))
}

/// A line being answered: its number, its request (valid only without an error), and the
/// id of the record whose stored lock it needs.
struct Pending<'a> {
    number: usize,
    request: RequestLine<'a>,
    error: Option<Error>,
    wants: Option<String>,
}

/// One thread's share of a batch, and its buffers.
struct Chunk<'a> {
    pending: Vec<Pending<'a>>,
    row: Row,
    out: Vec<u8>,
}

impl<'a> Chunk<'a> {
    fn new(policy: &Policy) -> Chunk<'a> {
        Chunk { pending: Vec::with_capacity(LINES_PER_CHUNK), row: policy.new_row(), out: Vec::new() }
    }

    /// Reads `lines`, reusing the requests of the previous batch.
    fn read(&mut self, policy: &Policy, lines: &[(usize, &'a [u8])]) {
        self.pending.truncate(lines.len());
        for (i, (number, line)) in lines.iter().enumerate() {
            if self.pending.len() <= i {
                self.pending.push(Pending { number: 0, request: RequestLine::empty(), error: None, wants: None });
            }
            let Some(slot) = self.pending.get_mut(i) else { continue };
            slot.number = *number;
            slot.error = read_line(policy, line, &mut slot.request).err();
            slot.wants = match slot.error {
                None if slot.request.lock().is_none() => slot.request.record_id(),
                _ => None,
            };
        }
    }

    /// Answers every line into `out` (one line each).
    fn answer(&mut self, policy: &Policy) {
        self.out.clear();
        for slot in &self.pending {
            let written = match &slot.error {
                None => {
                    serde_json::to_writer(&mut self.out, &policy.answer_request_line_in(&slot.request, &mut self.row))
                }
                Some(e) => {
                    if e.code() == ErrorCode::InternalError {
                        tracing::error!(error = %e.message(), "decide line failed");
                    }
                    serde_json::to_writer(&mut self.out, &with_line(error_line(e), slot.number as u64))
                }
            };
            if written.is_ok() {
                self.out.push(b'\n');
            }
        }
    }
}

/// Reads one request line (bounded by the record limit) into `request`, reusing its buffers.
fn read_line<'a>(policy: &Policy, line: &'a [u8], request: &mut RequestLine<'a>) -> Result<(), Error> {
    check_size(policy, line.len())?;
    let text = std::str::from_utf8(line)
        .map_err(|_| Error::new(ErrorCode::InvalidData, &JsonPath::root(), "the line is not UTF-8"))?;
    request.read(text)
}

/// Answers a batch of numbered lines, in order, onto `out`: the requests without a lock get
/// their records' stored locks in one read ([`App::stored_locks`]). `chunks` are reused from
/// batch to batch; the chunks are split between the threads when `in_flight` says so.
fn answer_batch<'a>(
    app: &App,
    org: &Org,
    policy: &Policy,
    batch: &[(usize, &'a [u8])],
    chunks: &mut Vec<Chunk<'a>>,
    in_flight: &InFlight,
    out: &mut Vec<u8>,
) {
    let count = batch.len().div_ceil(LINES_PER_CHUNK);
    while chunks.len() < count {
        chunks.push(Chunk::new(policy));
    }
    let Some(chunks) = chunks.get_mut(..count) else { return };
    let read = |(chunk, lines): (&mut Chunk<'a>, &[(usize, &'a [u8])])| chunk.read(policy, lines);
    if in_flight.split() {
        chunks.par_iter_mut().zip(batch.par_chunks(LINES_PER_CHUNK)).for_each(read);
    } else {
        chunks.iter_mut().zip(batch.chunks(LINES_PER_CHUNK)).for_each(read);
    }
    let wanted: Vec<&str> = chunks.iter().flat_map(|c| &c.pending).filter_map(|p| p.wants.as_deref()).collect();
    let stored = if wanted.is_empty() {
        Ok(Vec::new())
    } else {
        in_flight.waiting(|| app.stored_locks(org, policy.module().name(), &wanted))
    };
    let mut stored = match stored {
        Ok(locks) => Ok(locks.into_iter()),
        Err(e) => Err(e.to_string()),
    };
    for slot in chunks.iter_mut().flat_map(|c| &mut c.pending) {
        if slot.wants.is_none() {
            continue;
        }
        let lock = match &mut stored {
            Ok(locks) => locks.next().unwrap_or(Ok(None)),
            Err(e) => Err(e.clone()),
        };
        match lock {
            Ok(Some(lock)) => slot.request.set_lock(LockState::clone(&lock)),
            Ok(None) => {}
            Err(e) => slot.error = Some(Error::new(ErrorCode::InternalError, &JsonPath::root(), e)),
        }
    }
    let answer = |chunk: &mut Chunk<'a>| chunk.answer(policy);
    if in_flight.split() {
        chunks.par_iter_mut().for_each(answer);
    } else {
        chunks.iter_mut().for_each(answer);
    }
    for chunk in chunks.iter() {
        out.extend_from_slice(&chunk.out);
    }
}

/// Answers each line of `bytes` on a blocking thread and streams the answers as they come,
/// a batch of lines at a time.
pub fn stream_lines(app: Arc<App>, org: Arc<Org>, policy: Arc<Policy>, bytes: Bytes) -> Response {
    let (tx, rx) = tokio::sync::mpsc::channel::<Bytes>(4);
    tokio::task::spawn_blocking(move || {
        let in_flight = InFlight::enter();
        let mut out = Vec::with_capacity(2 * SEND_BYTES);
        let mut lines = numbered_lines(&bytes);
        let (mut batch, mut chunks) = (Vec::with_capacity(LINES_PER_BATCH), Vec::new());
        loop {
            batch.clear();
            batch.extend(lines.by_ref().take(LINES_PER_BATCH));
            if batch.is_empty() {
                break;
            }
            answer_batch(&app, &org, &policy, &batch, &mut chunks, &in_flight, &mut out);
            if out.len() >= SEND_BYTES {
                let full = std::mem::replace(&mut out, Vec::with_capacity(2 * SEND_BYTES));
                if tx.blocking_send(Bytes::from(full)).is_err() {
                    return; // the client went away
                }
            }
        }
        if !out.is_empty() {
            let _ = tx.blocking_send(Bytes::from(out));
        }
    });
    let stream = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|chunk| (Ok::<Bytes, std::io::Error>(chunk), rx))
    });
    let mut response = Body::from_stream(stream).into_response();
    response.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static(NDJSON));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_numbered_in_the_body_and_blank_ones_skipped() {
        let body = b"a\r\n\n  \nb\nc";
        let got: Vec<(usize, &[u8])> = numbered_lines(body).collect();
        assert_eq!(got, [(1, &b"a"[..]), (4, b"b"), (5, b"c")]);
        assert_eq!(numbered_lines(b"").count(), 0);
        assert_eq!(numbered_lines(b"x\n").collect::<Vec<_>>(), [(1, &b"x"[..])]);
    }
}
