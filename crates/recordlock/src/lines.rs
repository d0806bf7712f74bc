//! Reading JSON Lines with bounded memory: a line longer than the limit is skipped, not
//! held (a 100 MB line costs its limit in memory, then a scan).

use std::io::{self, BufRead};

/// What [`read_line_bounded`] read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineRead {
    /// The input is exhausted.
    Eof,
    /// A line (with its newline, if any) was appended to the buffer.
    Line,
    /// A line longer than the limit was skipped; nothing was appended.
    TooLong,
}

/// Appends the next line of `input` to `buf` if it has at most `limit` bytes (its line
/// ending, `\n` or `\r\n`, not counted); otherwise consumes it without storing it and reports
/// [`LineRead::TooLong`].
///
/// ```
/// use recordlock::lines::{read_line_bounded, LineRead};
///
/// let mut input = "short\nfar too long\nok".as_bytes();
/// let mut buf = Vec::new();
/// assert_eq!(read_line_bounded(&mut input, &mut buf, 5).unwrap(), LineRead::Line);
/// assert_eq!(read_line_bounded(&mut input, &mut buf, 5).unwrap(), LineRead::TooLong);
/// assert_eq!(read_line_bounded(&mut input, &mut buf, 5).unwrap(), LineRead::Line);
/// assert_eq!(buf, b"short\nok");
/// assert_eq!(read_line_bounded(&mut input, &mut buf, 5).unwrap(), LineRead::Eof);
///
/// // The line ending is not part of the line: CRLF and LF lines of the same text agree.
/// let mut buf = Vec::new();
/// assert_eq!(read_line_bounded(&mut "12345\r\n123456\r\n".as_bytes(), &mut buf, 5).unwrap(), LineRead::Line);
/// let mut input = "123456\r\n".as_bytes();
/// assert_eq!(read_line_bounded(&mut input, &mut buf, 5).unwrap(), LineRead::TooLong);
/// ```
pub fn read_line_bounded<R: BufRead + ?Sized>(input: &mut R, buf: &mut Vec<u8>, limit: usize) -> io::Result<LineRead> {
    let start = buf.len();
    let mut too_long = false;
    let mut read_any = false;
    loop {
        let available = match input.fill_buf() {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if available.is_empty() {
            break;
        }
        read_any = true;
        let (chunk, done) = match memchr::memchr(b'\n', available) {
            Some(i) => (available.get(..=i).unwrap_or(available), true),
            None => (available, false),
        };
        let used = chunk.len();
        if !too_long {
            // One byte over the limit is held while it may be the `\r` of a CRLF ending.
            let content = buf.len() - start + chunk.len() - usize::from(done);
            if content > limit.saturating_add(1) {
                too_long = true;
                buf.truncate(start);
            } else {
                buf.extend_from_slice(chunk);
            }
        }
        input.consume(used);
        if done {
            break;
        }
    }
    if read_any && !too_long {
        let line = buf.get(start..).unwrap_or(&[]);
        let line = line.strip_suffix(b"\n").unwrap_or(line);
        if line.strip_suffix(b"\r").unwrap_or(line).len() > limit {
            too_long = true;
            buf.truncate(start);
        }
    }
    Ok(match (read_any, too_long) {
        (false, _) => LineRead::Eof,
        (true, true) => LineRead::TooLong,
        (true, false) => LineRead::Line,
    })
}
