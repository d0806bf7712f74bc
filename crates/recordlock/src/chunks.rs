//! Parallel, order-keeping evaluation of JSON Lines a chunk at a time, as sweeps do it:
//! the next chunk is read while the current one is evaluated, at most two chunks are held,
//! and results come out in input order whatever the number of threads.

use std::io::{self, BufRead, Read};
use std::sync::atomic::{AtomicBool, Ordering};

use rayon::prelude::*;

/// One input line as the evaluator sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Line<'a> {
    /// The line's bytes, without its newline (and carriage return).
    Text(&'a [u8]),
    /// A line longer than the limit, skipped without being held.
    TooLong,
}

/// The default bound on a chunk's bytes: with lines of about a kilobyte, 8,192 lines fit,
/// so the line count bounds typical chunks and this bounds chunks of long lines.
pub const CHUNK_BYTES: usize = 8 << 20;

/// A chunk's bytes per thread of the pool, at most (whatever `chunk_bytes` allows; half of it
/// on a pool of one thread): a chunk is copied in and searched for newlines by one thread,
/// then evaluated, and a chunk this small is still in the cores' caches when it is
/// evaluated, where a chunk of 8 MiB had to come back from memory. On one thread the chunk
/// being read and the one being evaluated share one core's cache, hence half; with more
/// threads, bigger chunks keep the threads' pieces balanced (each chunk ends when its
/// slowest piece does). Measured on the sweep of generated Deals records (~870 bytes each),
/// against 8,192-line chunks of 7 MB: 12% less time on 1 thread, 4% on 2.
pub const CHUNK_BYTES_PER_THREAD: usize = 1 << 20;

/// The cache bound on a chunk's bytes for a pool of `threads` ([`CHUNK_BYTES_PER_THREAD`]).
fn cached_chunk_bytes(threads: usize) -> usize {
    if threads <= 1 { CHUNK_BYTES_PER_THREAD / 2 } else { CHUNK_BYTES_PER_THREAD.saturating_mul(threads) }
}

/// How to read the lines.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Reading<'a> {
    /// Lines per chunk at most.
    pub(crate) chunk_lines: usize,
    /// A chunk stops taking lines once it holds this many bytes (so it holds less than this
    /// plus one line of `limit` bytes).
    pub(crate) chunk_bytes: usize,
    /// The longest line held, in bytes; longer ones reach the evaluator as [`Line::TooLong`].
    pub(crate) limit: usize,
    /// Set to stop after the current chunk.
    pub(crate) cancel: Option<&'a AtomicBool>,
}

/// What the sink of [`map_lines`] receives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Step<T> {
    /// The result of the next line.
    Item(T),
    /// A chunk is done (time to report progress).
    ChunkDone,
}

