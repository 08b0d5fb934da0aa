//! Work over a long list on every core, with results in list order.
//!
//! [`write_in_order`] streams: the list is cut into chunks, worker threads
//! format chunks into buffers, and the caller's thread writes the buffers
//! in list order as they come; at most a few chunks per worker are ever
//! held, so a large export streams with bounded memory (the quote exports
//! of `motif segments`). [`in_parts`] and [`map_in_parts`] give each
//! thread one contiguous part (reading transcripts, the regex scan,
//! locating quotes), so that neighbouring items, which often share data,
//! stay on one thread.

use std::io::{self, Write};
use std::ops::Range;
use std::sync::mpsc;

/// Items per chunk: large enough that handing a chunk over costs nothing
/// next to formatting it, small enough to keep every worker busy.
const CHUNK: usize = 1024;

/// Chunks a worker may have formatted ahead of the writer.
const AHEAD: usize = 2;

/// Writes `format(range, buffer)` for consecutive ranges covering `0..n`
/// to `out`, in order. `format` runs on up to four threads at once; what
/// it writes for a range must not depend on other ranges having been
/// formatted. The first write error stops the workers and is returned.
pub fn write_in_order<F>(n: usize, out: &mut dyn Write, format: F) -> io::Result<()>
where
    F: Fn(Range<usize>, &mut Vec<u8>) + Sync,
{
    let chunks = n.div_ceil(CHUNK);
    let threads = threads_for(chunks);
    let range = |c: usize| c * CHUNK..((c + 1) * CHUNK).min(n);
    if threads <= 1 {
        let mut buf = Vec::new();
        for c in 0..chunks {
            buf.clear();
            format(range(c), &mut buf);
            out.write_all(&buf)?;
        }
        return Ok(());
    }
    std::thread::scope(|s| {
        let format = &format;
        // Worker w formats chunks w, w + threads, …; the writer takes them
        // from the workers in turn, which is list order. Used buffers go
        // back to their worker to be filled again.
        let mut workers = Vec::with_capacity(threads);
        for w in 0..threads {
            let (full_tx, full_rx) = mpsc::sync_channel::<Vec<u8>>(AHEAD);
            let (empty_tx, empty_rx) = mpsc::channel::<Vec<u8>>();
            s.spawn(move || {
                for c in (w..chunks).step_by(threads) {
                    let mut buf = empty_rx.try_recv().unwrap_or_default();
                    buf.clear();
                    format(range(c), &mut buf);
                    if full_tx.send(buf).is_err() {
                        return; // the writer stopped
                    }
                }
            });
            workers.push((full_rx, empty_tx));
        }
        for c in 0..chunks {
            let (full, empty) = &workers[c % threads];
            let buf = full
                .recv()
                .map_err(|_| io::Error::other("an export worker stopped"))?;
            out.write_all(&buf)?;
            let _ = empty.send(buf);
        }
        Ok(())
    })
}

/// Threads for `units` pieces of work: one per core, at most four (the
/// disk and memory bandwidth gain nothing past that), never more than
/// there are pieces, at least one.
pub fn threads_for(units: usize) -> usize {
    std::thread::available_parallelism()
        .map_or(1, |p| p.get().min(4))
        .min(units)
        .max(1)
}

/// `f` of consecutive parts covering `0..n`, in order: one part per
/// thread, each of at least `min_part` items (one part, on this thread,
/// when there is too little work to share).
pub fn in_parts<R, F>(n: usize, min_part: usize, f: F) -> Vec<R>
where
    R: Send,
    F: Fn(Range<usize>) -> R + Sync,
{
    let threads = threads_for(n / min_part.max(1));
    if threads <= 1 {
        return vec![f(0..n)];
    }
    let part = n.div_ceil(threads);
    std::thread::scope(|s| {
        let f = &f;
        let workers: Vec<_> = (0..threads)
            .map(|t| s.spawn(move || f(t * part..((t + 1) * part).min(n))))
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().expect("a worker thread panicked"))
            .collect()
    })
}

/// `f(i)` for every `i` in `0..n`, in order, made by [`in_parts`].
pub fn map_in_parts<T, F>(n: usize, min_part: usize, f: F) -> Vec<T>
where
    T: Send,
    F: Fn(usize) -> T + Sync,
{
    let parts = in_parts(n, min_part, |range| range.map(&f).collect::<Vec<T>>());
    let mut out = Vec::with_capacity(n);
    for part in parts {
        out.extend(part);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fmt::Write as _;

    fn numbers(n: usize) -> Vec<u8> {
        let mut out = Vec::new();
        write_in_order(n, &mut out, |r, buf| {
            for i in r {
                buf.extend_from_slice(format!("{i}\n").as_bytes());
            }
        })
        .unwrap();
        out
    }

    #[test]
    fn maps_every_item_once_in_order() {
        for n in [0, 1, 5, CHUNK, 3 * CHUNK + 5] {
            let want: Vec<usize> = (0..n).map(|i| i * 3).collect();
            for min_part in [1, CHUNK] {
                assert_eq!(map_in_parts(n, min_part, |i| i * 3), want, "n = {n}");
            }
        }
        // Parts are contiguous and cover everything once.
        let parts = in_parts(10, 1, |r| r);
        assert_eq!(parts.first().map(|r| r.start), Some(0));
        assert_eq!(parts.last().map(|r| r.end), Some(10));
        assert!(parts.windows(2).all(|w| w[0].end == w[1].start));
    }

    #[test]
    fn writes_every_item_once_in_order() {
        for n in [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 7 * CHUNK + 3] {
            let mut want = String::new();
            for i in 0..n {
                let _ = writeln!(want, "{i}");
            }
            assert_eq!(String::from_utf8(numbers(n)).unwrap(), want, "n = {n}");
        }
    }

    struct Failing(usize);
    impl Write for Failing {
        fn write(&mut self, b: &[u8]) -> io::Result<usize> {
            if self.0 == 0 {
                return Err(io::Error::new(io::ErrorKind::BrokenPipe, "closed"));
            }
            self.0 -= 1;
            Ok(b.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_write_error_stops_and_is_returned() {
        let err = write_in_order(50 * CHUNK, &mut Failing(3), |r, buf| {
            buf.extend(r.map(|i| i as u8));
        })
        .unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::BrokenPipe);
    }
}
