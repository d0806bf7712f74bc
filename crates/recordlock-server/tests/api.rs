//! The API cases (`tests/cases`) on SQLite, the default store.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, reason = "tests")]

mod cases;
mod support;

all_api_cases!(support::Kind::Sqlite);