/// Maps each line of `input` with `map` (in parallel, each worker with its own state from
/// `init`, and the line's 1-based number in the input), handing the results to `sink` in
/// input order, and [`Step::ChunkDone`] after each chunk. Returns whether `cancel` stopped
/// the run before the end of the input.
pub(crate) fn map_lines<R, S, T>(
    input: R,
    reading: &Reading<'_>,
    init: impl Fn() -> S + Sync + Send,
    map: impl Fn(&mut S, u64, Line<'_>) -> T + Sync + Send,
    sink: impl FnMut(Step<T>),
) -> io::Result<bool>
where
    R: BufRead + Send,
    T: Send,
{
    let Reading { chunk_lines, chunk_bytes, limit, cancel } = *reading;
    let cached = cached_chunk_bytes(rayon::current_num_threads());
    let bound = Bound { lines: chunk_lines.max(1), bytes: chunk_bytes.min(cached), limit, read: READ_BYTES };
    map_bounded(input, &bound, cancel, init, map, sink)
}

/// [`map_lines`] over input already in memory: its lines are evaluated where they are, not
/// copied into chunks first, and each line is found (by `memchr`) just before it is evaluated,
/// so the input is read once, while the processor works on the lines before it, instead of a
/// pass finding every line of a chunk first. Chunks end at the first line ending past the
/// byte bound of [`map_lines`]; a chunk is cut into pieces at line boundaries, evaluated in
/// parallel. `map` is not told a line's number: the sink receives exactly one item per line,
/// in input order, so the `n`th item is line `n`. Lines over the limit are as for
/// [`map_lines`]. Memory: each piece holds at most its share of `chunk_lines` results at
/// once (a piece with more lines hands the rest on, evaluated after it, in order).
pub(crate) fn map_slice<S, T>(
    input: &[u8],
    reading: &Reading<'_>,
    init: impl Fn() -> S + Sync + Send,
    map: impl Fn(&mut S, Line<'_>) -> T + Sync + Send,
    sink: impl FnMut(Step<T>),
) -> bool
where
    T: Send,
{
    let Reading { chunk_lines, chunk_bytes, limit, cancel } = *reading;
    let threads = rayon::current_num_threads();
    let cached = cached_chunk_bytes(threads);
    let bound = Bound { lines: chunk_lines.max(1), bytes: chunk_bytes.min(cached), limit, read: READ_BYTES };
    // Pieces of ~256 KiB on a pool of threads (a chunk of 1 MiB a thread: four a thread, so
    // that a thread done early takes another); the whole chunk on one thread.
    let pieces = if threads <= 1 { 1 } else { threads * 4 };
    map_slice_bounded(input, &bound, pieces, cancel, init, map, sink)
}

/// [`map_slice`] with chunks of `bound`, each cut into `pieces`.
fn map_slice_bounded<S, T>(
    input: &[u8],
    bound: &Bound,
    pieces: usize,
    cancel: Option<&AtomicBool>,
    init: impl Fn() -> S + Sync + Send,
    map: impl Fn(&mut S, Line<'_>) -> T + Sync + Send,
    mut sink: impl FnMut(Step<T>),
) -> bool
where
    T: Send,
{
    let cap = (bound.lines / pieces.max(1)).max(1);
    let mut rest = input;
    while !rest.is_empty() {
        if cancel.is_some_and(|c| c.load(Ordering::Relaxed)) {
            return true;
        }
        let (chunk, after) = rest.split_at_checked(chunk_end(rest, bound.bytes)).unwrap_or((rest, &[]));
        let ranges = piece_ranges(chunk, pieces);
        let done: Vec<Piece<T>> = if ranges.len() == 1 {
            ranges.iter().map(|r| map_piece(chunk, r.clone(), cap, bound.limit, &mut init(), &map)).collect()
        } else {
            ranges
                .par_iter()
                .with_max_len(1)
                .map_init(&init, |s, r| map_piece(chunk, r.clone(), cap, bound.limit, s, &map))
                .collect()
        };
        for mut piece in done {
            loop {
                for r in piece.items {
                    sink(Step::Item(r));
                }
                // A piece stopped at its cap: its other lines, `cap` at a time, in order.
                let Some(from) = piece.rest.take() else { break };
                piece = map_piece(chunk, from, cap, bound.limit, &mut init(), &map);
            }
        }
        sink(Step::ChunkDone);
        rest = after;
    }
    false
}

/// The length of the next chunk of `rest`: its lines up to the first that ends at or past
/// `bytes` bytes, with its ending (the whole of `rest` if no line does).
fn chunk_end(rest: &[u8], bytes: usize) -> usize {
    let from = bytes.max(1) - 1;
    match rest.get(from..).and_then(|tail| memchr::memchr(b'\n', tail)) {
        Some(i) => from + i + 1,
        None => rest.len(),
    }
}

/// `chunk` cut into up to `pieces` ranges of about equal length, each ending after a line
/// ending (the last at the chunk's end), none empty.
fn piece_ranges(chunk: &[u8], pieces: usize) -> Vec<std::ops::Range<usize>> {
    let mut ranges = Vec::with_capacity(pieces);
    let mut start = 0;
    for k in 1..=pieces {
        let end = if k == pieces { chunk.len() } else { start.max(chunk.len() * k / pieces) };
        let tail = chunk.get(start..).unwrap_or_default();
        let end = if end >= chunk.len() { chunk.len() } else { start + chunk_end(tail, end - start + 1) };
        if end > start {
            ranges.push(start..end);
            start = end;
        }
    }
    ranges
}

/// How far ahead of the line being evaluated its piece's bytes are asked for.
const PREFETCH_AHEAD: usize = 2048;

/// Asks the processor to bring `chunk[from..to]` into its caches, a cache line at a time
/// (a hint: no effect on what is read); returns where it stopped.
#[inline(always)]
fn prefetch(chunk: &[u8], from: usize, to: usize) -> usize {
    #[cfg(all(any(target_arch = "x86", target_arch = "x86_64"), target_feature = "sse"))]
    for at in (from..to).step_by(64) {
        if let Some(byte) = chunk.get(at) {
            safe_arch::prefetch_t0(byte);
        }
    }
    #[cfg(not(all(any(target_arch = "x86", target_arch = "x86_64"), target_feature = "sse")))]
    let _ = chunk;
    from.max(to)
}

/// What a piece of a chunk gave: its results, and where it stopped if it reached its cap
/// before its end (the rest of its range).
struct Piece<T> {
    items: Vec<T>,
    rest: Option<std::ops::Range<usize>>,
}

/// Maps the lines of `chunk[range]` in order, at most `cap` of them.
fn map_piece<S, T>(
    chunk: &[u8],
    range: std::ops::Range<usize>,
    cap: usize,
    limit: usize,
    state: &mut S,
    map: &impl Fn(&mut S, Line<'_>) -> T,
) -> Piece<T> {
    let mut items = Vec::new();
    let mut at = range.start;
    let mut fetched = range.start;
    while at < range.end {
        if items.len() >= cap {
            return Piece { items, rest: Some(at..range.end) };
        }
        fetched = prefetch(chunk, fetched.max(at + PREFETCH_AHEAD), range.end.min(at + 2 * PREFETCH_AHEAD));
        let end = chunk.get(at..range.end).and_then(|tail| memchr::memchr(b'\n', tail)).map_or(range.end, |i| at + i);
        items.push(map(state, line_of(chunk, at, end, limit)));
        at = end + 1;
    }
    Piece { items, rest: None }
}

/// The line `bytes[start..end]` as [`span`] reads it.
fn line_of(bytes: &[u8], start: usize, end: usize, limit: usize) -> Line<'_> {
    match span(bytes, start, end, limit) {
        Span::Text { start, end } => Line::Text(bytes.get(start..end).unwrap_or_default()),
        Span::TooLong => Line::TooLong,
    }
}

/// [`map_lines`] with chunks of `bound` (tests read a few bytes at a time).
fn map_bounded<R, S, T>(
    input: R,
    bound: &Bound,
    cancel: Option<&AtomicBool>,
    init: impl Fn() -> S + Sync + Send,
    map: impl Fn(&mut S, u64, Line<'_>) -> T + Sync + Send,
    mut sink: impl FnMut(Step<T>),
) -> io::Result<bool>
where
    R: BufRead + Send,
    T: Send,
{
    let mut feed = Feed { input, exhausted: false, error: None };
    let mut current = Chunk::default();
    let mut next = Chunk::default();
    current.fill(&mut feed, bound, 1, &[])?;
    while !current.is_empty() {
        if cancel.is_some_and(|c| c.load(Ordering::Relaxed)) {
            return Ok(true);
        }
        let following = current.first_line + current.spans.len() as u64;
        let (read, results) = rayon::join(
            || next.fill(&mut feed, bound, following, current.read_ahead()),
            || {
                // Pieces of 64 lines or more: a chunk kept to the cache bound holds ~1,200
                // records a thread, and the threads wait for the slowest piece at the chunk's
                // end; pieces of 256 left a thread idle too long (measured with 512 KiB a
                // thread: 2 threads 20% slower than with 8 MiB chunks; with 64, 5%).
                current
                    .lines()
                    .par_iter()
                    .with_min_len(64)
                    .map_init(&init, |s, (number, line)| map(s, *number, *line))
                    .collect::<Vec<T>>()
            },
        );
        // The chunk's results go out before a read error of the next chunk is returned.
        for r in results {
            sink(Step::Item(r));
        }
        sink(Step::ChunkDone);
        read?;
        std::mem::swap(&mut current, &mut next);
    }
    Ok(false)
}

/// What one chunk may hold.
struct Bound {
    lines: usize,
    bytes: usize,
    limit: usize,
    /// Bytes asked of the input at a time ([`READ_BYTES`]).
    read: usize,
}

/// How many bytes a chunk asks its input for at a time: lines are found in what arrives, so
/// a chunk holds at most this much past its last line (the start of the next chunk). A
/// `BufReader` of this capacity (or less) over the input passes these reads straight to it,
/// into the chunk, where a bigger one copies what it read once more.
pub const READ_BYTES: usize = 64 << 10;

/// The input between chunks.
struct Feed<R> {
    input: R,
    /// The input has ended: it is not read again.
    exhausted: bool,
    /// A read error met after some lines of a chunk were complete: those lines are evaluated
    /// first, and the next chunk reports the error.
    error: Option<io::Error>,
}

/// Where a line of a chunk is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Span {
    /// The line's text (without its line ending) is `bytes[start..end]`.
    Text { start: usize, end: usize },
    /// A line longer than the limit, not held.
    TooLong,
}

/// Up to a chunk of lines held in one buffer, filled by bulk reads; lines over the limit are
/// not held.
#[derive(Default)]
struct Chunk {
    /// The 1-based input line number of the chunk's first line.
    first_line: u64,
    /// The chunk's lines with their line endings, then what was read past the last line.
    // INVARIANT: `bytes[..held]` are exactly the held lines and their endings, in order.
    bytes: Vec<u8>,
    /// The end of the chunk's last line in `bytes`; the rest belongs to the next chunk.
    held: usize,
    spans: Vec<Span>,
}

impl Chunk {
    fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    /// The bytes read past this chunk's last line: the next chunk starts with them.
    fn read_ahead(&self) -> &[u8] {
        self.bytes.get(self.held..).unwrap_or_default()
    }

    /// Fills the chunk with the lines of `carried` (what the previous chunk read past its
    /// end), then of `feed`, until it holds `bound.lines` lines or `bound.bytes` bytes of
    /// lines or the input ends. Input arrives `bound.read` bytes at a time and is split in place:
    /// one search for newlines and one copy per read, none per line. A line longer than
    /// `bound.limit` (its `\n` or `\r\n` ending not counted) is dropped as it arrives, so it
    /// costs at most its limit and one read in memory: the chunk holds less than
    /// `bound.bytes + bound.limit + 2 + bound.read` bytes.
    fn fill<R: BufRead>(
        &mut self,
        feed: &mut Feed<R>,
        bound: &Bound,
        first_line: u64,
        carried: &[u8],
    ) -> io::Result<()> {
        self.first_line = first_line;
        self.bytes.clear();
        self.bytes.extend_from_slice(carried);
        self.spans.clear();
        if let Some(error) = feed.error.take() {
            return Err(error);
        }
        let full = |spans: &[Span], line_start: usize| spans.len() >= bound.lines || line_start >= bound.bytes;
        // The start of the line being read: `bytes[..line_start]` are the chunk's lines, and
        // `bytes[line_start..scanned]` holds no newline.
        let mut line_start = 0;
        let mut scanned = 0;
        // The line being read is over the limit: its bytes are dropped as they come.
        let mut skipping = false;
        loop {
            if skipping {
                match memchr::memchr(b'\n', self.bytes.get(line_start..).unwrap_or_default()) {
                    Some(i) => {
                        self.bytes.drain(line_start..=line_start + i);
                        self.spans.push(Span::TooLong);
                        skipping = false;
                        if full(&self.spans, line_start) {
                            self.held = line_start;
                            return Ok(());
                        }
                    }
                    None => self.bytes.truncate(line_start),
                }
                scanned = line_start;
            }
            if !skipping {
                let from = scanned.max(line_start);
                for newline in memchr::memchr_iter(b'\n', self.bytes.get(from..).unwrap_or_default()) {
                    let end = from + newline;
                    self.spans.push(span(&self.bytes, line_start, end, bound.limit));
                    line_start = end + 1;
                    if full(&self.spans, line_start) {
                        self.held = line_start;
                        return Ok(());
                    }
                }
                scanned = self.bytes.len();
                // One byte over the limit is held while it may be the `\r` of a CRLF ending.
                if self.bytes.len() - line_start > bound.limit.saturating_add(1) {
                    skipping = true;
                    self.bytes.truncate(line_start);
                    scanned = line_start;
                }
            }
            if feed.exhausted {
                break;
            }
            self.bytes.reserve(bound.read);
            // `read_to_end` retries interrupted reads, and keeps what it read before an error.
            match (&mut feed.input).take(bound.read as u64).read_to_end(&mut self.bytes) {
                Ok(0) => feed.exhausted = true,
                Ok(_) => {}
                Err(error) => {
                    feed.error = Some(error);
                    feed.exhausted = true;
                }
            }
        }
        if feed.error.is_some() {
            // The line being read when the input failed is lost with the input; the lines
            // before it are evaluated, then the next chunk reports the error.
            self.bytes.truncate(line_start);
            if self.spans.is_empty() {
                return feed.error.take().map_or(Ok(()), Err);
            }
        } else if skipping {
            self.spans.push(Span::TooLong);
        } else if line_start < self.bytes.len() {
            // A final line without a newline.
            self.spans.push(span(&self.bytes, line_start, self.bytes.len(), bound.limit));
            line_start = self.bytes.len();
        }
        self.held = line_start;
        Ok(())
    }

    /// Each line with its 1-based input line number.
    fn lines(&self) -> Vec<(u64, Line<'_>)> {
        (self.first_line..)
            .zip(&self.spans)
            .map(|(number, span)| match *span {
                Span::Text { start, end } => (number, Line::Text(self.bytes.get(start..end).unwrap_or_default())),
                Span::TooLong => (number, Line::TooLong),
            })
            .collect()
    }
}

/// The line `bytes[start..end]` (its `\n` at `end`, or the input's end there), without a
/// final `\r`, or [`Span::TooLong`] if that is longer than `limit`.
fn span(bytes: &[u8], start: usize, end: usize, limit: usize) -> Span {
    let end = if end > start && bytes.get(end - 1) == Some(&b'\r') { end - 1 } else { end };
    if end - start > limit { Span::TooLong } else { Span::Text { start, end } }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lines::{LineRead, read_line_bounded};

    #[test]
    fn results_keep_input_order_across_chunks() {
        let input: String = (0..1000).map(|i| format!("{i}\r\n")).collect::<String>() + "x".repeat(50).as_str();
        let mut out = Vec::new();
        let mut chunks = 0;
        let cancelled = map_lines(
            input.as_bytes(),
            &Reading { chunk_lines: 7, chunk_bytes: CHUNK_BYTES, limit: 10, cancel: None },
            || (),
            |(), number, line| shown(number, line),
            |step| match step {
                Step::Item(s) => out.push(s),
                Step::ChunkDone => chunks += 1,
            },
        )
        .unwrap();
        assert!(!cancelled);
        assert_eq!(out.len(), 1001);
        assert_eq!(out[0], "1:0");
        assert_eq!(out[999], "1000:999");
        assert_eq!(out[1000], "1001:too long");
        assert_eq!(chunks, 143);
    }

    /// Issue 15 item 5: a chunk was 8,192 lines whatever their size (150 lines of 1 MiB
    /// Chunks stay small enough to be in cache when evaluated: [`CHUNK_BYTES_PER_THREAD`]
    /// per thread of the pool (half on one thread), whatever larger `chunk_bytes` allows, and
    /// lines come out in input order on any number of threads.
    #[test]
    fn chunks_are_kept_to_the_cached_bytes_per_thread() {
        let line = "z".repeat(1023) + "\n";
        let input = line.repeat(4096 + 3);
        for threads in [1, 2] {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
            let (mut sizes, mut current, mut lines) = (Vec::new(), 0, 0u64);
            let reading = Reading { chunk_lines: 8192, chunk_bytes: CHUNK_BYTES, limit: 2000, cancel: None };
            pool.install(|| {
                map_lines(
                    input.as_bytes(),
                    &reading,
                    || (),
                    |(), n, _| n,
                    |step| match step {
                        Step::Item(n) => {
                            lines += 1;
                            assert_eq!(n, lines, "lines come out in input order");
                            current += 1024;
                        }
                        Step::ChunkDone => sizes.push(std::mem::take(&mut current)),
                    },
                )
            })
            .unwrap();
            let bound = if threads == 1 { 512 << 10 } else { threads << 20 };
            assert_eq!(cached_chunk_bytes(threads), bound);
            assert_eq!(lines, 4096 + 3);
            assert!(sizes.iter().all(|&s| s <= bound), "{threads} thread(s): {sizes:?}");
            assert_eq!(sizes.len(), (4096 + 3) * 1024 / bound + 1, "{threads} thread(s): {sizes:?}");
        }
    }

    /// peaked at 157 MB). Chunks are bounded by bytes too: never more than the byte bound
    /// plus one line.
    #[test]
    fn chunks_are_bounded_by_bytes() {
        let line = "x".repeat(99) + "\n";
        let input = line.repeat(50);
        let mut sizes = Vec::new();
        let mut current = 0;
        let reading = Reading { chunk_lines: 8192, chunk_bytes: 1000, limit: 200, cancel: None };
        let cancelled = map_lines(
            input.as_bytes(),
            &reading,
            || (),
            |(), _, line| match line {
                Line::Text(t) => t.len() + 1,
                Line::TooLong => 0,
            },
            |step| match step {
                Step::Item(n) => current += n,
                Step::ChunkDone => sizes.push(std::mem::take(&mut current)),
            },
        )
        .unwrap();
        assert!(!cancelled);
        assert_eq!(sizes, [1000; 5], "ten 100-byte lines reach the 1,000-byte bound");
        let mut chunk = Chunk::default();
        let bound = Bound { lines: 8192, bytes: 1000, limit: 600, read: READ_BYTES };
        let long = "y".repeat(599) + "\n";
        let input = long.repeat(3);
        let mut feed = Feed { input: input.as_bytes(), exhausted: false, error: None };
        chunk.fill(&mut feed, &bound, 1, &[]).unwrap();
        assert_eq!(chunk.spans.len(), 2, "the line that crosses the bound is the chunk's last");
        assert!(chunk.held < bound.bytes + bound.limit + 1);
        assert!(chunk.bytes.len() < bound.bytes + bound.limit + 2 + READ_BYTES);
    }

    /// Input that arrives a few bytes at a time (the sizes cycle), as a pipe may deliver
    /// it, and may fail after `fail_at` bytes.
    struct Trickle<'a> {
        data: &'a [u8],
        sizes: std::iter::Cycle<std::slice::Iter<'a, usize>>,
        fail_at: Option<usize>,
        given: usize,
    }

    impl<'a> Trickle<'a> {
        fn new(data: &'a [u8], sizes: &'a [usize]) -> Self {
            Trickle { data, sizes: sizes.iter().cycle(), fail_at: None, given: 0 }
        }
    }

    impl io::Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let mut n = (*self.sizes.next().unwrap()).min(buf.len()).min(self.data.len());
            if let Some(fail_at) = self.fail_at {
                if self.given >= fail_at {
                    return Err(io::Error::other("the disk went away"));
                }
                n = n.min(fail_at - self.given);
            }
            buf[..n].copy_from_slice(&self.data[..n]);
            self.data = &self.data[n..];
            self.given += n;
            Ok(n)
        }
    }

    impl BufRead for Trickle<'_> {
        fn fill_buf(&mut self) -> io::Result<&[u8]> {
            let n = (*self.sizes.next().unwrap()).min(self.data.len());
            Ok(&self.data[..n])
        }
        fn consume(&mut self, n: usize) {
            self.data = &self.data[n..];
            self.given += n;
        }
    }

    /// Every line of `input` as [`map_lines`] hands it over, with chunk boundaries as `|`.
    /// The input is asked for `read` bytes at a time.
    fn chunked(
        input: impl BufRead + Send,
        chunk_lines: usize,
        chunk_bytes: usize,
        limit: usize,
        read: usize,
    ) -> (Vec<String>, io::Result<bool>) {
        let mut out = Vec::new();
        let bound = Bound { lines: chunk_lines, bytes: chunk_bytes, limit, read };
        let result = map_bounded(
            input,
            &bound,
            None,
            || (),
            |(), number, line| shown(number, line),
            |step| match step {
                Step::Item(s) => out.push(s),
                Step::ChunkDone => out.push("|".to_owned()),
            },
        );
        (out, result)
    }

    /// A line as the tests record it: its number and text, or that it was too long.
    fn shown(number: u64, line: Line<'_>) -> String {
        match line {
            Line::Text(t) => format!("{number}:{}", String::from_utf8_lossy(t)),
            Line::TooLong => format!("{number}:too long"),
        }
    }

    /// The lines as the line-at-a-time reader ([`read_line_bounded`]) reads them: the model.
    fn expected(input: &[u8], limit: usize) -> Vec<String> {
        let mut input = input;
        let mut out = Vec::new();
        let mut buf = Vec::new();
        for number in 1.. {
            buf.clear();
            match read_line_bounded(&mut input, &mut buf, limit).unwrap() {
                LineRead::Eof => break,
                LineRead::TooLong => out.push(format!("{number}:too long")),
                LineRead::Line => {
                    let line = buf.strip_suffix(b"\n").unwrap_or(&buf);
                    let line = line.strip_suffix(b"\r").unwrap_or(line);
                    out.push(format!("{number}:{}", String::from_utf8_lossy(line)));
                }
            }
        }
        out
    }

    /// Lines of every length around the limit (with LF, CRLF, a lone final `\r`), empty
    /// lines, and over-long lines of several reads, split across reads of many sizes and
    /// chunks of few lines or few bytes: the same lines, numbers and verdicts as the
    /// line-at-a-time reader, in order.
    #[test]
    fn lines_straddling_reads_and_chunks_are_read_whole() {
        let limit = 40;
        let mut text = Vec::new();
        for (i, len) in (0..90).chain([READ_BYTES - 1, READ_BYTES, 3 * READ_BYTES + 7, 0, 1]).enumerate() {
            let body: Vec<u8> = (0..len).map(|k| b'a' + ((i + k) % 26) as u8).collect();
            text.extend_from_slice(&body);
            text.extend_from_slice(if i % 3 == 0 { b"\r\n" } else { b"\n" });
        }
        for last in [&b""[..], b"tail", b"tail\r", &[b'z'; 41], &[b'z'; 400], b"\n\n"] {
            let mut input = text.clone();
            input.extend_from_slice(last);
            let want = expected(&input, limit);
            let reads: [(usize, &[usize]); 6] = [
                (1, &[1]),
                (7, &[7, 1, 63]),
                (41, &[4096]),
                (42, &[3]),
                (4096, &[4096]),
                (READ_BYTES, &[READ_BYTES + 5, 3]),
            ];
            for (read, sizes) in reads {
                for (lines, bytes) in [(1, CHUNK_BYTES), (5, CHUNK_BYTES), (8192, 100), (8192, 1), (8192, CHUNK_BYTES)]
                {
                    let (got, result) = chunked(Trickle::new(&input, sizes), lines, bytes, limit, read);
                    assert!(!result.unwrap());
                    let items: Vec<String> = got.iter().filter(|s| *s != "|").cloned().collect();
                    assert_eq!(
                        items, want,
                        "reads of {read} ({sizes:?}), chunks of {lines} lines, {bytes} bytes, last {last:?}"
                    );
                    assert_eq!(got.last().map(String::as_str), Some("|"));
                    if lines == 1 {
                        assert_eq!(got.len(), 2 * want.len(), "one line a chunk");
                    }
                }
            }
            // All at once, as from a slice.
            let (got, _) = chunked(&input[..], 8192, CHUNK_BYTES, limit, READ_BYTES);
            assert_eq!(got.iter().filter(|s| *s != "|").cloned().collect::<Vec<_>>(), want);
        }
    }

    /// Every line of `input` as [`map_slice`] hands it over in `pieces` a chunk, numbered
    /// by counting the items (one a line), with chunk boundaries as `|`.
    fn sliced(input: &[u8], pieces: usize, chunk_lines: usize, chunk_bytes: usize, limit: usize) -> Vec<String> {
        let mut out = Vec::new();
        let mut number = 0;
        let bound = Bound { lines: chunk_lines, bytes: chunk_bytes, limit, read: READ_BYTES };
        let cancelled = map_slice_bounded(
            input,
            &bound,
            pieces,
            None,
            || (),
            |(), line| shown(0, line),
            |step| match step {
                Step::Item(s) => {
                    number += 1;
                    out.push(s.replacen('0', &number.to_string(), 1));
                }
                Step::ChunkDone => out.push("|".to_owned()),
            },
        );
        assert!(!cancelled);
        out
    }

    /// Input in memory, evaluated in place, in one piece a chunk or several, each holding
    /// few results or many: the same lines, numbers and verdicts as the line-at-a-time reader
    /// (lines of every length around the limit, LF and CRLF, empty lines, a final line with
    /// or without its newline or a lone `\r`), chunks ending at the first line ending past
    /// the byte bound.
    #[test]
    fn input_in_memory_is_read_as_a_reader_reads_it() {
        let limit = 40;
        let mut text = Vec::new();
        for (i, len) in (0..90).chain([0, 1, 39, 40, 41, 400]).enumerate() {
            let body: Vec<u8> = (0..len).map(|k| b'a' + ((i + k) % 26) as u8).collect();
            text.extend_from_slice(&body);
            text.extend_from_slice(if i % 3 == 0 { b"\r\n" } else { b"\n" });
        }
        for last in [&b""[..], b"tail", b"tail\r", &[b'z'; 41], b"\n\n", b"\r"] {
            let mut input = text.clone();
            input.extend_from_slice(last);
            let want = expected(&input, limit);
            for pieces in [1, 2, 3, 8] {
                for (lines, bytes) in [(1, CHUNK_BYTES), (5, CHUNK_BYTES), (8192, 100), (8192, 1), (8192, CHUNK_BYTES)]
                {
                    let got = sliced(&input, pieces, lines, bytes, limit);
                    let items: Vec<String> = got.iter().filter(|s| *s != "|").cloned().collect();
                    assert_eq!(items, want, "{pieces} pieces, {lines} lines, {bytes} bytes, last {last:?}");
                    assert_eq!(got.last().map(String::as_str), Some("|"));
                    let chunks = got.iter().filter(|s| *s == "|").count();
                    match bytes {
                        1 => assert_eq!(chunks, want.len(), "a chunk a line"),
                        CHUNK_BYTES => assert_eq!(chunks, 1, "one chunk"),
                        _ => assert!(chunks > 1 && chunks <= input.len() / 100 + 1, "{chunks} chunks"),
                    }
                }
            }
        }
        assert!(sliced(b"", 2, 5, 100, limit).is_empty(), "no line, no chunk");
    }

    /// Chunks cut into pieces at line boundaries: every piece ends after a line ending (or at
    /// the chunk's end), none is empty, and together they are the chunk.
    #[test]
    fn pieces_cover_the_chunk_at_line_boundaries() {
        let chunk = b"aaaa\nbb\n\ncccccccccccccccc\nd\n\n\neeeeeeee";
        for pieces in 1..=20 {
            let ranges = piece_ranges(chunk, pieces);
            assert!(ranges.len() <= pieces && !ranges.is_empty());
            assert_eq!(ranges.first().map(|r| r.start), Some(0));
            assert_eq!(ranges.last().map(|r| r.end), Some(chunk.len()));
            for pair in ranges.windows(2) {
                assert_eq!(pair[0].end, pair[1].start, "{pieces}: {ranges:?}");
                assert_eq!(chunk[pair[0].end - 1], b'\n', "{pieces}: {ranges:?}");
            }
        }
        // Lines of 10 bytes: as many pieces as asked, of about equal length.
        let lines = b"123456789\n".repeat(100);
        let ranges = piece_ranges(&lines, 8);
        assert_eq!(ranges.len(), 8, "{ranges:?}");
        assert!(ranges.iter().all(|r| (120..=130).contains(&r.len())), "{ranges:?}");
        assert_eq!(chunk_end(chunk, 1), 5);
        assert_eq!(chunk_end(chunk, 5), 5);
        assert_eq!(chunk_end(chunk, 6), 8);
        assert_eq!(chunk_end(chunk, 1000), chunk.len());
    }

    /// A line of exactly the limit whose `\r\n` arrives in another read is held; one byte
    /// more is too long, whatever the read sizes.
    #[test]
    fn the_crlf_rule_holds_across_reads() {
        let input = format!("{}\r\n{}\r\n{}\n", "x".repeat(10), "y".repeat(11), "z".repeat(10));
        for size in 1..=input.len() {
            let (got, _) = chunked(input.as_bytes(), 8192, CHUNK_BYTES, 10, size);
            assert_eq!(
                got,
                [
                    format!("1:{}", "x".repeat(10)),
                    "2:too long".to_owned(),
                    format!("3:{}", "z".repeat(10)),
                    "|".to_owned()
                ]
            );
        }
    }

    /// A read error: the lines completed before it are evaluated and handed over, then the
    /// error is returned; the line it cut is not evaluated.
    #[test]
    fn a_read_error_comes_after_the_lines_before_it() {
        let input = "one\ntwo\nthr";
        for sizes in [&[1usize][..], &[100]] {
            let mut trickle = Trickle::new(input.as_bytes(), sizes);
            trickle.fail_at = Some(input.len());
            let (got, result) = chunked(trickle, 8192, CHUNK_BYTES, 10, sizes[0]);
            assert_eq!(result.unwrap_err().to_string(), "the disk went away");
            assert_eq!(got, ["1:one", "2:two", "|"], "reads of {sizes:?}");
        }
        let mut trickle = Trickle::new(b"partial", &[3]);
        trickle.fail_at = Some(3);
        let (got, result) = chunked(trickle, 8192, CHUNK_BYTES, 10, 3);
        assert!(result.is_err());
        assert!(got.is_empty());
    }

    #[test]
    fn cancel_stops_before_the_next_chunk() {
        let cancel = AtomicBool::new(true);
        let mut n = 0;
        let reading = Reading { chunk_lines: 1, chunk_bytes: CHUNK_BYTES, limit: 10, cancel: Some(&cancel) };
        let cancelled = map_lines("a\nb\n".as_bytes(), &reading, || (), |(), _, _| (), |_| n += 1);
        assert!(cancelled.unwrap());
        assert_eq!(n, 0);
    }
}
