//! The database back ends' contract (`recordlock_server::db::Backend`), the same on SQLite
//! and PostgreSQL: versions compared and bumped atomically, a refused or failed step writes
//! nothing, id ranges never overlap (also between two handles on one database, as two
//! processes would hold), organisations never see each other's rows, tokens stored hashed.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic, reason = "tests")]

mod support;

use recordlock_server::db::{self, Abort, Backend, LockRow, WriteError, WriteFailure};
use recordlock_server::tokens::{self, Principal, Scope};
use support::{Kind, TestStore};

fn lock(record: &str, lock_id: &str) -> LockRow {
    LockRow {
        record_id: record.into(),
        lock_id: lock_id.into(),
        state: r#"{"Lock_Source__s":"Manual"}"#.into(),
        created_time: "2026-11-30T10:00:00+00:00".into(),
        created_by: Some("100".into()),
    }
}

fn write(db: &dyn Backend, org: &str, expected: i64, bump: bool, module: &str, body: &str) -> Result<i64, WriteError> {
    let (module, body) = (module.to_owned(), body.to_owned());
    db::write(db, org, expected, bump, |tx| -> Result<(), Abort<()>> {
        tx.put_configuration(&module, Some(("1", &body)))?;
        Ok(())
    })
    .map(|((), v)| v)
    .map_err(|e| match e {
        WriteFailure::Write(w) => w,
        WriteFailure::Refused(()) => unreachable!(),
    })
}

fn contract(kind: Kind, test: &str) {
    let Some(store) = TestStore::new(kind, test) else { return };
    let first = db::open(&store.location).unwrap();
    let second = db::open(&store.location).unwrap(); // another process's handle

    // Versions: compared, bumped, and seen by the other handle.
    assert_eq!(first.org_version("a").unwrap(), 0);
    assert_eq!(write(&*first, "a", 0, true, "Deals", "{\"v\":1}").unwrap(), 1);
    assert!(matches!(write(&*second, "a", 0, true, "Deals", "{\"v\":2}"), Err(WriteError::Stale)));
    assert_eq!(write(&*second, "a", 1, true, "Deals", "{\"v\":2}").unwrap(), 2);
    let snapshot = first.org_snapshot("a").unwrap();
    assert_eq!(snapshot.version, 2);
    assert_eq!(snapshot.configurations.len(), 1);
    assert_eq!((snapshot.configurations[0].version, snapshot.configurations[0].body.as_str()), (2, "{\"v\":2}"));
    assert_eq!(first.organisations().unwrap(), ["a"]);

    // A refused step and a failed step write nothing (the lock written before is undone).
    let refused = db::write(&*first, "a", 2, true, |tx| -> Result<(), Abort<&str>> {
        tx.put_lock("Deals", &lock("r1", "900"), None)?;
        Err(Abort::Refused("no"))
    });
    assert!(matches!(refused, Err(WriteFailure::Refused("no"))));
    let failed = db::write(&*first, "a", 2, false, |tx| -> Result<(), Abort<()>> {
        tx.put_lock("Deals", &lock("r1", "900"), None)?;
        tx.put_lock("Deals", &lock("r2", "900"), None)?; // the lock id is unique: the database refuses
        Ok(())
    });
    assert!(matches!(failed, Err(WriteFailure::Write(WriteError::Db(_)))));
    assert_eq!(first.lock("a", "Deals", "r1").unwrap(), None);
    assert_eq!(first.org_version("a").unwrap(), 2);

    // Locks: written in one organisation, invisible to another; added only where absent.
    db::write(&*first, "a", 2, false, |tx| -> Result<(), Abort<()>> {
        tx.put_lock("Deals", &lock("r1", "901"), Some("rule-1"))?;
        tx.add_locks("Deals", &[(lock("r1", "902"), None), (lock("r3", "903"), Some("rule-2".into()))])?;
        Ok(())
    })
    .unwrap();
    assert_eq!(second.lock("a", "Deals", "r1").unwrap().unwrap().lock_id, "901", "a record keeps its lock");
    assert_eq!(second.lock("b", "Deals", "r1").unwrap(), None);
    let (version, row) = second.lock_with_version("a", "Deals", "r3").unwrap();
    assert_eq!((version, row.map(|r| r.lock_id)), (2, Some("903".to_owned())));
    assert_eq!(second.lock_with_version("b", "Deals", "r3").unwrap(), (0, None));
    let ids = ["r1".to_owned(), "r3".to_owned(), "r9".to_owned()];
    assert_eq!(first.lock_states("a", "Deals", &ids).unwrap().len(), 2);
    assert!(first.lock_states("b", "Deals", &ids).unwrap().is_empty());
    // Releasing a rule's locks and a module's.
    db::write(&*first, "a", 2, false, |tx| -> Result<(), Abort<()>> {
        tx.release_rule_locks("Deals", &["rule-2".into()])?;
        Ok(())
    })
    .unwrap();
    assert_eq!(first.lock_states("a", "Deals", &ids).unwrap().len(), 1);
    // Releasing the automatic locks (those with a rule id: r1 and r9) keeps the manual one
    // (r2), and other modules' locks.
    db::write(&*first, "a", 2, false, |tx| -> Result<(), Abort<()>> {
        tx.add_locks("Deals", &[(lock("r2", "907"), None), (lock("r9", "905"), Some("rule-2".into()))])?;
        tx.add_locks("Leads", &[(lock("r9", "906"), Some("rule-7".into()))])?;
        tx.release_automatic_locks("Deals")?;
        Ok(())
    })
    .unwrap();
    let with_r2 = ["r1".to_owned(), "r2".to_owned(), "r9".to_owned()];
    let left = first.lock_states("a", "Deals", &with_r2).unwrap();
    assert!(left.len() == 1 && left.contains_key("r2"), "only the manual lock (no rule id) stays: {left:?}");
    assert_eq!(first.lock_states("a", "Leads", &ids).unwrap().len(), 1);
    db::write(&*first, "a", 2, false, |tx| -> Result<(), Abort<()>> {
        tx.release_module_locks("Deals")?;
        Ok(())
    })
    .unwrap();
    assert!(first.lock_states("a", "Deals", &with_r2).unwrap().is_empty());

    // Id ranges never overlap, whichever handle reserves them.
    let mut ranges = Vec::new();
    for (i, handle) in [&first, &second, &first, &second].into_iter().enumerate() {
        let count = 1000 + i as u64;
        let start = handle.reserve_ids(count).unwrap();
        assert!(start >= db::FIRST_ID);
        ranges.push((start, start + count));
    }
    ranges.sort_unstable();
    assert!(ranges.windows(2).all(|w| w[0].1 <= w[1].0), "{ranges:?}");

    // Tokens: only the hash is stored; it maps to the principal.
    let principal = Principal {
        org: "a".into(),
        user_id: "100".into(),
        profile_id: "300".into(),
        lock_permission: true,
        unlock_permission: false,
        scopes: vec![Scope::parse("ZohoCRM.modules.ALL").unwrap()],
    };
    let token = tokens::mint().unwrap();
    first.insert_token(&tokens::hash(&token), &principal, "2026-11-30T10:00:00+00:00").unwrap();
    assert_eq!(second.principal(&tokens::hash(&token)).unwrap(), Some(principal));
    assert_eq!(second.principal(&token).unwrap(), None, "the token itself is not a key");
    second.ping().unwrap();
}

