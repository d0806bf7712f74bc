//! `recordlock validate CONFIG --module M [--schema FIELDS]`.

use recordlock::Limits;
use recordlock::config::validate::validate;

use crate::common::{Failure, ModuleArgs, invalid_in, read_json_named, stdout, write_line};

/// Prints the normalised configuration, or the error (exit 1).
pub fn run(config: &str, module: &ModuleArgs) -> Result<(), Failure> {
    let body = read_json_named("configuration", config)?;
    let module = module.resolve()?;
    let valid = validate(&body, &module, &Limits::default()).map_err(invalid_in("configuration", config))?;
    let mut out = stdout();
    write_line(&mut out, &valid.config().to_body()).map_err(Failure::stdout)?;
    std::io::Write::flush(&mut out).map_err(Failure::stdout)?;
    Ok(())
}
