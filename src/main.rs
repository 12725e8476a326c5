//! The errstat binary: parse the command line, run the library, exit with its code.

use std::process::ExitCode;

use errstat::config::Config;

fn main() -> ExitCode {
    let cli = errstat::cli::parse();
    let exit = match Config::new(cli, |k| std::env::var(k).ok()).and_then(errstat::run) {
        Ok(exit) => exit,
        Err(e) => {
            errstat::error::warn(&e);
            e.exit()
        }
    };
    ExitCode::from(exit as u8)
}