#[test]
fn sqlite_backend_contract() {
    contract(Kind::Sqlite, "sqlite_backend_contract");
}

#[test]
fn postgres_backend_contract() {
    contract(Kind::Postgres, "postgres_backend_contract");
}

/// Two processes' states on one PostgreSQL database: a configuration changed through one is
/// seen by the other on its next read, and only the changed module is compiled again (the
/// other module's policy is the very same `Arc`); a deleted one is dropped.
#[test]
fn a_reload_compiles_only_what_changed() {
    use recordlock::config::Reference;
    use recordlock_server::error::ApiError;
    use recordlock_server::state::App;
    use serde_json::json;
    use std::sync::Arc;

    let Some(store) = TestStore::new(Kind::Postgres, "a_reload_compiles_only_what_changed") else { return };
    let one = App::load(db::open(&store.location).unwrap()).unwrap();
    let two = App::load(db::open(&store.location).unwrap()).unwrap();
    let admin = Reference { id: "100".into(), name: None };
    let config = |value: &str| {
        json!({"record_locking_configurations": [{"lock_type": "automatic", "locking_rules": [{"name": "R",
            "criteria": {"field": {"api_name": "Stage"}, "comparator": "equal", "value": value}}]}]})
    };
    let lead_config = json!({"record_locking_configurations": [{"lock_type": "manual"}]});
    let created = |module: &str, body: &serde_json::Value| {
        one.write("acme", |org| {
            org.store.create(module, body, &admin).map(|(r, _)| r).map_err(|e| ApiError::engine(&e))
        })
        .unwrap()["record_locking_configurations"][0]["details"]["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let deals_id = created("Deals", &config("Closed Won"));
    let leads_id = created("Leads", &lead_config);

    let seen = two.fresh_org("acme").unwrap();
    let (deals, leads) = (seen.store.policy("Deals").unwrap(), seen.store.policy("Leads").unwrap());
    assert_eq!(seen.version(), 2);

    let edit = json!({"record_locking_configurations": [{"locking_rules": [{"name": "S",
        "criteria": {"field": {"api_name": "Stage"}, "comparator": "equal", "value": "Closed Lost"}}]}]});
    one.write("acme", |org| {
        org.store.update("Deals", Some(&deals_id), &edit, &admin).map(|(r, _)| r).map_err(|e| ApiError::engine(&e))
    })
    .unwrap();
    let seen = two.fresh_org("acme").unwrap();
    assert_eq!(seen.version(), 3);
    let deals_now = seen.store.policy("Deals").unwrap();
    assert!(!Arc::ptr_eq(&deals, &deals_now), "the changed configuration is compiled again");
    assert_eq!(deals_now.config().locking_rules.len(), 2);
    assert!(Arc::ptr_eq(&leads, &seen.store.policy("Leads").unwrap()), "the unchanged one is kept as it was");

    // A write through `two` runs on what `one` wrote; `one` sees it and the deletion.
    two.write("acme", |org| org.store.delete("Leads", &leads_id).map(|(r, _)| r).map_err(|e| ApiError::engine(&e)))
        .unwrap();
    let back = one.fresh_org("acme").unwrap();
    assert!(back.store.policy("Leads").is_none());
    assert_eq!(back.store.policy("Deals").unwrap().config().locking_rules.len(), 2);
    assert_eq!(back.version(), 4);
}
