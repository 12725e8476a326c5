//! The error type and the exit codes, in one place (SPEC §6).

use std::fmt;
use std::io;

use crate::report::inert;

/// Prints one line on stderr, after `errstat: `, with whatever a log, a file name or an
/// argument put in it made inert (`report::inert`): every message goes out this way.
pub fn warn(message: impl fmt::Display) {
    eprintln!("errstat: {}", inert(&message.to_string()));
}

/// What ends a run early, or makes it exit 2.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A flag or its value is wrong.
    #[error("{0}")]
    Usage(String),
    /// An input (or a file named by a flag) could not be read.
    #[error("{input}: {error}")]
    Input { input: String, error: io::Error },
    /// The report could not be written.
    #[error("{target}: {error}")]
    Output { target: String, error: io::Error },
}

/// The exit codes errstat documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// The run finished and nothing asked to fail.
    Success = 0,
    /// The run finished, but a `--fail-on` condition held or `--strict` saw a bad line.
    Alert = 1,
    /// Usage error, an input that could not be read, or no input read at all.
    Trouble = 2,
}

impl Exit {
    /// How a run that wrote its report exits, in batch and live mode alike: trouble when
    /// an input could not be read (or none was), else an alert when a `--fail-on`
    /// condition held or `--strict` saw a malformed line.
    pub fn of(trouble: bool, condition_held: bool, strict: bool, malformed: u64) -> Exit {
        if trouble {
            Exit::Trouble
        } else if condition_held || (strict && malformed > 0) {
            Exit::Alert
        } else {
            Exit::Success
        }
    }
}

impl Error {
    /// Every error exits 2.
    pub fn exit(&self) -> Exit {
        Exit::Trouble
    }
}
