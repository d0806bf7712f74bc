//! Synthetic records for demos and benchmarks (`recordlock gen`).
//!
//! A [`RecordGenerator`] writes deterministic Zoho records for a module from its schema:
//! record `i` of seed `s` is always the same, whatever else is generated, so records can be
//! produced in parallel or resumed. Values are realistic enough that typical rules lock a
//! few percent to half of them: picklists draw every option (so `Stage equal Closed Won` holds
//! for about one record in nine), amounts spread log-uniformly from 100 to 1,000,000, about
//! one value in ten is missing, and names start with a handful of company names.

use recordlock_criteria::{FieldType, Schema};
use std::fmt::Write as _;

const COMPANIES: &[&str] = &[
    "ACME",
    "Globex",
    "Initech",
    "Umbrella",
    "Stark",
    "Wayne",
    "Hooli",
    "Vandelay",
    "Soylent",
    "Tyrell",
    "Cyberdyne",
    "Wonka",
];
const WORDS: &[&str] = &["renewal", "expansion", "pilot", "upgrade", "licence", "services", "support", "rollout"];
const FIRST: &[&str] = &["Ana", "Bo", "Chen", "Dara", "Émile", "Farah", "Gus", "Hana", "Ivo", "Jun"];
const LAST: &[&str] = &["Okafor", "Silva", "Müller", "Nakamura", "Dubois", "Kowalski", "Smith", "García"];

/// Writes deterministic synthetic records for a schema.
///
/// ```
/// use recordlock::synth::RecordGenerator;
/// use recordlock_criteria::Schema;
///
/// let deals = Schema::builtin("Deals").unwrap();
/// let g = RecordGenerator::new(deals, 42);
/// let a = g.record(7);
/// assert_eq!(a, RecordGenerator::new(deals, 42).record(7));
/// let json: serde_json::Value = serde_json::from_str(&a).unwrap();
/// assert!(json["id"].is_string());
/// ```
#[derive(Debug, Clone)]
pub struct RecordGenerator<'s> {
    schema: &'s Schema,
    seed: u64,
}

