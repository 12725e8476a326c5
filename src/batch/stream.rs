//! Streams (stdin, gzip, zstd): decoded on their own thread, chunks folded there and on
//! the pool.

use std::io;
use std::ops::ControlFlow;
use std::sync::{Mutex, mpsc};

use crate::input::{Chunk, Chunker};
use crate::scan::ScanSettings;

use super::Part;

/// Reads a stream on its own thread, folding its chunks there and on the pool. Returns what
/// was read, with the error that stopped the stream early, if one did.
///
/// The reading thread hands a chunk to the pool only when a pool task is free to take it,
/// and otherwise folds the chunk itself, while it is still in its cache: a decoder thread
/// beside a full pool made one thread more than there are cores, and the three took turns
/// evicting each other's caches.
pub(super) fn scan_stream(
    reader: Box<dyn io::Read + Send>,
    source: u32,
    scan: &ScanSettings,
) -> Part {
    // Called on the pool: its other threads help.
    let helpers = rayon::current_num_threads().saturating_sub(1);
    let (tx, rx) = mpsc::sync_channel::<(u64, Chunk)>(1);
    // Read buffers come back to the reader once scanned, so it never zeroes a new one.
    let (back_tx, back_rx) = mpsc::sync_channel::<Vec<u8>>(helpers + 2);
    let mut chunker = Chunker::new(scan.chunk_size, scan.max_line);
    std::thread::scope(|s| {
        let reader_thread = s.spawn(move || {
            let mut part = Part::new(scan);
            let mut index = 0u64;
            let read = chunker.run(reader, 0, false, u64::MAX, |chunk| {
                let at = index;
                index += 1;
                if helpers > 0 {
                    match tx.try_send((at, std::mem::take(chunk))) {
                        Ok(()) => {
                            if let Ok(data) = back_rx.try_recv() {
                                chunk.data = data;
                            }
                            return ControlFlow::Continue(());
                        }
                        Err(mpsc::TrySendError::Full((_, back)))
                        | Err(mpsc::TrySendError::Disconnected((_, back))) => *chunk = back,
                    }
                }
                let _ = part.read_chunk(chunk, source, at, u64::MAX, scan);
                ControlFlow::Continue(())
            });
            drop(tx);
            (part, read)
        });
        // One task per other thread, each folding into its own part until the stream ends.
        let rx = Mutex::new(rx);
        let parts = Mutex::new(Vec::with_capacity(helpers));
        rayon::scope(|s| {
            for _ in 0..helpers {
                s.spawn(|_| {
                    let mut part = Part::new(scan);
                    loop {
                        let next = match rx.lock() {
                            Ok(rx) => rx.recv(),
                            Err(_) => break,
                        };
                        let Ok((index, chunk)) = next else { break };
                        let _ = part.read_chunk(&chunk, source, index, u64::MAX, scan);
                        let _ = back_tx.try_send(chunk.data);
                    }
                    if let Ok(mut parts) = parts.lock() {
                        parts.push(part);
                    }
                });
            }
        });
        let helped = parts.into_inner().unwrap_or_default();
        match reader_thread.join() {
            Ok((part, read)) => {
                let mut part = helped.into_iter().fold(part, Part::merge);
                part.errors.extend(read.err().map(|e| (source, e)));
                part
            }
            Err(_) => {
                let mut part = helped.into_iter().fold(Part::new(scan), Part::merge);
                part.errors
                    .push((source, io::Error::other("reader thread failed")));
                part
            }
        }
    })
}
