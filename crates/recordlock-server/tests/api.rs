//! The API cases (`tests/cases`) on SQLite, the default store.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, reason = "tests")]

mod cases;
mod support;

api_cases!(support::Kind::Sqlite;
    configuration_lifecycle, configuration_errors, tokens_and_scopes, organisations_are_isolated,
    manual_locks, manual_locks_need_manual_lock_type, automatic_locks_on_the_write_path,
    decide_json_lines, field_metadata, health_openapi_and_request_ids, state_survives_a_restart,
    a_failed_write_changes_nothing, slow_clients_are_cut_off, decide_json_lines_use_stored_locks_in_batches,
);
