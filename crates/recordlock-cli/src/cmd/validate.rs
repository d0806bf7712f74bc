//! `recordlock validate CONFIG --module M [--schema FIELDS]`.

use recordlock::Limits;
use recordlock::config::validate::validate;

use crate::common::{Failure, ModuleArgs, read_json, stdout, write_line};

/// Prints the normalised configuration, or the error (exit 1).
pub fn run(config: &str, module: &ModuleArgs) -> Result<(), Failure> {
    let body = read_json(config)?;
    let module = module.resolve()?;
    let valid = validate(&body, &module, &Limits::default())?;
    let mut out = stdout();
    write_line(&mut out, &valid.config().to_body())?;
    std::io::Write::flush(&mut out)?;
    Ok(())
}
