//! Plain files read through a memory map, guarded against the file shrinking while read.
//!
//! `pread` copies every byte from the page cache into a buffer before it is parsed, and that
//! copy was a good part of a run and most of its system time. A map reads the page cache
//! where it is. Its danger is a file that shrinks while mapped (logrotate's `copytruncate`
//! does that to the log being read): a page past the new end raises SIGBUS, which kills the
//! process.
//!
//! The guard: a SIGBUS handler that, for a fault (`BUS_ADRERR`) at an address inside a
//! mapping registered here, maps a zero page over the faulting page and marks the mapping
//! (`Mapped::faulted`); the load is then retried and reads zeros. Any other SIGBUS goes to the
//! handler there was before (Rust's own, which tells a stack overflow), or kills as it would
//! have. So bytes past a shrunk file's end read as zeros, never as a newline, and the page
//! holding the new end is zeroed past it by the kernel. The reader (`batch`) copies the
//! map out a block at a time, and reads a line of the copy only if the line's `\n` still
//! reads as one in the map after the copy (`byte_at`, a real load each time) and the
//! mapping is not marked: nothing it reads changes under it (a record borrows its strings,
//! and the aggregate hashes them twice), and a line cut by the shrinking is read again by
//! position, as the file now is, with all after it. (A cut that lands between copying a line and re-reading its `\n`, in the same
//! page, would leave zeros in that one copy: a malformed line where there was a cut one.)
//!
//! Each mapping belongs to one thread (a batch worker): only its owner touches it, so a
//! fault in it is the owner's, and the mark is read by the thread that set it (a signal
//! handler runs on the faulting thread; a compiler fence keeps the check after the reads).
//! A mapping is unregistered before it is unmapped, so the handler never maps a page over
//! memory that has since been reused. There are `SLOTS` registrations at a time; past that,
//! and on systems other than Linux, `Mapped::new` says no and the caller reads by position.

use std::cell::Cell;
use std::fs::File;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicUsize, Ordering, compiler_fence};

use memmap2::{Mmap, MmapOptions, UncheckedAdvice};

/// Mappings guarded at once (one per worker thread is what batch needs).
const SLOTS: usize = 64;

/// How far past the pages it reads a fault may have mapped others (`release`).
const FAULT_AROUND: usize = 2 << 20;

/// How wide what a mapping's owner has read grows before its pages are let go of (`done_with`).
const RELEASE_SPAN: usize = 4 << 20;

const FREE: u8 = 0;
const TAKEN: u8 = 1;
const ACTIVE: u8 = 2;

/// One registered mapping: the address range the handler answers for.
struct Slot {
    state: AtomicU8,
    start: AtomicUsize,
    end: AtomicUsize,
    faulted: AtomicBool,
}

impl Slot {
    const fn new() -> Slot {
        Slot {
            state: AtomicU8::new(FREE),
            start: AtomicUsize::new(0),
            end: AtomicUsize::new(0),
            faulted: AtomicBool::new(false),
        }
    }
}

static REGISTRY: [Slot; SLOTS] = [const { Slot::new() }; SLOTS];
static PAGE: AtomicUsize = AtomicUsize::new(0);
/// The SIGBUS action there was before ours, and whether ours is in place.
static PREVIOUS: OnceLock<Option<libc::sigaction>> = OnceLock::new();

/// A file mapped read-only, registered with the SIGBUS guard while it lives.
pub struct Mapped {
    map: Mmap,
    slot: &'static Slot,
    /// What has been read since pages were last let go of (`done_with`).
    unreleased: Cell<Option<(usize, usize)>>,
}

impl Mapped {
    /// Maps `file` as it is now, or says no (an empty file, no free slot, no guard, a failed
    /// map): the caller then reads it by position.
    pub fn new(file: &File) -> Option<Mapped> {
        if !guard_installed() {
            return None;
        }
        let len = usize::try_from(file.metadata().ok()?.len()).ok()?;
        if len == 0 {
            return None;
        }
        let slot = REGISTRY.iter().find(|s| {
            s.state
                .compare_exchange(FREE, TAKEN, Ordering::Acquire, Ordering::Relaxed)
                .is_ok()
        })?;
        // SAFETY: the map is read-only and private; the one way its bytes change under us,
        // the file shrinking, is what the registered guard turns into zero pages (module
        // doc). Other writers may append to the file, which does not touch mapped bytes.
        let map = match unsafe { MmapOptions::new().len(len).map(file) } {
            Ok(map) => map,
            Err(_) => {
                slot.state.store(FREE, Ordering::Release);
                return None;
            }
        };
        let start = map.as_ptr() as usize;
        slot.start.store(start, Ordering::Relaxed);
        slot.end.store(start + len, Ordering::Relaxed);
        slot.faulted.store(false, Ordering::Relaxed);
        slot.state.store(ACTIVE, Ordering::Release);
        Some(Mapped {
            map,
            slot,
            unreleased: Cell::new(None),
        })
    }

