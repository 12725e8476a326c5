//! Live mode: lines as they arrive → the batch stages (extraction, stats, catalog) plus a
//! sliding window → a view redrawn every interval.
//!
//! A reader thread (stdin, or `--follow` files polled like `tail -F`) folds every line into
//! the shared `State` under a lock held for one read's lines at a time. The driver is a tokio
//! runtime that `select!`s on the interval tick, the end of input, the signals and the `q`
//! key; at each tick it copies what it shows out of the state (a short lock; with
//! `--fail-on` also the time to build the report the conditions are checked on) and only
//! then has `report`'s live view draw it, so a slow terminal never holds up reading. The
//! window (`window.rs`) counts per second; its clock is the newest record time seen
//! (records without one get their arrival time), moved on by wall time while no newer
//! record comes.

use std::collections::HashMap;
use std::io::{self, IsTerminal, Read};
use std::ops::ControlFlow;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

mod window;

pub use self::window::Window;

use crate::catalog::Catalog;
pub use crate::config::LiveConfig;
use crate::input::follow::Event;
use crate::input::{self, Chunk, Chunker};
use crate::record::{Extractor, Record};
use crate::report::{LiveLines, LiveView, Report, Row, Screen, Snapshot};
use crate::scan::{self, ScanSettings};
use crate::stats::{OTHER, Stats};
use crate::time::Millis;

/// How often `--follow` looks at its files.
const POLL: Duration = Duration::from_millis(100);

/// What the reader and the view share.
struct State {
    stats: Stats,
    window: Window,
    /// When each code was first seen in this run (wall clock: "new" means new to the
    /// person watching, whatever time the records carry).
    first_seen: HashMap<Box<str>, Millis>,
    /// The aggregate's `cuts()` when the window's names were last made its own.
    cuts: u64,
    /// Wall time of the newest record, to move the window on while input is idle.
    last_arrival: Instant,
    started: Instant,
    done: Option<io::Result<()>>,
}

/// Runs live mode until the input ends, a signal, `q`, or (with `exit_on_fail`) a
/// condition; then writes the final report. Returns whether a condition ever held.
pub fn run(
    scan: &ScanSettings,
    live: &LiveConfig,
    catalog: &Catalog,
    fail_on: &[crate::failon::Condition],
    final_report: impl FnOnce(&Stats, &[String]) -> io::Result<()>,
) -> io::Result<bool> {
    let state = Arc::new(Mutex::new(State {
        stats: Stats::new(scan.aggregation),
        window: Window::new(live.window),
        first_seen: HashMap::new(),
        cuts: 0,
        last_arrival: Instant::now(),
        started: Instant::now(),
        done: None,
    }));
    let (done_tx, done_rx) = tokio::sync::oneshot::channel::<()>();
    let sources: Vec<String> = if live.follow.is_empty() {
        vec!["<stdin>".to_string()]
    } else {
        live.follow
            .iter()
            .map(|p| p.display().to_string())
            .collect()
    };
    let on_terminal = io::stdout().is_terminal();
    // Standard input a terminal under the screen: what it sends are keys (crossterm reads
    // them there), not a log, so no log is read from it and `q` reaches the view. The
    // sender is kept, so that the input never ends by itself.
    let keys_only = on_terminal && live.follow.is_empty() && io::stdin().is_terminal();
    let _never_done = if keys_only {
        crate::error::warn(
            "--live: standard input is the terminal, so no log is read (q quits); \
             pipe a log (tail -F app.log | errstat --live) or use --follow FILE",
        );
        Some(done_tx)
    } else {
        let (state, scan, live) = (Arc::clone(&state), scan.clone(), live.clone());
        std::thread::spawn(move || {
            let result = if live.follow.is_empty() {
                // Through the same door as batch mode, so a piped .gz or .zst is decoded.
                input::open_stream(&input::Source::Stdin, |_| {})
                    .and_then(|stdin| read_stream(stdin, 0, &scan, &state))
            } else {
                follow(&live, &scan, &state)
            };
            lock(&state).done = Some(result);
            let _ = done_tx.send(());
        });
        None
    };
    let mut screen = if on_terminal {
        Some(Screen::enter(live.color)?)
    } else {
        None
    };
    let (quit_tx, mut quit_rx) = tokio::sync::mpsc::unbounded_channel::<()>();
    if on_terminal {
        std::thread::spawn(move || keys(quit_tx));
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .enable_io()
        .build()?;
    let mut failed = false;
    // What each `--fail-on` condition measured when it first held.
    let mut held: Vec<Option<String>> = vec![None; fail_on.len()];
    let interval = live.interval;
    let mut view = |screen: &mut Option<Screen>, failed: &mut bool| -> io::Result<bool> {
        let snap = snapshot(&state, live.top, live.zone.clone());
        let drawn = match screen {
            Some(s) => s.show(&snap),
            None => LiveLines { catalog }.show(&snap),
        };
        match drawn {
            // The reader of our output is gone (`| head`): end quietly.
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => return Ok(true),
            other => other?,
        }
        let holds = conditions_hold(&lock(&state).stats, &sources, catalog, fail_on, &mut held);
        *failed |= holds;
        Ok(holds && live.exit_on_fail)
    };
    runtime.block_on(async {
        let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + interval, interval);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        let mut done_rx = done_rx;
        // SIGTERM, SIGHUP (the terminal went away), SIGQUIT and SIGUSR1 all end the run
        // as SIGINT does: the terminal restored and the report written.
        #[cfg(unix)]
        let mut signals = {
            use tokio::signal::unix::{SignalKind, signal};
            [
                signal(SignalKind::terminate())?,
                signal(SignalKind::hangup())?,
                signal(SignalKind::quit())?,
                signal(SignalKind::user_defined1())?,
            ]
        };
        loop {
            #[cfg(unix)]
            let terminated = {
                let [a, b, c, d] = &mut signals;
                async move {
                    tokio::select! {
                        _ = a.recv() => {}
                        _ = b.recv() => {}
                        _ = c.recv() => {}
                        _ = d.recv() => {}
                    }
                }
            };
            #[cfg(not(unix))]
            let terminated = std::future::pending::<()>();
            tokio::select! {
                _ = tick.tick() => {
                    if view(&mut screen, &mut failed)? {
                        break;
                    }
                }
                _ = &mut done_rx => break,
                _ = tokio::signal::ctrl_c() => break,
                _ = terminated => break,
                _ = quit_rx.recv() => break,
            }
        }
        io::Result::Ok(())
    })?;
    drop(screen);
    let mut st = lock(&state);
    st.stats.finish();
    if let Some(Err(e)) = &st.done {
        crate::error::warn(format_args!("{}: {e}", sources.join(", ")));
    }
    failed |= conditions_hold(&st.stats, &sources, catalog, fail_on, &mut held);
    final_report(&st.stats, &sources)?;
    // What made the exit code 1 is said even under -q, as errors are.
    for message in held.iter().flatten() {
        crate::error::warn(message);
    }
    Ok(failed)
}

