//! Writing a long list on every core, in order: the list is cut into
//! chunks, worker threads format chunks into buffers, and the caller's
//! thread writes the buffers in list order as they come. At most a few
//! chunks per worker are ever held, so a large export streams with bounded
//! memory. Used by the quote exports (`motif segments`), whose 100,000
//! rows take longer to format than to load, and which make their rows on
//! every core too ([`map_in_parts`]).

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
    let threads = std::thread::available_parallelism()
        .map_or(1, |p| p.get().min(4))
        .min(chunks);
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

/// `f(i)` for every `i` in `0..n`, in order, computed on up to four
/// threads, each filling a contiguous part (so that neighbouring items,
/// which often share data, are made by the same thread).
pub fn map_in_parts<T, F>(n: usize, f: F) -> Vec<T>
where
    T: Send + Default,
    F: Fn(usize) -> T + Sync,
{
    let threads = std::thread::available_parallelism()
        .map_or(1, |p| p.get().min(4))
        .min(n.div_ceil(CHUNK));
    if threads <= 1 {
        return (0..n).map(f).collect();
    }
    let part = n.div_ceil(threads);
    let mut out: Vec<T> = std::iter::repeat_with(T::default).take(n).collect();
    std::thread::scope(|s| {
        let f = &f;
        for (t, slots) in out.chunks_mut(part).enumerate() {
            s.spawn(move || {
                for (k, slot) in slots.iter_mut().enumerate() {
                    *slot = f(t * part + k);
                }
            });
        }
    });
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
        for n in [0, 1, CHUNK, 3 * CHUNK + 5] {
            let want: Vec<usize> = (0..n).map(|i| i * 3).collect();
            assert_eq!(map_in_parts(n, |i| i * 3), want, "n = {n}");
        }
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
