//! The API cases (`tests/cases`) on PostgreSQL (`--store postgres://...`), each on a new
//! database of the server `.ci/postgres.sh` starts: the same answers as on SQLite. Without
//! a server these skip loudly, or fail under `CI=1`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, reason = "tests")]

mod cases;
mod support;

all_api_cases!(support::Kind::Postgres);