/// Says whether any `--fail-on` condition holds on the totals so far, and notes in `held`
/// what a condition measured the first time it held.
fn conditions_hold(
    stats: &Stats,
    sources: &[String],
    catalog: &Catalog,
    fail_on: &[crate::failon::Condition],
    held: &mut [Option<String>],
) -> bool {
    if fail_on.is_empty() {
        return false;
    }
    let lang = crate::catalog::Lang::En;
    let report = Report::build(stats, sources, Vec::new(), catalog, lang, None);
    let now = crate::failon::Condition::check(fail_on, &report);
    for (first, now) in held.iter_mut().zip(&now) {
        if first.is_none() {
            first.clone_from(now);
        }
    }
    now.iter().any(Option::is_some)
}

fn lock(state: &Mutex<State>) -> std::sync::MutexGuard<'_, State> {
    // A panic elsewhere must not hide the counts: take the data even if poisoned.
    state.lock().unwrap_or_else(|e| e.into_inner())
}

fn wall_millis() -> Millis {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as Millis)
}

/// Folds whole lines into the state as bytes come; the chunker keeps a partial last line
/// until its end arrives, and drops an overlong one, as it does for batch mode.
struct Lines {
    source: u32,
    chunks: Chunker,
    /// The next chunk's number.
    chunk: u64,
    extractor: Extractor,
}

impl Lines {
    fn new(source: u32, scan: &ScanSettings) -> Lines {
        Lines {
            source,
            chunks: Chunker::new(scan.chunk_size, scan.max_line),
            chunk: 0,
            extractor: Extractor::new(&scan.keys),
        }
    }

    /// Takes bytes as they come; folds every line they complete.
    fn feed(&mut self, bytes: &[u8], scan: &ScanSettings, state: &Mutex<State>) {
        self.feed_with(scan, state, |chunks, fold| chunks.feed(bytes, fold));
    }

    /// Folds the last line when the input ends without a newline.
    fn finish(&mut self, scan: &ScanSettings, state: &Mutex<State>) {
        self.feed_with(scan, state, |chunks, fold| chunks.finish(fold));
    }

    /// Folds the last line of a file replaced by another, then reads the new one from 0.
    fn finish_and_restart(&mut self, scan: &ScanSettings, state: &Mutex<State>) {
        self.finish(scan, state);
        self.restart(scan, state);
    }

