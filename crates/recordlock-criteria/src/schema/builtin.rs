//! The embedded schemas of the supported standard modules (SPEC.md §1 "Built-in schemas").
//!
//! Each is a Zoho fields-metadata body under `schemas/`, compiled into the binary and parsed
//! on first use.

use std::sync::OnceLock;

use super::Schema;

/// The standard modules record locking supports, each with a built-in schema.
pub const BUILTIN_MODULES: &[&str] = &[
    "Leads",
    "Accounts",
    "Contacts",
    "Deals",
    "Tasks",
    "Cases",
    "Solutions",
    "Vendors",
    "Price_Books",
    "Quotes",
    "Sales_Orders",
    "Purchase_Orders",
    "Invoices",
    "Products",
];

const SOURCES: [&str; 14] = [
    include_str!("../../schemas/Leads.json"),
    include_str!("../../schemas/Accounts.json"),
    include_str!("../../schemas/Contacts.json"),
    include_str!("../../schemas/Deals.json"),
    include_str!("../../schemas/Tasks.json"),
    include_str!("../../schemas/Cases.json"),
    include_str!("../../schemas/Solutions.json"),
    include_str!("../../schemas/Vendors.json"),
    include_str!("../../schemas/Price_Books.json"),
    include_str!("../../schemas/Quotes.json"),
    include_str!("../../schemas/Sales_Orders.json"),
    include_str!("../../schemas/Purchase_Orders.json"),
    include_str!("../../schemas/Invoices.json"),
    include_str!("../../schemas/Products.json"),
];

static PARSED: [OnceLock<Option<Schema>>; 14] = [const { OnceLock::new() }; 14];

pub(super) fn get(module: &str) -> Option<&'static Schema> {
    let i = BUILTIN_MODULES.iter().position(|m| *m == module)?;
    let source = SOURCES.get(i)?;
    // INVARIANT: the embedded sources parse (a unit test checks every one); `None` would only
    // make the module look unknown, never panic.
    PARSED.get(i)?.get_or_init(|| Schema::from_json_str(source).ok()).as_ref()
}
