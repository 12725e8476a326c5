//! The progress bar on standard error: bytes read of the inputs' total size.
//!
//! Workers only add to an atomic counter; a separate thread draws the bar every 100 ms, and
//! only once the run has lasted 300 ms, so short runs print nothing.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// How long a run goes before the bar appears.
const GRACE: Duration = Duration::from_millis(300);
const TICK: Duration = Duration::from_millis(100);

/// A running progress display (or none).
pub struct Progress {
    counter: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
    drawer: Option<JoinHandle<()>>,
}

impl Progress {
    /// Starts counting; draws a bar of `total` bytes (0: unknown, a spinner) when `show`.
    pub fn start(total: u64, show: bool) -> Progress {
        let counter = Arc::new(AtomicU64::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let drawer = show.then(|| {
            let (counter, stop) = (Arc::clone(&counter), Arc::clone(&stop));
            std::thread::spawn(move || draw(total, &counter, &stop))
        });
        Progress {
            counter,
            stop,
            drawer,
        }
    }

    /// The counter workers add their bytes to.
    pub fn counter(&self) -> &Arc<AtomicU64> {
        &self.counter
    }

    /// Stops and clears the bar.
    pub fn finish(self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(d) = self.drawer {
            let _ = d.join();
        }
    }
}

fn draw(total: u64, counter: &AtomicU64, stop: &AtomicBool) {
    let started = Instant::now();
    while started.elapsed() < GRACE {
        if stop.load(Ordering::Relaxed) {
            return;
        }
        std::thread::sleep(TICK.min(GRACE));
    }
    let bar = if total > 0 {
        ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr())
    } else {
        ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr())
    };
    let template = if total > 0 {
        "{bar:40} {bytes}/{total_bytes} {bytes_per_sec} eta {eta}"
    } else {
        "{spinner} {bytes} {bytes_per_sec}"
    };
    if let Ok(style) = ProgressStyle::with_template(template) {
        bar.set_style(style);
    }
    while !stop.load(Ordering::Relaxed) {
        // Ranges read a little past their end to finish a line: never show more than all.
        let done = counter.load(Ordering::Relaxed);
        bar.set_position(if total > 0 { done.min(total) } else { done });
        std::thread::sleep(TICK);
    }
    bar.finish_and_clear();
}
