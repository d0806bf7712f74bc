//! The conformance suites (Zoho's and ours), through the library API.

#[test]
fn conformance_suites_pass_through_the_library() {
    let passed = recordlock_tests::run_all(&recordlock_tests::LibraryEngine);
    assert!(passed >= 20, "only {passed} checks ran");
}