    /// Reads the source again from 0 (truncated): a partial line is gone.
    fn restart(&mut self, scan: &ScanSettings, state: &Mutex<State>) {
        self.feed_with(scan, state, |chunks, fold| chunks.restart(fold));
    }

    /// Runs `cut` on the chunker with a callback that folds each chunk it hands out.
    fn feed_with(
        &mut self,
        scan: &ScanSettings,
        state: &Mutex<State>,
        cut: impl FnOnce(&mut Chunker, &mut dyn FnMut(&mut Chunk)),
    ) {
        let Lines {
            source,
            chunks,
            chunk,
            extractor,
        } = self;
        cut(chunks, &mut |c| {
            fold_chunk(c, *source, chunk, extractor, scan, state)
        });
    }
}

/// Folds one chunk of whole lines into the state, its window and first-seen times.
fn fold_chunk(
    chunk: &Chunk,
    source: u32,
    index: &mut u64,
    extractor: &mut Extractor,
    scan: &ScanSettings,
    state: &Mutex<State>,
) {
    let arrival = wall_millis();
    let mut st = lock(state);
    let st = &mut *st;
    st.last_arrival = Instant::now();
    let mut sink = WindowSink {
        window: &mut st.window,
        first_seen: &mut st.first_seen,
        cuts: &mut st.cuts,
        arrival,
    };
    let _: ControlFlow<()> = scan::chunk_with(
        chunk,
        source,
        *index,
        u64::MAX,
        scan,
        extractor,
        &mut st.stats,
        &mut sink,
    );
    *index += 1;
    // A chunk a read: keep the line counts from growing with the stream.
    if st.stats.chunk_lines.len() > 4096 {
        st.stats.compact_chunk_lines();
    }
}

/// Counts each response in the window, and notes codes new to this run.
struct WindowSink<'s> {
    window: &'s mut Window,
    first_seen: &'s mut HashMap<Box<str>, Millis>,
    cuts: &'s mut u64,
    arrival: Millis,
}

impl scan::Sink for WindowSink<'_> {
    fn arrival(&self) -> Option<Millis> {
        Some(self.arrival)
    }

    fn response(&mut self, r: &Record<'_>, stats: &Stats) {
        follow_cuts(self.window, self.first_seen, self.cuts, stats);
        // Records without a time got the arrival time before they came here. One far
        // ahead of the wall clock (a clock gone wrong, a year typed 2100) counts in the
        // totals but would carry the window's clock away from every later record.
        let t = r.time.unwrap_or(self.arrival);
        if t > self.arrival + self.window.width {
            return;
        }
        // Under the name the aggregate keeps it by, so `--max-codes` bounds the window
        // and the first-seen times too.
        let code = r.code.as_deref().map(|code| stats.kept_name(code, r));
        self.window.add(t, code);
        if let Some(code) = code
            && !self.first_seen.contains_key(code)
        {
            self.first_seen.insert(code.into(), self.arrival);
        }
    }
}

/// After the aggregate cut its codes to the cap, counts the window's codes and forgets the
/// first-seen times under the names it keeps now.
fn follow_cuts(
    window: &mut Window,
    first_seen: &mut HashMap<Box<str>, Millis>,
    seen: &mut u64,
    stats: &Stats,
) {
    if stats.cuts() == *seen {
        return;
    }
    *seen = stats.cuts();
    // The window holds names the aggregate gave out, `OTHER` among them.
    window.fold_into(OTHER, |code| !stats.codes.contains_key(code));
    first_seen.retain(|code, _| stats.codes.contains_key(code) || &**code == OTHER);
}

/// Reads a stream to its end.
fn read_stream(
    mut r: impl Read,
    source: u32,
    scan: &ScanSettings,
    state: &Mutex<State>,
) -> io::Result<()> {
    let mut lines = Lines::new(source, scan);
    let mut buf = vec![0u8; 1 << 16];
    loop {
        match r.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => lines.feed(&buf[..n], scan, state),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => {
                lines.finish(scan, state);
                return Err(e);
            }
        }
    }
    lines.finish(scan, state);
    Ok(())
}

/// Follows the files like `tail -F`, each with its own lines.
fn follow(live: &LiveConfig, scan: &ScanSettings, state: &Mutex<State>) -> io::Result<()> {
    let mut lines: Vec<Lines> = (0..live.follow.len())
        .map(|i| Lines::new(i as u32, scan))
        .collect();
    input::follow::follow(&live.follow, live.from_start, POLL, |event| match event {
        Event::Bytes(i, bytes) => lines[i as usize].feed(bytes, scan, state),
        Event::Rotated(i) => lines[i as usize].finish_and_restart(scan, state),
        Event::Truncated(i) => lines[i as usize].restart(scan, state),
    })
}

