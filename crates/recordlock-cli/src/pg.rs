//! A PostgreSQL server for `sql --postgres` and `sweep --postgres`: connecting, checking it
//! can run recordlock's SQL exactly, and reading a table's column types.

use std::collections::BTreeMap;

use postgres::types::ToSql;
use postgres::{Client, NoTls};
use recordlock_sql::{FOLD_COLLATION, Folding, Param, TableMap};

use crate::common::{Failure, print_stderr};

/// A failure talking to the server (exit 2, with what was being done).
pub fn db_error(what: &str, e: &postgres::Error) -> Failure {
    let detail = match e.as_db_error() {
        Some(d) => format!("{}: {}", d.code().code(), d.message()),
        // The cause says which: no such socket, refused, authentication...
        None => match std::error::Error::source(e) {
            Some(cause) => format!("{e}: {cause}"),
            None => e.to_string(),
        },
    };
    Failure::Usage(format!("{what}: {detail}"))
}

/// Connects with a connection string (`postgresql://...` or `host=/run/postgresql dbname=crm`).
pub fn connect(conninfo: &str) -> Result<Client, Failure> {
    Client::connect(conninfo, NoTls).map_err(|e| db_error("cannot connect to PostgreSQL", &e))
}

/// The parameters as the client sends them.
pub fn params(params: &[Param]) -> Vec<&(dyn ToSql + Sync)> {
    params.iter().map(|p| p as &(dyn ToSql + Sync)).collect()
}

/// Checks the server can evaluate rules exactly: UTF8 text and the ICU collation recordlock
/// lowers with; returns the code points its `lower()` maps unlike recordlock (records holding
/// one in a text field the rules read fail closed).
pub fn check_server(client: &mut Client) -> Result<Folding, Failure> {
    let encoding: String = client
        .query_one("SELECT current_setting('server_encoding')", &[])
        .map_err(|e| db_error("cannot read the server encoding", &e))?
        .get(0);
    if encoding != "UTF8" {
        return Err(Failure::Usage(format!("the database's encoding is {encoding}; recordlock needs UTF8")));
    }
    let icu: i64 = client
        .query_one("SELECT count(*) FROM pg_collation WHERE collname = $1 AND collprovider = 'i'", &[&FOLD_COLLATION])
        .map_err(|e| db_error("cannot read the collations", &e))?
        .get(0);
    if icu == 0 {
        return Err(Failure::Usage(format!(
            "the server has no ICU collation \"{FOLD_COLLATION}\" (PostgreSQL built without ICU): text cannot be lowered as recordlock lowers it"
        )));
    }
    let probe = Folding::probe();
    let rows =
        client.query(&probe.text, &params(&probe.params)).map_err(|e| db_error("the lowercase probe failed", &e))?;
    let folding = Folding::from_probe(rows.iter().map(|r| (r.get::<_, String>(0), r.get::<_, String>(1))));
    if !folding.differing.is_empty() {
        print_stderr(&format!(
            "recordlock: this server lowercases {} code points unlike recordlock (its ICU follows another Unicode version); \
             records holding one in a text field the rules read are reported as errors",
            folding.differing.len()
        ))?;
    }
    Ok(folding)
}

/// The table's columns and their types as `format_type` writes them.
pub fn column_types(client: &mut Client, table: &TableMap) -> Result<BTreeMap<String, String>, Failure> {
    let name = table.table_sql();
    let rows = client
        .query(
            "SELECT a.attname::text, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a \
             WHERE a.attrelid = $1::text::regclass AND a.attnum > 0 AND NOT a.attisdropped",
            &[&name],
        )
        .map_err(|e| db_error(&format!("cannot read the columns of {name}"), &e))?;
    Ok(rows.iter().map(|r| (r.get::<_, String>(0), r.get::<_, String>(1))).collect())
}