impl<'s> RecordGenerator<'s> {
    /// A generator for `schema` with `seed`.
    pub fn new(schema: &'s Schema, seed: u64) -> RecordGenerator<'s> {
        RecordGenerator { schema, seed }
    }

    /// Record number `index`, as one line of JSON (no newline).
    pub fn record(&self, index: u64) -> String {
        let mut out = String::with_capacity(512);
        self.write_record(index, &mut out);
        out
    }

    /// Appends record number `index` to `out`.
    pub fn write_record(&self, index: u64, out: &mut String) {
        let mut rng = Rng::new(self.seed ^ index.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        out.push_str("{\"id\":\"");
        let _ = write!(out, "{}", 5_843_104_000_100_000_000u64.wrapping_add(index));
        out.push('"');
        for field in self.schema.fields() {
            let name = field.api_name();
            if name == "id" || matches!(field.data_type(), FieldType::Other(_)) {
                continue;
            }
            let is_name = name.ends_with("_Name") || name == "Subject" || name.ends_with("_Title");
            // About one value in ten is missing; names are always there.
            if !is_name && rng.below(10) == 0 {
                continue;
            }
            out.push_str(",\"");
            out.push_str(name);
            out.push_str("\":");
            self.write_value(field, is_name, &mut rng, index, out);
        }
        out.push('}');
    }

    fn write_value(
        &self,
        field: &recordlock_criteria::Field,
        is_name: bool,
        rng: &mut Rng,
        index: u64,
        out: &mut String,
    ) {
        let pick = |rng: &mut Rng, items: &[&'static str]| -> &'static str {
            items.get(rng.below(items.len() as u64) as usize).copied().unwrap_or("")
        };
        match field.data_type() {
            FieldType::Text | FieldType::Textarea => {
                let text = if is_name {
                    format!("{} {}", pick(rng, COMPANIES), pick(rng, WORDS))
                } else if field.api_name().contains("Name") {
                    format!("{} {}", pick(rng, FIRST), pick(rng, LAST))
                } else {
                    format!("{} {} {}", pick(rng, WORDS), pick(rng, WORDS), rng.below(1000))
                };
                push_string(out, &text);
            }
            FieldType::Email => {
                push_string(out, &format!("{}.{}@example.com", pick(rng, FIRST), rng.below(10_000)).to_lowercase())
            }
            FieldType::Phone => push_string(out, &format!("+1 555 {:04}", rng.below(10_000))),
            FieldType::Website => {
                push_string(out, &format!("https://www.{}.example", pick(rng, COMPANIES).to_lowercase()))
            }
            FieldType::Autonumber => push_string(out, &format!("{}", 1000 + index)),
            FieldType::Picklist => {
                let options = field.options();
                match options.get(rng.below(options.len().max(1) as u64) as usize) {
                    Some(o) => push_string(out, &o.actual_value),
                    None => push_string(out, pick(rng, WORDS)),
                }
            }
            FieldType::MultiSelectPicklist => {
                let options = field.options();
                out.push('[');
                let n = rng.below(4).min(options.len() as u64);
                for k in 0..n {
                    if k > 0 {
                        out.push(',');
                    }
                    if let Some(o) = options.get(rng.below(options.len() as u64) as usize) {
                        push_string(out, &o.actual_value);
                    }
                }
                out.push(']');
            }
            FieldType::Integer | FieldType::Bigint => {
                let _ = write!(out, "{}", rng.below(1000));
            }
            FieldType::Percent => {
                let _ = write!(out, "{}", rng.below(11) * 10);
            }
            FieldType::Currency | FieldType::Double | FieldType::Decimal => {
                // Log-uniform from 100 to 1,000,000, with cents.
                let exp = 2.0 + 4.0 * (rng.below(1_000_000) as f64 / 1_000_000.0);
                let cents = (10f64.powf(exp) * 100.0) as u64;
                let _ = write!(out, "{}.{:02}", cents / 100, cents % 100);
            }
            FieldType::Date => {
                let (y, m, d) = civil_from_days(18_262 + rng.below(6 * 365) as i64);
                let _ = write!(out, "\"{y:04}-{m:02}-{d:02}\"");
            }
            FieldType::DateTime => {
                let (y, m, d) = civil_from_days(18_262 + rng.below(6 * 365) as i64);
                let secs = rng.below(86_400);
                let offset = pick(rng, &["+00:00", "+05:30", "-08:00", "+01:00"]);
                let _ = write!(
                    out,
                    "\"{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}{offset}\"",
                    secs / 3600,
                    secs / 60 % 60,
                    secs % 60
                );
            }
            FieldType::Boolean => out.push_str(if rng.below(5) == 0 { "true" } else { "false" }),
            FieldType::Lookup | FieldType::OwnerLookup | FieldType::UserLookup => {
                let id = 5_843_104_000_000_000_000u64 + rng.below(1000);
                let _ = write!(out, "{{\"id\":\"{id}\",\"name\":");
                push_string(out, &format!("{} {}", pick(rng, FIRST), pick(rng, LAST)));
                out.push('}');
            }
            FieldType::Other(_) => out.push_str("null"),
        }
    }
}

fn push_string(out: &mut String, s: &str) {
    match serde_json::to_string(s) {
        Ok(quoted) => out.push_str(&quoted),
        Err(_) => out.push_str("null"),
    }
}

/// (year, month, day) of a day count from 1970-01-01 (Howard Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// SplitMix64: small, fast and deterministic.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (0 when `n` is 0).
    fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next() % n }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use recordlock_criteria::{Ingestor, Row};

    #[test]
    fn every_builtin_module_generates_records_its_schema_accepts() {
        for module in recordlock_criteria::schema::BUILTIN_MODULES {
            let schema = Schema::builtin(module).unwrap();
            let g = RecordGenerator::new(schema, 1);
            let ingest = Ingestor::new(schema);
            let mut row = Row::new(schema);
            for i in 0..200 {
                let line = g.record(i);
                ingest.ingest_str(&line, &mut row).unwrap_or_else(|e| panic!("{module} {line}: {e}"));
            }
        }
    }

    #[test]
    fn civil_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(19_723), (2024, 1, 1));
        assert_eq!(civil_from_days(19_782), (2024, 2, 29));
    }
}
