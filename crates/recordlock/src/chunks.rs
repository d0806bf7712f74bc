//! Parallel, order-keeping evaluation of JSON Lines a chunk at a time, as sweeps do it:
//! the next chunk is read while the current one is evaluated, at most two chunks are held,
//! and results come out in input order whatever the number of threads.

use std::io::{self, BufRead};
use std::sync::atomic::{AtomicBool, Ordering};

use rayon::prelude::*;

use crate::lines::{LineRead, read_line_bounded};

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
    mut input: R,
    reading: &Reading<'_>,
    init: impl Fn() -> S + Sync + Send,
    map: impl Fn(&mut S, u64, Line<'_>) -> T + Sync + Send,
    mut sink: impl FnMut(Step<T>),
) -> io::Result<bool>
where
    R: BufRead + Send,
    T: Send,
{
    let Reading { chunk_lines, chunk_bytes, limit, cancel } = *reading;
    let bound = Bound { lines: chunk_lines.max(1), bytes: chunk_bytes, limit };
    let mut current = Chunk::default();
    let mut next = Chunk::default();
    current.fill(&mut input, &bound, 1)?;
    while !current.is_empty() {
        if cancel.is_some_and(|c| c.load(Ordering::Relaxed)) {
            return Ok(true);
        }
        let following = current.first_line + current.ends.len() as u64;
        let (read, results) = rayon::join(
            || next.fill(&mut input, &bound, following),
            || {
                current
                    .lines()
                    .par_iter()
                    .with_min_len(256)
                    .map_init(&init, |s, (number, line)| map(s, *number, *line))
                    .collect::<Vec<T>>()
            },
        );
        read?;
        for r in results {
            sink(Step::Item(r));
        }
        sink(Step::ChunkDone);
        std::mem::swap(&mut current, &mut next);
    }
    Ok(false)
}

/// What one chunk may hold.
struct Bound {
    lines: usize,
    bytes: usize,
    limit: usize,
}

/// Up to a chunk of lines held in one buffer; lines over the limit are not held.
#[derive(Default)]
struct Chunk {
    /// The 1-based input line number of the chunk's first line.
    first_line: u64,
    bytes: Vec<u8>,
    /// Each line's end in `bytes`, or `None` for a line skipped as too long.
    ends: Vec<Option<usize>>,
}

impl Chunk {
    fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    fn fill<R: BufRead>(&mut self, input: &mut R, bound: &Bound, first_line: u64) -> io::Result<()> {
        self.first_line = first_line;
        self.bytes.clear();
        self.ends.clear();
        while self.ends.len() < bound.lines && self.bytes.len() < bound.bytes {
            match read_line_bounded(input, &mut self.bytes, bound.limit)? {
                LineRead::Eof => break,
                LineRead::Line => self.ends.push(Some(self.bytes.len())),
                LineRead::TooLong => self.ends.push(None),
            }
        }
        Ok(())
    }

    /// Each line with its 1-based input line number.
    fn lines(&self) -> Vec<(u64, Line<'_>)> {
        let mut start = 0;
        (self.first_line..)
            .zip(&self.ends)
            .map(|(number, end)| match end {
                Some(end) => {
                    let line = self.bytes.get(start..*end).unwrap_or(&[]);
                    start = *end;
                    let line = line.strip_suffix(b"\n").unwrap_or(line);
                    (number, Line::Text(line.strip_suffix(b"\r").unwrap_or(line)))
                }
                None => (number, Line::TooLong),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_keep_input_order_across_chunks() {
        let input: String = (0..1000).map(|i| format!("{i}\r\n")).collect::<String>() + "x".repeat(50).as_str();
        let mut out = Vec::new();
        let mut chunks = 0;
        let cancelled = map_lines(
            input.as_bytes(),
            &Reading { chunk_lines: 7, chunk_bytes: CHUNK_BYTES, limit: 10, cancel: None },
            || (),
            |(), number, line| match line {
                Line::Text(t) => format!("{number}:{}", String::from_utf8_lossy(t)),
                Line::TooLong => format!("{number}:too long"),
            },
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
        let bound = Bound { lines: 8192, bytes: 1000, limit: 600 };
        let long = "y".repeat(599) + "\n";
        chunk.fill(&mut long.repeat(3).as_bytes(), &bound, 1).unwrap();
        assert_eq!(chunk.ends.len(), 2, "the line that crosses the bound is the chunk's last");
        assert!(chunk.bytes.len() < bound.bytes + bound.limit + 1);
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