    /// The mapped bytes: the file as long as it was when mapped.
    pub fn bytes(&self) -> &[u8] {
        &self.map
    }

    /// Reads the byte at `i` from memory now (not a value the compiler kept from before).
    pub fn byte_at(&self, i: usize) -> Option<u8> {
        let bytes = self.bytes();
        if i >= bytes.len() {
            return None;
        }
        compiler_fence(Ordering::SeqCst);
        // SAFETY: `i` is in bounds of the mapping, which lives as long as `self`.
        Some(unsafe { std::ptr::read_volatile(bytes.as_ptr().add(i)) })
    }

    /// Whether a page of this mapping was past the file's end when read (the file shrank):
    /// from then on, zeros stand where those bytes were.
    pub fn faulted(&self) -> bool {
        compiler_fence(Ordering::SeqCst);
        self.slot.faulted.load(Ordering::Relaxed)
    }

    /// Notes that the bytes `from..to` have been read. Their pages are let go of together
    /// with those read before, once what has been read spans `RELEASE_SPAN`, or when the
    /// map is dropped. Each `release` on a process with more than one thread interrupts the
    /// others to flush their TLBs, so releases are kept few; what is resident grows by up to
    /// a span a worker.
    pub fn done_with(&self, from: usize, to: usize) {
        let (from, to) = match self.unreleased.get() {
            Some((a, b)) => (a.min(from), b.max(to)),
            None => (from, to),
        };
        if to - from >= RELEASE_SPAN {
            self.release(from, to);
            self.unreleased.set(None);
        } else {
            self.unreleased.set(Some((from, to)));
        }
    }

    /// Lets go of the pages of `from..to` (they are read again from the page cache if
    /// touched), so that a worker's resident memory stays a few ranges, not the file.
    /// A fault maps the pages around it too, as much as a whole large folio of the page
    /// cache (up to 2 MiB), so pages up to `FAULT_AROUND` either side go as well: without
    /// that margin, those pages stay, and what is resident grows toward the file's size.
    fn release(&self, from: usize, to: usize) {
        let page = PAGE.load(Ordering::Relaxed).max(1);
        let from = from.saturating_sub(FAULT_AROUND) / page * page;
        let to = to.saturating_add(FAULT_AROUND).min(self.map.len());
        if to > from {
            // SAFETY: the map is read-only and backed by the file, so dropping its pages
            // loses nothing: they read again as the file holds them (or, where the guard
            // put a zero page, as zeros, which is what is there for this reader).
            let _ = unsafe {
                self.map
                    .unchecked_advise_range(UncheckedAdvice::DontNeed, from, to - from)
            };
        }
    }
}

impl Drop for Mapped {
    fn drop(&mut self) {
        // Unregistered before `map` is unmapped (fields drop after this).
        self.slot.state.store(FREE, Ordering::Release);
    }
}

/// Puts the SIGBUS handler in place once; says whether it is.
fn guard_installed() -> bool {
    PREVIOUS.get_or_init(install).is_some()
}

#[cfg(target_os = "linux")]
fn install() -> Option<libc::sigaction> {
    // SAFETY: sysconf and sigaction are called with valid arguments; the handler below only
    // does what is safe in a signal handler (atomics, mmap, sigaction, a call to the
    // handler there was before).
    unsafe {
        let page = usize::try_from(libc::sysconf(libc::_SC_PAGESIZE)).ok()?;
        if page == 0 || !page.is_power_of_two() {
            return None;
        }
        PAGE.store(page, Ordering::Relaxed);
        let mut previous: libc::sigaction = std::mem::zeroed();
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = on_sigbus as *const () as usize;
        action.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK;
        libc::sigemptyset(&mut action.sa_mask);
        if libc::sigaction(libc::SIGBUS, &action, &mut previous) != 0 {
            return None;
        }
        Some(previous)
    }
}

#[cfg(not(target_os = "linux"))]
fn install() -> Option<libc::sigaction> {
    None
}