fn snapshot(state: &Mutex<State>, top: usize, zone: Option<crate::time::Zone>) -> Snapshot {
    let mut st = lock(state);
    // While no newer record comes, the window's clock runs with the wall clock.
    if let Some(now) = st.window.now() {
        let idle = st.last_arrival.elapsed().as_millis() as Millis;
        let moved = now + idle;
        st.window.advance(moved);
        st.last_arrival = Instant::now();
    }
    // A view of at most `--max-codes` codes, the window's counts under the names the
    // aggregate keeps them by.
    st.stats.finish();
    {
        let st = &mut *st;
        follow_cuts(&mut st.window, &mut st.first_seen, &mut st.cuts, &st.stats);
    }
    let st = &*st;
    let new_since = wall_millis() - st.window.width;
    // Each code's place by window, then total, then name: only the shown are copied out.
    let mut order: Vec<(u64, u64, &str)> = st
        .stats
        .codes
        .iter()
        .map(|(code, known)| (&**code, known))
        .chain(st.stats.other.as_ref().map(|known| (OTHER, known)))
        .map(|(code, known)| {
            let total = known.groups.values().map(|c| c.count).sum();
            (st.window.count(code), total, code)
        })
        .collect();
    fn key<'c>(&(window, total, code): &(u64, u64, &'c str)) -> impl Ord + 'c {
        (std::cmp::Reverse(window), std::cmp::Reverse(total), code)
    }
    if order.len() > top && top > 0 {
        order.select_nth_unstable_by(top - 1, |a, b| key(a).cmp(&key(b)));
    }
    order.truncate(top);
    order.sort_unstable_by(|a, b| key(a).cmp(&key(b)));
    let spiking = spiking(&st.stats, &order, st.window.totals().0);
    let rows: Vec<Row> = order
        .into_iter()
        .map(|(window, total, code)| Row {
            code: code.to_string(),
            window,
            total,
            trend: st.window.trend(code),
            new: st.first_seen.get(code).is_some_and(|t| *t > new_since),
            spike: spiking.contains(code),
        })
        .collect();
    let elapsed = st.started.elapsed();
    Snapshot {
        at: st.window.now(),
        elapsed,
        width: st.window.width,
        window: st.window.totals(),
        window_secs: (st.window.covered() as f64 / 1000.0).min(elapsed.as_secs_f64().max(1.0)),
        total_lines: st.stats.totals.lines,
        total: (st.stats.totals.responses, st.stats.totals.errors),
        malformed: st.stats.totals.malformed,
        sdk_errors: st.stats.totals.sdk_errors,
        rates_known: st.stats.totals.rates_known(),
        top: rows,
        zone,
    }
}

/// The shown codes whose window is a spike against their series so far (the aggregate's
/// automatic buckets), by the detector batch reports use; none while rates are unknown.
fn spiking<'c>(
    stats: &Stats,
    shown: &[(u64, u64, &'c str)],
    responses: u64,
) -> std::collections::BTreeSet<&'c str> {
    let mut found = std::collections::BTreeSet::new();
    if !stats.totals.rates_known() || shown.is_empty() {
        return found;
    }
    let mut series: std::collections::BTreeMap<&str, Vec<(Millis, u64, u64)>> =
        shown.iter().map(|&(_, _, c)| (c, Vec::new())).collect();
    for (start, b) in stats.buckets() {
        for s in series.values_mut() {
            s.push((start, b.responses, 0));
        }
        for (code, n) in stats.bucket_codes(b) {
            if let Some(s) = series.get_mut(code) {
                s.last_mut().expect("pushed").2 += n;
            }
        }
    }
    let settings = crate::change::SpikeSettings::default();
    for &(window, _, code) in shown {
        let base = series
            .get(code)
            .and_then(|s| crate::change::rate_baseline(s));
        if base.is_some_and(|b| crate::change::is_spike(&b, window, responses, &settings)) {
            found.insert(code);
        }
    }
    found
}

/// Waits for `q`, Esc or Ctrl-C on the terminal.
fn keys(quit: tokio::sync::mpsc::UnboundedSender<()>) {
    use crossterm::event::{Event, KeyCode, KeyModifiers, read};
    while let Ok(event) = read() {
        if let Event::Key(k) = event {
            let ctrl_c =
                k.code == KeyCode::Char('c') && k.modifiers.contains(KeyModifiers::CONTROL);
            if ctrl_c || k.code == KeyCode::Char('q') || k.code == KeyCode::Esc {
                let _ = quit.send(());
                return;
            }
        }
    }
}
