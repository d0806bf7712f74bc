//! The conformance suites (Zoho's and ours), through the library API.

#[test]
fn conformance_suites_pass_through_the_library() {
    let passed = recordlock_tests::run_all(&recordlock_tests::LibraryEngine);
    // The suites define this many checks today; a change to the suites changes it here too.
    assert_eq!(passed, recordlock_tests::EXPECTED_CHECKS);
}
