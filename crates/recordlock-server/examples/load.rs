//! A small load generator for `recordlock serve` on loopback: `C` keep-alive HTTP/1.1
//! connections each send the same request back to back for `S` seconds; prints requests/s,
//! latency percentiles and status counts. Bounded in time, loopback addresses only.
//!
//! `LOAD_THREADS=N` (default 1) sets the generator's threads: 1 runs every connection on one
//! thread (a current-thread runtime), so on a small machine the generator takes at most one
//! core from the server; N > 1 uses a multi-thread runtime with N workers. The configuration
//! is printed after the figures.
//!
//! ```sh
//! cargo run --release -p recordlock-server --example load -- \
//!   http://127.0.0.1:8080/recordlock/v1/decide?module=Deals POST body.json 32 20 \
//!   "Authorization: Zoho-oauthtoken 1000.…" "Content-Type: application/json"
//! ```
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic, reason = "a tool")]

use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

struct Outcome {
    latencies_us: Vec<u32>,
    statuses: std::collections::BTreeMap<u16, u64>,
    errors: u64,
}

async fn read_response(r: &mut BufReader<TcpStream>) -> std::io::Result<u16> {
    let mut line = String::new();
    r.read_line(&mut line).await?;
    let status: u16 = line.get(9..12).and_then(|s| s.parse().ok()).ok_or(std::io::ErrorKind::InvalidData)?;
    let (mut length, mut chunked) = (0usize, false);
    loop {
        line.clear();
        r.read_line(&mut line).await?;
        let l = line.trim_end();
        if l.is_empty() {
            break;
        }
        let lower = l.to_ascii_lowercase();
        if let Some(v) = lower.strip_prefix("content-length:") {
            length = v.trim().parse().unwrap_or(0);
        } else if lower.starts_with("transfer-encoding:") && lower.contains("chunked") {
            chunked = true;
        }
    }
    if chunked {
        loop {
            line.clear();
            r.read_line(&mut line).await?;
            let size = usize::from_str_radix(line.trim(), 16).map_err(|_| std::io::ErrorKind::InvalidData)?;
            let mut chunk = vec![0u8; size + 2];
            r.read_exact(&mut chunk).await?;
            if size == 0 {
                break;
            }
        }
    } else {
        let mut body = vec![0u8; length];
        r.read_exact(&mut body).await?;
    }
    Ok(status)
}

async fn connection(addr: String, request: std::sync::Arc<Vec<u8>>, until: Instant) -> Outcome {
    let mut out = Outcome { latencies_us: Vec::new(), statuses: Default::default(), errors: 0 };
    let mut conn: Option<BufReader<TcpStream>> = None;
    while Instant::now() < until {
        if conn.is_none() {
            match TcpStream::connect(&addr).await {
                Ok(s) => {
                    s.set_nodelay(true).ok();
                    conn = Some(BufReader::with_capacity(1 << 16, s));
                }
                Err(_) => {
                    out.errors += 1;
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            }
        }
        let Some(c) = conn.as_mut() else { continue };
        let start = Instant::now();
        let result = async {
            c.get_mut().write_all(&request).await?;
            read_response(c).await
        }
        .await;
        match result {
            Ok(status) => {
                out.latencies_us.push(u32::try_from(start.elapsed().as_micros()).unwrap_or(u32::MAX));
                *out.statuses.entry(status).or_default() += 1;
            }
            Err(_) => {
                out.errors += 1;
                conn = None;
            }
        }
    }
    out
}

fn main() {
    let threads: usize = std::env::var("LOAD_THREADS").ok().map_or(1, |t| t.parse().expect("LOAD_THREADS: a number"));
    assert!(threads >= 1, "LOAD_THREADS: at least 1");
    let runtime = if threads == 1 {
        tokio::runtime::Builder::new_current_thread().enable_all().build()
    } else {
        tokio::runtime::Builder::new_multi_thread().worker_threads(threads).enable_all().build()
    };
    runtime.expect("a runtime").block_on(generate(threads));
}

async fn generate(threads: usize) {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 6 {
        eprintln!("usage: load URL METHOD BODY_FILE|- CONNECTIONS SECONDS [HEADER...]");
        std::process::exit(2);
    }
    let url = &args[1];
    let rest = url.strip_prefix("http://").expect("an http:// URL");
    let (authority, path) = rest.split_once('/').map(|(a, p)| (a, format!("/{p}"))).unwrap_or((rest, "/".into()));
    let host = authority.rsplit_once(':').map_or(authority, |(h, _)| h);
    assert!(host.starts_with("127.") || host == "localhost" || host == "[::1]", "loopback targets only");
    let body = if args[3] == "-" { Vec::new() } else { std::fs::read(&args[3]).expect("the body file") };
    let connections: usize = args[4].parse().expect("CONNECTIONS");
    let seconds: u64 = args[5].parse().expect("SECONDS");
    assert!(seconds <= 900, "bounded: at most 15 minutes");
    let mut request = format!("{} {path} HTTP/1.1\r\nHost: {authority}\r\nContent-Length: {}\r\n", args[2], body.len());
    for h in &args[6..] {
        request.push_str(h);
        request.push_str("\r\n");
    }
    request.push_str("\r\n");
    let mut bytes = request.into_bytes();
    bytes.extend_from_slice(&body);
    let request = std::sync::Arc::new(bytes);

    let started = Instant::now();
    let until = started + Duration::from_secs(seconds);
    let tasks: Vec<_> = (0..connections)
        .map(|_| tokio::spawn(connection(authority.to_owned(), std::sync::Arc::clone(&request), until)))
        .collect();
    let mut all = Outcome { latencies_us: Vec::new(), statuses: Default::default(), errors: 0 };
    for t in tasks {
        let o = t.await.unwrap();
        all.latencies_us.extend(o.latencies_us);
        for (s, n) in o.statuses {
            *all.statuses.entry(s).or_default() += n;
        }
        all.errors += o.errors;
    }
    let elapsed = started.elapsed().as_secs_f64();
    all.latencies_us.sort_unstable();
    let pct = |p: f64| {
        let i = ((all.latencies_us.len() as f64 - 1.0) * p).round() as usize;
        all.latencies_us.get(i).map_or(0.0, |us| f64::from(*us) / 1000.0)
    };
    let runtime =
        if threads == 1 { "1 thread (current-thread runtime)".to_owned() } else { format!("{threads} threads") };
    println!(
        "{} requests in {elapsed:.1} s: {:.0} requests/s; latency p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, p99.9 {:.2} ms, max {:.2} ms; statuses {:?}; connection errors {}; generator: {connections} connections, {runtime}",
        all.latencies_us.len(),
        all.latencies_us.len() as f64 / elapsed,
        pct(0.5),
        pct(0.9),
        pct(0.99),
        pct(0.999),
        pct(1.0),
        all.statuses,
        all.errors
    );
}