#[cfg(target_os = "linux")]
extern "C" fn on_sigbus(sig: libc::c_int, info: *mut libc::siginfo_t, ctx: *mut libc::c_void) {
    // SAFETY: the kernel passes a valid siginfo to an SA_SIGINFO handler.
    let (code, addr) = unsafe { ((*info).si_code, (*info).si_addr() as usize) };
    if code == libc::BUS_ADRERR {
        let page = PAGE.load(Ordering::Relaxed);
        for slot in &REGISTRY {
            if slot.state.load(Ordering::Acquire) == ACTIVE
                && addr >= slot.start.load(Ordering::Relaxed)
                && addr < slot.end.load(Ordering::Relaxed)
            {
                let at = addr & !(page - 1);
                // SAFETY: the page lies inside a live mapping of ours (registered, and only
                // unregistered before it is unmapped): replacing it with zeros changes no
                // memory anything else owns.
                let p = unsafe {
                    libc::mmap(
                        at as *mut libc::c_void,
                        page,
                        libc::PROT_READ,
                        libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_FIXED,
                        -1,
                        0,
                    )
                };
                if p != libc::MAP_FAILED {
                    slot.faulted.store(true, Ordering::Relaxed);
                    return;
                }
            }
        }
    }
    // Not ours: as before we were here.
    // SAFETY: calls the previous handler the way it asked to be called, or restores the
    // default action so that the fault, retried, kills as it would have.
    unsafe {
        match PREVIOUS.get().copied().flatten() {
            Some(prev)
                if prev.sa_sigaction != libc::SIG_DFL && prev.sa_sigaction != libc::SIG_IGN =>
            {
                if prev.sa_flags & libc::SA_SIGINFO != 0 {
                    let f: extern "C" fn(libc::c_int, *mut libc::siginfo_t, *mut libc::c_void) =
                        std::mem::transmute(prev.sa_sigaction);
                    f(sig, info, ctx);
                } else {
                    let f: extern "C" fn(libc::c_int) = std::mem::transmute(prev.sa_sigaction);
                    f(sig);
                }
            }
            _ => {
                let mut dfl: libc::sigaction = std::mem::zeroed();
                dfl.sa_sigaction = libc::SIG_DFL;
                libc::sigaction(libc::SIGBUS, &dfl, std::ptr::null_mut());
            }
        }
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn a_file_cut_while_mapped_reads_as_zeros_past_its_end() {
        assert!(guard_installed());
        let page = PAGE.load(Ordering::Relaxed);
        let mut f = tempfile::tempfile().unwrap();
        let text: Vec<u8> = (0..page * 4).map(|i| b'a' + (i % 26) as u8).collect();
        f.write_all(&text).unwrap();
        let m = Mapped::new(&f).expect("mapped");
        assert_eq!(m.bytes(), &text[..]);
        assert!(!m.faulted());
        // Cut inside the second page: its tail is zeroed, the pages after it are gone.
        f.set_len(page as u64 + 100).unwrap();
        assert_eq!(m.byte_at(page + 99), Some(text[page + 99]));
        assert_eq!(m.byte_at(page + 100), Some(0));
        assert!(!m.faulted(), "the page holding the new end does not fault");
        assert_eq!(m.byte_at(page * 3 + 5), Some(0));
        assert!(
            m.faulted(),
            "a page past the new end faults, and reads as zeros"
        );
        assert!(m.bytes()[page * 2..].iter().all(|&b| b == 0));
        assert_eq!(m.byte_at(page * 4), None);
    }

    #[test]
    fn a_mapping_gives_its_slot_back() {
        let mut f = tempfile::tempfile().unwrap();
        f.write_all(b"{}\n").unwrap();
        // More mappings, one after another, than there are slots.
        for _ in 0..SLOTS * 2 {
            let m = Mapped::new(&f).expect("a slot is free again");
            assert_eq!(m.bytes(), b"{}\n");
        }
    }

    /// The resident size of the mapping at `start`, from /proc/self/smaps.
    fn resident(start: usize) -> usize {
        let smaps = std::fs::read_to_string("/proc/self/smaps").unwrap();
        let head = format!("{start:x}-");
        let mut lines = smaps.lines().skip_while(|l| !l.starts_with(&head));
        let rss = lines
            .find_map(|l| l.strip_prefix("Rss:"))
            .expect("the mapping is listed");
        let kb: usize = rss.trim().trim_end_matches("kB").trim().parse().unwrap();
        kb << 10
    }

    #[test]
    fn pages_read_are_let_go_of_once_they_span_the_release_span() {
        let page = PAGE.load(Ordering::Relaxed).max(1);
        let mut f = tempfile::tempfile().unwrap();
        f.write_all(&vec![b'x'; RELEASE_SPAN * 4]).unwrap();
        let m = Mapped::new(&f).expect("mapped");
        let start = m.bytes().as_ptr() as usize;
        // Reads a byte of every page, which maps it.
        let touch = |from: usize, to: usize| {
            for i in (from..to).step_by(page) {
                std::hint::black_box(m.byte_at(i));
            }
        };
        let first = RELEASE_SPAN / 4;
        touch(0, first);
        m.done_with(0, first);
        assert!(
            resident(start) >= first,
            "what spans less than RELEASE_SPAN is kept"
        );
        touch(first, RELEASE_SPAN + page);
        m.done_with(first, RELEASE_SPAN + page);
        assert!(
            resident(start) < first,
            "{} bytes still resident after the release",
            resident(start)
        );
    }

    #[test]
    fn an_empty_file_is_not_mapped() {
        let f = tempfile::tempfile().unwrap();
        assert!(Mapped::new(&f).is_none());
    }
}
