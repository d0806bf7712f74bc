//! The columnar plan: a [`RuleSet`] mapped onto an Arrow schema, evaluated a whole
//! [`RecordBatch`] at a time.
//!
//! Evaluation carries a selection (a bitmap of the rows still undecided) through each rule's
//! AND/OR tree: an AND narrows it item by item, an OR takes out the rows each item holds on
//! before trying the next, and a rule stops when no row is left. Cheap leaves (numbers,
//! dates, instants, dictionary keys) test a well-filled word of 64 rows at once, branch-free;
//! the others test the selected rows one by one. Rows whose
//! value in some read field cannot be read are taken out before any rule runs and reported
//! (fail closed, SPEC.md §4). Negation is exact: a negated leaf keeps the selected rows its
//! positive test rejects, empty values included (SPEC.md §2).

use std::borrow::Cow;
use std::sync::{Arc, OnceLock};

use arrow_array::{Array, RecordBatch};
use arrow_schema::{DataType, Schema as ArrowSchema, SchemaRef};
use recordlock::RuleSet;
use recordlock::criteria::typed::{Expr, Pred, Test, TextTest};
use recordlock::criteria::{Error, ErrorCode, Field, JsonPath, Value};
use serde_json::Value as Json;

use crate::ascii_test::{AsciiTest, NON_ASCII, ShortPrefix};
use crate::column::{self, AnyText, Column, Form, Scaled, Strings, ValueList};
use crate::dictionary::DictionaryMemo;
use crate::key_test::KeyTest;
use crate::lower::{IntCond, Lowered, lower};
use crate::mapping::{Encoding, Mapping, MappingError, MappingOptions, map_columns};
use crate::rows::{DENSE, Rows, WORD, pack_tests};
use crate::value_test::{holds, text_holds};
use crate::word_bits::small_decimal_bits;

/// One leaf, bound to its column and lowered for the column's form.
#[derive(Debug, Clone)]
pub(crate) struct Leaf {
    /// Index into the mapping's columns.
    pub(crate) column: usize,
    pub(crate) pred: Pred,
    pub(crate) lowered: Lowered,
    /// Whether the column is read as a value per distinct value and a key per row.
    keyed: bool,
    /// For a keyed leaf, its place among the column's keyed leaves: where a dictionary's
    /// memo keeps this leaf's key test.
    memo_slot: Option<usize>,
    /// For a prefix test with ASCII text of at most eight bytes: the test on a value's first
    /// eight bytes (made once here, not per batch).
    short_prefix: Option<ShortPrefix>,
}

/// A rule's AND/OR tree, its leaves bound to columns.
#[derive(Debug, Clone)]
pub(crate) enum Node {
    Leaf(Box<Leaf>),
    All(Vec<Node>),
    Any(Vec<Node>),
}

impl Node {
    /// A rough cost, to try cheap items of a group first (the order does not change results:
    /// every leaf is a pure function of its row).
    fn cost(&self) -> u32 {
        match self {
            Node::Leaf(l) => match (&l.lowered, l.pred.test()) {
                (Lowered::General, _) if l.keyed => 1,
                (Lowered::General, Test::Text(TextTest::Like(_) | TextTest::Substring(_))) => 8,
                (Lowered::General, Test::Text(_) | Test::Choices(_)) => 4,
                (Lowered::General, _) => 2,
                _ => 1,
            },
            Node::All(items) | Node::Any(items) => items.iter().map(Node::cost).sum(),
        }
    }
}

/// A rule set mapped onto one Arrow schema: evaluates batches of that schema.
///
/// ```
/// use std::sync::Arc;
/// use arrow_array::{ArrayRef, Decimal128Array, RecordBatch, StringArray};
/// use recordlock::{Limits, Module, RuleScope, RuleSet};
/// use recordlock::config::validate::validate;
/// use recordlock::criteria::EvalOptions;
/// use recordlock_arrow::{ColumnarPlan, MappingOptions};
/// use serde_json::json;
///
/// let body = json!({"record_locking_configurations": [{"lock_type": "automatic", "locking_rules": [
///     {"name": "Big", "lock_existing_records": true,
///      "criteria": {"field": {"api_name": "Amount"}, "comparator": "greater_than", "value": "1000.5"}}]}]});
/// let deals = Module::resolve("Deals", None).unwrap();
/// let valid = validate(&body, &deals, &Limits::default()).unwrap();
/// let rules = RuleSet::new(&valid, deals, EvalOptions::default(), RuleScope::ExistingRecords);
///
/// let ids: ArrayRef = Arc::new(StringArray::from(vec!["1", "2", "3"]));
/// let amounts: ArrayRef = Arc::new(
///     Decimal128Array::from(vec![Some(100_051), None, Some(100_050)]).with_precision_and_scale(20, 2).unwrap(),
/// );
/// let batch = RecordBatch::try_from_iter([("id", ids), ("Amount", amounts)]).unwrap();
///
/// let plan = ColumnarPlan::new(&rules, &batch.schema(), MappingOptions::default()).unwrap();
/// let result = plan.evaluate(&batch).unwrap();
/// assert_eq!(result.rule(0), Some(0)); // 1000.51 > 1000.5
/// assert_eq!(result.rule(1), None);    // empty
/// assert_eq!(result.rule(2), None);    // 1000.50 = 1000.5
/// ```
#[derive(Debug, Clone)]
pub struct ColumnarPlan {
    rules: RuleSet,
    mapping: Mapping,
    /// Each mapped column's Arrow type, as mapped (batches must keep it).
    types: Vec<DataType>,
    fields: Vec<Field>,
    /// Each mapped column's form.
    forms: Vec<Form>,
    rule_trees: Vec<Node>,
    /// Each mapped column's last dictionaries, read once for all their batches.
    dictionaries: Vec<DictionaryMemo>,
    /// The first batch schema the plan's columns were found in: a batch with this very
    /// schema (a reader's batches share theirs) needs no check.
    checked: OnceLock<SchemaRef>,
}

impl ColumnarPlan {
    /// Maps `rules` onto `schema` and lowers every leaf for its column.
    ///
    /// # Errors
    /// A [`MappingError`] naming a column the rules read that is missing or of a type its
    /// field does not accept.
    pub fn new(rules: &RuleSet, schema: &ArrowSchema, opts: MappingOptions) -> Result<ColumnarPlan, MappingError> {
        let mapping = map_columns(rules.schema(), &rules.reads(), schema, &opts)?;
        let fields: Vec<Field> = mapping.columns().iter().map(|c| rules.schema().field(c.slot).clone()).collect();
        let types: Vec<DataType> =
            mapping.columns().iter().map(|c| schema.field(c.index).data_type().clone()).collect();
        let forms: Vec<Form> = mapping
            .columns()
            .iter()
            .zip(&fields)
            .zip(&types)
            .map(|((c, f), t)| column::form(f, c.encoding, t))
            .collect();
        let keyed: Vec<bool> = mapping
            .columns()
            .iter()
            .zip(&fields)
            .zip(&types)
            .map(|((c, f), t)| column::keyed(f, c.encoding, t))
            .collect();
        let offset = rules.eval_options().tz.local_minus_utc();
        let mut keyed_leaves = vec![0; fields.len()];
        let rule_trees = rules
            .rules()
            .iter()
            .map(|r| build(r.expr(), &mapping, &forms, &keyed, offset, &mut keyed_leaves))
            .collect();
        let dictionaries = keyed_leaves.into_iter().map(DictionaryMemo::new).collect();
        let checked = OnceLock::new();
        Ok(ColumnarPlan { rules: rules.clone(), mapping, types, fields, forms, rule_trees, dictionaries, checked })
    }

    /// The rules, in order; [`Evaluation::rule`] indexes them.
    pub fn rules(&self) -> &RuleSet {
        &self.rules
    }

    /// The schema mapping.
    pub fn mapping(&self) -> &Mapping {
        &self.mapping
    }

    /// Each rule's tree, in order.
    pub(crate) fn trees(&self) -> &[Node] {
        &self.rule_trees
    }

    /// The form mapped column `i` is read in.
    pub(crate) fn form(&self, i: usize) -> Option<Form> {
        self.forms.get(i).copied()
    }

    /// The type class of mapped column `i`'s field.
    pub(crate) fn class(&self, i: usize) -> Option<recordlock::criteria::TypeClass> {
        self.fields.get(i).map(|f| f.data_type().class())
    }

    /// Evaluates every row of `batch`: the first rule that holds, or the error that keeps
    /// the row from being evaluated.
    ///
    /// # Errors
    /// A [`MappingError`] when the batch's columns are not those the plan was made for.
    pub fn evaluate(&self, batch: &RecordBatch) -> Result<Evaluation, MappingError> {
        if !self.checked.get().is_some_and(|s| Arc::ptr_eq(s, batch.schema_ref())) {
            self.check_columns(batch)?;
            let _ = self.checked.set(batch.schema());
        }
        let rows = batch.num_rows();
        let mut columns = ColumnsRead::new(self.fields.len());
        let mut errors: Vec<(usize, Error)> = Vec::new();
        let columns_read = self.mapping.columns().iter().zip(&self.fields).zip(&self.forms).zip(&self.dictionaries);
        for (((mapped, field), form), memo) in columns_read {
            // Always there: the check above found the column at this index.
            let Some(array) = batch.columns().get(mapped.index) else {
                let data_type = field.data_type().as_str().to_owned();
                return Err(MappingError::Missing { api_name: mapped.api_name.clone(), data_type });
            };
            let (column, bad) = column::read(array, field, mapped.encoding, *form, memo);
            columns.push(column);
            for (row, why) in bad {
                errors.push((row, row_error(field, &why)));
            }
        }
        // The first error of each row, in column order.
        errors.sort_by_key(|(row, _)| *row);
        errors.dedup_by_key(|(row, _)| *row);
        let mut undecided = Rows::all(rows);
        for (row, _) in &errors {
            undecided.remove(*row);
        }
        let ctx = Context { columns: &columns, fields: &self.fields, opts: self.rules.eval_options() };
        // Each rule narrows a copy of the rows still undecided to its hits, but the last,
        // which narrows them in place: a one-rule plan copies no set.
        let mut hits = RuleHits { words: Vec::new(), rules: 0 };
        let mut trees = self.rule_trees.iter().peekable();
        while let Some(tree) = trees.next() {
            if undecided.is_empty() {
                break;
            }
            if trees.peek().is_none() {
                narrow(tree, &mut undecided, &ctx);
                hits.push(undecided);
                break;
            }
            let mut held = undecided.clone();
            narrow(tree, &mut held, &ctx);
            undecided.remove_all(&held);
            hits.push(held);
        }
        Ok(Evaluation { rows, hits, errors })
    }

    /// Evaluates `batch` in slices of `chunk_rows` rows in parallel (in the current rayon
    /// pool): one [`Evaluation`] per slice, in order.
    ///
    /// # Errors
    /// As [`ColumnarPlan::evaluate`].
    pub fn evaluate_parallel(&self, batch: &RecordBatch, chunk_rows: usize) -> Result<Vec<Evaluation>, MappingError> {
        use rayon::prelude::*;
        let chunk = chunk_rows.max(1);
        let starts: Vec<usize> = (0..batch.num_rows()).step_by(chunk).collect();
        starts
            .par_iter()
            .map(|&start| self.evaluate(&batch.slice(start, chunk.min(batch.num_rows() - start))))
            .collect()
    }

    /// Checks that the batch's mapped columns are where the plan has them, of its types.
    fn check_columns(&self, batch: &RecordBatch) -> Result<(), MappingError> {
        let schema = batch.schema_ref();
        self.mapping.columns().iter().zip(&self.types).zip(&self.fields).try_for_each(|((c, t), f)| {
            let fits = schema.fields().get(c.index).is_some_and(|bf| bf.name() == &c.column && bf.data_type() == t);
            if !fits {
                return Err(match schema.index_of(&c.column) {
                    Err(_) => MappingError::Missing {
                        api_name: c.api_name.clone(),
                        data_type: f.data_type().as_str().to_owned(),
                    },
                    Ok(i) => MappingError::WrongType {
                        column: c.column.clone(),
                        data_type: f.data_type().as_str().to_owned(),
                        arrow_type: schema.field(i).data_type().to_string(),
                        accepted: "the type of this column in the first batch",
                        note: Some("every batch of a file must have the same schema"),
                    },
                });
            }
            Ok(())
        })
    }

    /// The record id of each row of `batch` (the `id` column), as sweeps print it.
    pub fn ids<'b>(&self, batch: &'b RecordBatch) -> Ids<'b> {
        Ids(match self.mapping.id() {
            None => IdColumn::None,
            Some((index, encoding)) => match batch.columns().get(index) {
                None => IdColumn::None,
                Some(array) => match encoding {
                    Encoding::Integer => IdColumn::Integer(column::IntegerTexts::new(array.as_ref())),
                    Encoding::Json => AnyText::new(array.as_ref()).map_or(IdColumn::None, IdColumn::Json),
                    _ => AnyText::new(array.as_ref()).map_or(IdColumn::None, IdColumn::Text),
                },
            },
        })
    }
}

/// The record ids of a batch's rows.
pub struct Ids<'b>(IdColumn<'b>);

enum IdColumn<'b> {
    /// No `id` column.
    None,
    /// Text ids.
    Text(AnyText<'b>),
    /// JSON text ids (`"123"` or `123`).
    Json(AnyText<'b>),
    /// Integer ids, written out when asked for.
    Integer(column::IntegerTexts),
}

impl<'b> Ids<'b> {
    /// The rows (of the first `len`) without an id: null, or (JSON ids) neither a string
    /// nor a number. (A CSV's empty cell is null.)
    pub fn missing(&self, len: usize) -> Vec<usize> {
        match &self.0 {
            IdColumn::Text(t) if t.none_null() => Vec::new(),
            IdColumn::Integer(v) if v.none_null() => Vec::new(),
            IdColumn::Text(t) => (0..len).filter(|r| t.get(*r).is_none()).collect(),
            _ => (0..len).filter(|r| self.get(*r).is_none()).collect(),
        }
    }

    /// Row `row`'s id, when it has one: borrowed from the batch when it holds the id's text,
    /// an integer (written out only when printed) from an integer column.
    pub fn get(&self, row: usize) -> Option<RowId<'b>> {
        match &self.0 {
            IdColumn::None => None,
            IdColumn::Text(t) => t.get(row).map(|t| RowId::Text(Cow::Borrowed(t))),
            IdColumn::Json(t) => match serde_json::from_str::<Json>(t.get(row)?) {
                Ok(Json::String(s)) => Some(RowId::Text(Cow::Owned(s))),
                Ok(Json::Number(n)) => Some(RowId::Text(Cow::Owned(n.as_str().to_owned()))),
                _ => None,
            },
            IdColumn::Integer(v) => v.get(row).map(RowId::Integer),
        }
    }
}

/// A record id as a sweep prints it (always as a JSON string): text, or an integer of an
/// integer `id` column, written out as its decimal digits.
///
/// ```
/// use recordlock_arrow::RowId;
///
/// assert_eq!(RowId::Integer(5_843_104_000_000_000_001).to_string(), "5843104000000000001");
/// assert_eq!(serde_json::to_string(&RowId::Text("L-1".into())).unwrap(), r#""L-1""#);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowId<'b> {
    /// An id held as text.
    Text(Cow<'b, str>),
    /// An id held as an integer.
    Integer(i128),
}

impl RowId<'_> {
    /// Hands `write` the id's text (an integer's formatted in `buffer`).
    pub(crate) fn with_text<R>(&self, write: impl FnOnce(&str) -> R) -> R {
        match self {
            RowId::Text(t) => write(t),
            // Through i64 when it holds the value: formatting an i128 takes twice as long.
            RowId::Integer(n) => match i64::try_from(*n) {
                Ok(n) => write(itoa::Buffer::new().format(n)),
                Err(_) => write(itoa::Buffer::new().format(*n)),
            },
        }
    }
}

impl std::fmt::Display for RowId<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.with_text(|t| f.write_str(t))
    }
}

impl serde::Serialize for RowId<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.with_text(|t| serializer.serialize_str(t))
    }
}

/// What a batch's evaluation found.
#[derive(Debug, Clone)]
pub struct Evaluation {
    rows: usize,
    /// The rows each rule locks (disjoint: a row is locked by its first rule that holds),
    /// for the rules evaluated (later rules, evaluated after every row was decided, lock none).
    hits: RuleHits,
    errors: Vec<(usize, Error)>,
}

/// The rows each evaluated rule locks, one after another in one vector: rule `i`'s set is
/// words `i * n..(i + 1) * n` (`n` words a set). A one-rule plan's are the very words of
/// the set it narrowed: nothing copied, nothing allocated but that set.
#[derive(Debug, Clone)]
struct RuleHits {
    words: Vec<u64>,
    /// How many rules' sets `words` holds.
    rules: usize,
}

impl RuleHits {
    fn push(&mut self, held: Rows) {
        if self.rules == 0 {
            self.words = held.into_words();
        } else {
            self.words.extend_from_slice(&held.into_words());
        }
        self.rules += 1;
    }

    /// Each evaluated rule's set, as its words.
    fn sets(&self) -> impl Iterator<Item = &[u64]> {
        let n = self.words.len().checked_div(self.rules).unwrap_or(0);
        (0..self.rules).map(move |i| self.words.get(i * n..(i + 1) * n).unwrap_or(&[]))
    }
}

/// One row's outcome.
#[derive(Debug, Clone, Copy)]
pub enum RowOutcome<'e> {
    /// No rule holds.
    Unlocked,
    /// The index (in [`RuleSet::rules`]) of the first rule that holds.
    Locked(usize),
    /// The row cannot be evaluated.
    Unevaluable(&'e Error),
}

impl Evaluation {
    /// The number of rows.
    pub fn len(&self) -> usize {
        self.rows
    }

    /// Whether the batch had no rows.
    pub fn is_empty(&self) -> bool {
        self.rows == 0
    }

    /// The index of the first rule that holds on `row`.
    pub fn rule(&self, row: usize) -> Option<usize> {
        self.hits.sets().position(|h| h.get(row / WORD).is_some_and(|w| w >> (row % WORD) & 1 == 1))
    }

    /// Why `row` cannot be evaluated, if it cannot.
    pub fn error(&self, row: usize) -> Option<&Error> {
        self.errors.binary_search_by_key(&row, |(r, _)| *r).ok().and_then(|i| self.errors.get(i)).map(|(_, e)| e)
    }

    /// Row `row`'s outcome.
    pub fn outcome(&self, row: usize) -> RowOutcome<'_> {
        match (self.error(row), self.rule(row)) {
            (Some(e), _) => RowOutcome::Unevaluable(e),
            (None, Some(r)) => RowOutcome::Locked(r),
            (None, None) => RowOutcome::Unlocked,
        }
    }

    /// The rows reported by a sweep, in order: locked or unevaluable.
    pub fn reported(&self) -> impl Iterator<Item = (usize, RowOutcome<'_>)> + '_ {
        let mut locked = Rows::none(self.rows);
        for h in self.hits.sets() {
            locked.add_words(h);
        }
        let mut errors = self.errors.iter().peekable();
        let mut locked = locked.into_rows().peekable();
        std::iter::from_fn(move || {
            let next_error = errors.peek().map(|(r, _)| *r);
            let next_locked = locked.peek().copied();
            let error_first = match (next_error, next_locked) {
                (Some(e), Some(l)) => e <= l,
                (Some(_), None) => true,
                (None, _) => false,
            };
            if error_first {
                if next_locked == next_error {
                    locked.next();
                }
                return errors.next().map(|(row, error)| (*row, RowOutcome::Unevaluable(error)));
            }
            let l = locked.next()?;
            Some((l, self.rule(l).map_or(RowOutcome::Unlocked, RowOutcome::Locked)))
        })
    }

    /// Rows a rule locks.
    pub fn locked(&self) -> usize {
        crate::rows::count_ones(&self.hits.words)
    }

    /// Rows that cannot be evaluated.
    pub fn unevaluable(&self) -> usize {
        self.errors.len()
    }
}

/// The error for a row whose value in `field` cannot be read: what JSON ingestion reports
/// for the same value (INVALID_RECORD, the field's path and expected type).
fn row_error(field: &Field, why: &str) -> Error {
    let name = field.api_name();
    Error::new(ErrorCode::InvalidRecord, &JsonPath::root().key(name), format!("`{name}`: {why}"))
        .with_api_name(name)
        .with_expected_data_type(field.data_type().as_str())
}

/// `expr` bound to the mapping's columns; `keyed_leaves` counts each column's keyed leaves
/// so far (a keyed leaf's memo slot).
fn build(
    expr: &Expr,
    mapping: &Mapping,
    forms: &[Form],
    keyed: &[bool],
    offset: i32,
    keyed_leaves: &mut [usize],
) -> Node {
    match expr {
        Expr::Leaf(p) => {
            let column = mapping.columns().iter().position(|c| c.slot == p.slot()).unwrap_or(usize::MAX);
            let form = forms.get(column).copied().unwrap_or(Form::Values);
            let keyed = keyed.get(column).copied().unwrap_or(false);
            let memo_slot = keyed_leaves.get_mut(column).filter(|_| keyed).map(|count| {
                *count += 1;
                *count - 1
            });
            let lowered = lower(p.test(), form, offset);
            let short_prefix = match p.test() {
                Test::Text(t) => match AsciiTest::new(t) {
                    Some(AsciiTest::Prefix(_, short)) => short,
                    _ => None,
                },
                _ => None,
            };
            Node::Leaf(Box::new(Leaf { column, pred: p.clone(), lowered, keyed, memo_slot, short_prefix }))
        }
        Expr::All(items) | Expr::Any(items) => {
            let mut nodes: Vec<Node> =
                items.iter().map(|e| build(e, mapping, forms, keyed, offset, keyed_leaves)).collect();
            nodes.sort_by_key(Node::cost);
            if matches!(expr, Expr::All(_)) { Node::All(nodes) } else { Node::Any(nodes) }
        }
    }
}

struct Context<'c, 'a> {
    columns: &'c ColumnsRead<'a>,
    fields: &'c [Field],
    opts: &'c recordlock::criteria::EvalOptions,
}

/// A batch's columns as read, each at its mapped column's index: up to [`INLINE`] of them
/// in place (a rule set reads a few fields), more in a vector.
#[expect(
    clippy::large_enum_variant,
    reason = "on the stack for one batch's evaluation: boxing the inline columns would be the allocation it saves"
)]
enum ColumnsRead<'a> {
    /// Columns `0..n` of the first `n` slots (`None` until read: nothing to drop).
    Inline([Option<Column<'a>>; INLINE], usize),
    Heap(Vec<Column<'a>>),
}

/// Columns a batch's [`ColumnsRead`] holds without allocating.
const INLINE: usize = 4;

impl<'a> ColumnsRead<'a> {
    /// Room for `n` columns, [`ColumnsRead::push`]ed in order.
    fn new(n: usize) -> ColumnsRead<'a> {
        if n <= INLINE {
            ColumnsRead::Inline([None, None, None, None], 0)
        } else {
            ColumnsRead::Heap(Vec::with_capacity(n))
        }
    }

    fn push(&mut self, column: Column<'a>) {
        match self {
            ColumnsRead::Inline(columns, n) => {
                if let Some(slot) = columns.get_mut(*n) {
                    *slot = Some(column);
                    *n += 1;
                }
            }
            ColumnsRead::Heap(columns) => columns.push(column),
        }
    }

    /// Column `i`, when read.
    #[inline]
    fn get(&self, i: usize) -> Option<&Column<'a>> {
        match self {
            ColumnsRead::Inline(columns, _) => columns.get(i).and_then(Option::as_ref),
            ColumnsRead::Heap(columns) => columns.get(i),
        }
    }
}

/// Narrows `sel` to its rows on which `node` holds: an AND item by item on the one set, in
/// place; an OR on a copy per item.
fn narrow(node: &Node, sel: &mut Rows, ctx: &Context<'_, '_>) {
    match node {
        Node::Leaf(leaf) if leaf.pred.negated() => {
            let mut positive = sel.clone();
            narrow_leaf(leaf, &mut positive, ctx);
            sel.remove_all(&positive);
        }
        Node::Leaf(leaf) => narrow_leaf(leaf, sel, ctx),
        Node::All(items) => {
            for item in items {
                if sel.is_empty() {
                    break;
                }
                narrow(item, sel, ctx);
            }
        }
        Node::Any(items) => {
            // The rows no item has held on yet; `sel` keeps the others.
            let mut rest = sel.clone();
            for item in items {
                if rest.is_empty() {
                    break;
                }
                let mut held = rest.clone();
                narrow(item, &mut held, ctx);
                rest.remove_all(&held);
            }
            sel.remove_all(&rest);
        }
    }
}

/// Keeps the rows of `sel` whose value passes `cond` (read by `key`); a null passes none.
#[inline]
fn narrow_ints<T: Copy>(
    sel: &mut Rows,
    data: &[T],
    nulls: Option<&arrow_buffer::NullBuffer>,
    cond: &IntCond,
    key: impl Fn(T) -> i128,
) {
    match cond {
        IntCond::Range(lo, hi) if lo > hi => sel.clear(),
        IntCond::Range(lo, hi) => {
            // `lo <= v <= hi` as one unsigned compare: values below `lo` wrap past the span.
            let span = hi.abs_diff(*lo);
            sel.narrow_values(data, |v| key(v).wrapping_sub(*lo) as u128 <= span);
        }
        IntCond::Set(set) => sel.narrow_values(data, |v| set.binary_search(&key(v)).is_ok()),
    }
    if let Some(n) = nulls {
        sel.keep_valid(n);
    }
}

/// Keeps the rows of `sel` whose Decimal128 value (an integer at the column's scale) passes
/// `cond`; a null passes none. A range test on a word whose 64 values all lie in `0..2^32`
/// (amounts below 42,949,672.96 at scale 2, say) runs on their low halves as `i32`s, four
/// at a time ([`small_decimal_bits`]); `i128` compares do not vectorise.
fn narrow_decimals(sel: &mut Rows, data: &[i128], nulls: Option<&arrow_buffer::NullBuffer>, cond: &IntCond) {
    let IntCond::Range(lo, hi) = cond else { return narrow_ints(sel, data, nulls, cond, |v| v) };
    if lo > hi {
        return sel.clear();
    }
    let span = hi.abs_diff(*lo);
    let wide = |v: i128| v.wrapping_sub(*lo) as u128 <= span;
    // The range within 0..2^32: `first..=first + small_span` as unsigned 32-bit values
    // (decided here, not per word: each case a loop of its own).
    let (first, last) = ((*lo).max(0), (*hi).min(i128::from(u32::MAX)));
    if first <= last {
        let (first, small_span) = (first as u32 as i32, (last - first) as u32);
        // Every value in 0..2^32: tested on their low halves.
        let word = |chunk: &[i128; WORD]| {
            small_decimal_bits(chunk, first, small_span).unwrap_or_else(|| pack_tests(chunk, wide))
        };
        sel.narrow_words(data, DENSE, word, wide);
    } else {
        // No value in 0..2^32 is in the range.
        let word =
            |chunk: &[i128; WORD]| small_decimal_bits(chunk, 0, 0).map_or_else(|| pack_tests(chunk, wide), |_| 0);
        sel.narrow_words(data, DENSE, word, wide);
    }
    if let Some(n) = nulls {
        sel.keep_valid(n);
    }
}

/// Keeps the rows of `sel` on which `leaf`'s positive test holds (its negation is taken by
/// the caller: the rows of `sel` not kept here).
fn narrow_leaf(leaf: &Leaf, sel: &mut Rows, ctx: &Context<'_, '_>) {
    let (Some(column), Some(field)) = (ctx.columns.get(leaf.column), ctx.fields.get(leaf.column)) else {
        // A leaf without a column (not possible: the mapping covers every read slot) holds
        // nowhere.
        return sel.clear();
    };
    let test = leaf.pred.test();
    match (&leaf.lowered, column) {
        (Lowered::General, Column::Values { values, keys: Some(keys) }) => {
            // Once per distinct value (once per dictionary, when the memo keeps it), then
            // gathered by key.
            let make = || KeyTest::new(&values.iter().map(|v| holds(test, v, field, ctx.opts)).collect::<Vec<bool>>());
            let key_test = match (values, leaf.memo_slot) {
                (ValueList::Shared(d), Some(slot)) => d.key_test(slot, make).map(Cow::Borrowed),
                _ => None,
            };
            let key_test = key_test.unwrap_or_else(|| Cow::Owned(make()));
            match &keys.nulls {
                None => key_test.narrow(sel, &keys.index),
                Some(nulls) => {
                    // Null rows hold as the empty value does; the others by key.
                    let empty = holds(test, &Value::Empty, field, ctx.opts).then(|| {
                        let mut empty = sel.clone();
                        empty.keep_null(nulls);
                        empty
                    });
                    key_test.narrow(sel, &keys.index);
                    sel.keep_valid(nulls);
                    if let Some(empty) = empty {
                        sel.add_all(&empty);
                    }
                }
            }
        }
        (Lowered::General, Column::Values { values, keys: None }) => {
            *sel = sel.filter(|r| values.get(r).is_some_and(|v| holds(test, v, field, ctx.opts)));
        }
        (Lowered::General, Column::Text(strings)) => match strings {
            Strings::Utf8(a) => {
                let (offsets, data) = (a.value_offsets(), a.value_data());
                if a.null_count() == 0
                    && let Test::Text(t) = test
                    && let Some(short) = leaf.short_prefix
                {
                    let mut folded = String::new();
                    // Made for the first row the first bytes do not decide (rare), if any.
                    let mut quick = None;
                    let mut slow = |r: usize| {
                        let s = a.value(r);
                        let quick = *quick.get_or_insert_with(|| AsciiTest::new(t));
                        !s.is_empty()
                            && quick
                                .and_then(|q| q.holds(s.as_bytes()))
                                .unwrap_or_else(|| text_holds(t, fold_into(s, &mut folded)))
                    };
                    return narrow_short_prefix(sel, offsets, data, short, &mut slow);
                }
                let nulls = a.nulls().filter(|n| n.null_count() > 0);
                let bytes = |r: usize| {
                    let [start, end] = *<&[i32; 2]>::try_from(offsets.get(r..r + 2)?).ok()?;
                    if nulls.is_some_and(|n| n.is_null(r)) {
                        return None;
                    }
                    data.get(start.unsigned_abs() as usize..end.unsigned_abs() as usize)
                };
                *sel = text_rows(sel, test, field, ctx, bytes, |r| a.is_valid(r).then(|| a.value(r)));
            }
            Strings::Large(a) => {
                let bytes = |r: usize| a.is_valid(r).then(|| a.value(r).as_bytes());
                *sel = text_rows(sel, test, field, ctx, bytes, |r| a.is_valid(r).then(|| a.value(r)));
            }
            Strings::View(a) => {
                let bytes = |r: usize| a.is_valid(r).then(|| a.value(r).as_bytes());
                *sel = text_rows(sel, test, field, ctx, bytes, |r| a.is_valid(r).then(|| a.value(r)));
            }
        },
        (Lowered::IsNull, c) => *sel = sel.filter(|r| is_null(c, r)),
        (Lowered::Int(cond), Column::Scaled { data: Scaled::I128(d), nulls }) => {
            narrow_decimals(sel, d, nulls.as_ref(), cond);
        }
        (Lowered::Int(cond), Column::Scaled { data: Scaled::I64(d), nulls }) => {
            narrow_ints(sel, d, nulls.as_ref(), cond, i128::from);
        }
        (Lowered::Int(cond), Column::Date { days, nulls }) => narrow_ints(sel, days, nulls.as_ref(), cond, i128::from),
        (Lowered::Int(cond), Column::Timestamp { ticks, nulls }) => {
            narrow_ints(sel, ticks, nulls.as_ref(), cond, i128::from);
        }
        (Lowered::Day { cond, per_second, offset }, Column::Timestamp { ticks, nulls }) => {
            let day = |t: i64| (i128::from(t).div_euclid(*per_second) + offset).div_euclid(86_400);
            narrow_ints(sel, ticks, nulls.as_ref(), cond, day);
        }
        (Lowered::Bool(b), Column::Boolean(a)) => {
            *sel = sel.filter(|r| r < a.len() && a.is_valid(r) && a.value(r) == *b);
        }
        // A test the column's form cannot pass (never reached for a mapped, type-checked leaf).
        _ => sel.clear(),
    }
}

/// The rows of `sel` whose text (read by `text`, or its bytes by `bytes`: `None` when null)
/// passes `test`: a prefix, suffix or equality test with ASCII text on the bytes without
/// folding them where they decide it, anything else on folded text.
#[inline]
fn text_rows<'a>(
    sel: &Rows,
    test: &Test,
    field: &Field,
    ctx: &Context<'_, '_>,
    bytes: impl Fn(usize) -> Option<&'a [u8]>,
    text: impl Fn(usize) -> Option<&'a str>,
) -> Rows {
    let mut folded = String::new();
    if let Test::Text(t) = test
        && let Some(quick) = AsciiTest::new(t)
    {
        if let AsciiTest::Prefix(_, Some(short)) = quick {
            // The common case on its own: no dispatch on the test per row.
            return sel.filter(|r| match bytes(r) {
                None | Some([]) => false,
                Some(b) => match b.first_chunk::<8>().map_or_else(|| quick.holds(b), |head| short.holds(*head)) {
                    Some(answer) => answer,
                    None => text(r).is_some_and(|s| text_holds(t, fold_into(s, &mut folded))),
                },
            });
        }
        return sel.filter(|r| match bytes(r) {
            None | Some([]) => false,
            Some(b) => match quick.holds(b) {
                Some(answer) => answer,
                None => text(r).is_some_and(|s| text_holds(t, fold_into(s, &mut folded))),
            },
        });
    }
    sel.filter(|r| match text(r) {
        None | Some("") => matches!(test, Test::IsEmpty),
        Some(s) => match test {
            Test::Text(t) => text_holds(t, fold_into(s, &mut folded)),
            _ => holds(test, &Value::Text(recordlock::criteria::fold(s)), field, ctx.opts),
        },
    })
}

/// Keeps the rows of `sel` whose text, in a Utf8 array without nulls (`offsets`, `data`),
/// starts with `short`'s needle: a value at least as long as the needle is decided by the
/// eight bytes from its start as one word where its first bytes are ASCII; `slow` answers
/// the others.
#[inline]
fn narrow_short_prefix(
    sel: &mut Rows,
    offsets: &[i32],
    data: &[u8],
    short: ShortPrefix,
    slow: &mut dyn FnMut(usize) -> bool,
) {
    // `slow` behind a pointer keeps the loop small: the slices and the needle in registers.
    sel.retain_words(|w, word| {
        let base = w * WORD;
        // A word's 65 offsets at once: row `j`'s value is `window[j]..window[j + 1]`, and
        // `j < 64` needs no bounds check. The last, partial word reads them row by row.
        let (holds, pending) = match offsets.get(base..).and_then(|o| o.first_chunk::<{ WORD + 1 }>()) {
            Some(window) => {
                let bounds = |j: usize| {
                    let j = j & (WORD - 1);
                    (window.get(j).copied().unwrap_or(0), window.get(j + 1).copied().unwrap_or(0))
                };
                // INVARIANT: a Utf8 array's offsets ascend (Arrow checks it when the array
                // is made), so no row of the word starts after its last row: when eight
                // bytes follow that start, they follow every row's, and a start clamped to
                // the last place eight bytes can be read from is the start itself (one
                // check a word instead of one a row).
                let last_start = window.get(WORD - 1).map_or(u32::MAX, |s| *s as u32);
                match data.len().checked_sub(8) {
                    Some(last) if last_start as usize <= last => {
                        let clamped = |start: i32| {
                            let from = (start as u32 as usize).min(last);
                            data.get(from..from + 8).and_then(|d| d.first_chunk::<8>()).map(|h| u64::from_le_bytes(*h))
                        };
                        prefix_bits(word, short, clamped, bounds)
                    }
                    _ => prefix_bits(word, short, checked_head(data), bounds),
                }
            }
            None => prefix_bits(word, short, checked_head(data), |j| match offsets.get(base + j..base + j + 2) {
                Some(&[start, end]) => (start, end),
                _ => (0, 0),
            }),
        };
        holds | Rows::word_filter(pending, |j| slow(base + j))
    });
}

/// The eight bytes of `data` from `start` (little-endian), read whatever the length of the
/// value there: only its first `needle_len()` bytes count, and they are its own when it is
/// that long (a valid array's offsets ascend within `data`); any other value is left
/// undecided by [`prefix_bits`], for the caller's fallback, which reads the array as Arrow
/// does. `None`: no eight bytes there.
#[inline(always)]
fn checked_head(data: &[u8]) -> impl Fn(i32) -> Option<u64> {
    move |start: i32| {
        let from = start as u32 as usize;
        data.get(from..from + 8).and_then(|d| d.first_chunk::<8>()).map(|h| u64::from_le_bytes(*h))
    }
}

/// For the rows of `word` (value `j` at `bounds(j).0..bounds(j).1`, its first eight bytes
/// `head(bounds(j).0)`, as [`checked_head`] reads them): the rows that start with
/// `short`'s needle, and the rows their first bytes do not decide (shorter than the
/// needle, or not ASCII where it is). Branch-free but for the loop (and `head`'s bounds
/// check); the undecided rows, rare, are found by a second pass.
#[inline(always)]
fn prefix_bits(
    word: u64,
    short: ShortPrefix,
    head: impl Fn(i32) -> Option<u64>,
    bounds: impl Fn(usize) -> (i32, i32),
) -> (u64, u64) {
    let head = |start: i32| head(start).map(|h| short.masked(h));
    // The first pass: whether each row's first bytes match, and whether any row has no
    // eight bytes there or is not ASCII there. It does not look at lengths: a value shorter
    // than the needle that does not match is decided all the same (ASCII text shorter than
    // the needle cannot start with it; a non-ASCII byte among its own is seen), and one
    // that matches is found below, among the matches alone.
    let (mut rest, mut holds, mut seen, mut no_head) = (word, 0u64, 0u64, false);
    while rest != 0 {
        let j = rest.trailing_zeros();
        rest &= rest - 1;
        let (start, _) = bounds(j as usize);
        let x = head(start).unwrap_or_else(|| {
            no_head = true;
            0
        });
        seen |= x;
        holds |= u64::from(short.matches(x)) << j;
    }
    // A match by bytes that are not the value's own: a value shorter than the needle.
    let (mut matched, mut short_match) = (holds, false);
    while matched != 0 {
        let j = matched.trailing_zeros();
        matched &= matched - 1;
        let (start, end) = bounds(j as usize);
        short_match |= end.wrapping_sub(start) < short.needle_len();
    }
    if !no_head && !short_match && seen & NON_ASCII == 0 {
        return (holds, 0);
    }
    // Some row undecided: the rows again, one by one.
    let (mut rest, mut holds, mut pending) = (word, 0u64, 0u64);
    while rest != 0 {
        let j = rest.trailing_zeros();
        rest &= rest - 1;
        let (start, end) = bounds(j as usize);
        let decided = match head(start) {
            Some(x) if end.wrapping_sub(start) >= short.needle_len() => (x & NON_ASCII == 0).then(|| short.matches(x)),
            _ => None,
        };
        holds |= u64::from(decided == Some(true)) << j;
        pending |= u64::from(decided.is_none()) << j;
    }
    (holds, pending)
}

#[inline]
fn valid(nulls: Option<&arrow_buffer::NullBuffer>, row: usize) -> bool {
    nulls.is_none_or(|n| n.is_valid(row))
}

fn is_null(column: &Column<'_>, row: usize) -> bool {
    match column {
        Column::Values { values, keys: Some(keys) } => {
            keys.get(row).and_then(|k| values.get(k)).is_none_or(Value::is_empty)
        }
        Column::Values { values, keys: None } => values.get(row).is_none_or(Value::is_empty),
        Column::Text(s) => s.get(row).is_none_or(str::is_empty),
        Column::Scaled { nulls, .. } | Column::Date { nulls, .. } | Column::Timestamp { nulls, .. } => {
            !valid(nulls.as_ref(), row)
        }
        Column::Boolean(a) => a.is_null(row),
    }
}

/// `s` folded (SPEC.md §2 Text): ASCII text without capitals as it is, anything else folded
/// into `buf` ([`recordlock::criteria::fold_into`]).
#[inline]
fn fold_into<'s>(s: &'s str, buf: &'s mut String) -> &'s str {
    if s.bytes().all(|b| b.is_ascii() && !b.is_ascii_uppercase()) {
        return s;
    }
    recordlock::criteria::fold_into(s, buf);
    buf
}

#[cfg(test)]
mod tests {

    use std::sync::Arc;

    use arrow_array::{ArrayRef, StringArray};
    use recordlock::config::validate::validate;
    use recordlock::criteria::EvalOptions;
    use recordlock::{Limits, Module, RuleScope};
    use rust_decimal::Decimal;
    use serde_json::json;

    use super::*;

    /// The rules (those locking existing records) of a Deals configuration `body`.
    fn deals_rules(body: &Json) -> RuleSet {
        let deals = Module::resolve("Deals", None).unwrap();
        let valid = validate(body, &deals, &Limits::default()).unwrap();
        RuleSet::new(&valid, deals, EvalOptions::default(), RuleScope::ExistingRecords)
    }

    /// A range test on Decimal128 values gives the exact answer on every value, whether a
    /// word's values all lie in 0..2^32 (tested on their low halves) or not (as `i128`s):
    /// values at and around the bounds, 2^31 and 2^32, negatives and wide values, with
    /// ranges inside, across and outside 0..2^32.
    #[test]
    fn decimal_ranges_answer_exactly_on_low_halves_and_wide_values() {
        use arrow_array::Decimal128Array;
        let two32 = 1i128 << 32;
        let ranges: [(i128, i128); 7] = [
            (100_000, 5_000_000),
            (0, 0),
            (-500, 700),
            (two32 - 3, two32 + 3),
            ((1 << 31) - 1, 1 << 31),
            (two32 + 10, two32 * 4),
            (-(two32 * 2), -1),
        ];
        for (lo, hi) in ranges {
            let near = |c: i128| [c - 1, c, c + 1];
            let small: Vec<i128> = near(lo).into_iter().chain(near(hi)).chain([0, 1, 99_999, two32 - 1]).collect();
            let small: Vec<i128> = small.into_iter().filter(|v| (0..two32).contains(v)).collect();
            let wide: Vec<i128> = near(lo).into_iter().chain(near(hi)).chain([-1, two32, 10i128.pow(19)]).collect();
            // Values just past 2^32 but below 2^33 (a word of them must not pass for small).
            let past: Vec<i128> = (-2..=2).map(|d| two32 + d).chain(near(lo)).chain(near(hi)).collect();
            let past: Vec<i128> = past.into_iter().filter(|v| (0..2 * two32).contains(v)).collect();
            // Words 0 and 1 of small values only (the low-half path when dense), word 2 of
            // values around 2^32, words 3 and 4 of any (the last one partial).
            let values: Vec<i128> = (0..300)
                .map(|i| match i {
                    ..128 => small[i % small.len()],
                    128..192 => past[i % past.len()],
                    _ => wide[i % wide.len()],
                })
                .collect();
            let (lo_text, hi_text) = (Decimal::from_i128_with_scale(lo, 2), Decimal::from_i128_with_scale(hi, 2));
            let body = json!({"record_locking_configurations": [{"lock_type": "automatic", "locking_rules": [
                {"name": "Range", "lock_existing_records": true, "criteria": {"field": {"api_name": "Amount"},
                 "comparator": "between", "value": [lo_text.to_string(), hi_text.to_string()]}}]}]});
            let rules = deals_rules(&body);
            let ids: ArrayRef = Arc::new(StringArray::from_iter_values((0..values.len()).map(|i| i.to_string())));
            let amounts: ArrayRef = Arc::new(
                Decimal128Array::from_iter_values(values.iter().copied()).with_precision_and_scale(20, 2).unwrap(),
            );
            let batch = RecordBatch::try_from_iter([("id", ids), ("Amount", amounts)]).unwrap();
            let plan = ColumnarPlan::new(&rules, &batch.schema(), MappingOptions::default()).unwrap();
            let result = plan.evaluate(&batch).unwrap();
            for (row, v) in values.iter().enumerate() {
                assert_eq!(result.rule(row).is_some(), (lo..=hi).contains(v), "{v} in {lo}..={hi} (row {row})");
            }
        }
    }

    /// The prefix test word by word against folding, on words of ASCII values around the
    /// needle's length with at most one value the bytes cannot decide (shorter than the
    /// needle, or not ASCII where it is, such as a Kelvin sign, which folds to `k`), so
    /// the first, word-wide pass must see that one; selections full and partial; arrays
    /// whole and sliced.
    #[test]
    fn the_prefix_test_decides_each_word_as_folding_does() {
        let plain =
            ["acme renewal", "ACME", "acmE", "acme!", "xacme", "ki", "KIND", "Ki", "kx", "k", "K", "acme co! x"];
        let odd = ["", "a", "ac", "acm", "\u{212a}i kelvin", "\u{212a}", "\u{c0}CME", "\u{130}x", "ACME CO"];
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        for needle in ["acme", "ki", "k", "Acme Co!"] {
            let short = ShortPrefix::new(needle.as_bytes()).unwrap();
            let folded_needle = recordlock::criteria::fold(needle);
            for trial in 0..300 {
                let mut values: Vec<&str> = (0..3 * WORD).map(|_| plain[next(plain.len())]).collect();
                for w in 0..3 {
                    if (trial + w) % 3 != 0 {
                        values[w * WORD + next(WORD)] = odd[next(odd.len())];
                    }
                }
                let whole = StringArray::from(values.clone());
                let from = trial % 2;
                let array = whole.slice(from, 2 * WORD);
                let sel = match trial % 4 {
                    0 => Rows::all(array.len()),
                    _ => Rows::all(array.len()).filter(|_| next(3) != 0),
                };
                let want = |r: usize| recordlock::criteria::fold(values[from + r]).starts_with(folded_needle.as_str());
                let mut slow = |r: usize| want(r);
                let mut got = sel.clone();
                narrow_short_prefix(&mut got, array.value_offsets(), array.value_data(), short, &mut slow);
                assert_eq!(got, sel.filter(want), "{needle:?}, trial {trial}: {values:?}");
            }
        }
    }

    /// A word's rows are read eight bytes from their starts, clamped to the last place eight
    /// bytes can be read from, only when the word's last row starts there or before: rows
    /// at the very end of the array's bytes (the last of a word that ends the array, of
    /// every length, after a value ending with the needle, whose bytes a clamped read
    /// would take for theirs) are answered as folding answers them.
    #[test]
    fn rows_at_the_end_of_the_bytes_are_read_as_their_own() {
        let body = json!({"record_locking_configurations": [{"lock_type": "automatic", "locking_rules": [
            {"name": "Acme", "lock_existing_records": true,
             "criteria": {"field": {"api_name": "Deal_Name"}, "comparator": "starts_with", "value": "ACME"}}]}]});
        let rules = deals_rules(&body);
        for words in [1, 2] {
            for tail in ["q", "qq", "qqq", "qqqq", "qqqqq", "qqqqqqq", "qqqqqqqq", "acm", "ACME", "acme q"] {
                for before in ["the acme", "acme", "xx ACME", "acmeacme", "a"] {
                    let mut values: Vec<String> = (0..words * WORD).map(|i| format!("deal {i}")).collect();
                    let n = values.len();
                    values[n - 2] = before.to_owned();
                    values[n - 1] = tail.to_owned();
                    let ids: ArrayRef = Arc::new(StringArray::from_iter_values((0..n).map(|i| i.to_string())));
                    let names: ArrayRef = Arc::new(StringArray::from(values.clone()));
                    let batch = RecordBatch::try_from_iter([("id", ids), ("Deal_Name", names)]).unwrap();
                    let plan = ColumnarPlan::new(&rules, &batch.schema(), MappingOptions::default()).unwrap();
                    let result = plan.evaluate(&batch).unwrap();
                    for (row, value) in values.iter().enumerate() {
                        let want = recordlock::criteria::fold(value).starts_with("acme");
                        assert_eq!(result.rule(row).is_some(), want, "{value:?} at row {row} of {n}");
                    }
                }
            }
        }
    }

    /// Every batch is checked against the plan's columns, but for a batch of the very schema
    /// already found good: a later batch of another schema, with a column's type changed or a
    /// column gone, is an error naming it, after batches that were fine.
    #[test]
    fn a_batch_of_another_schema_is_refused_after_good_ones() {
        use arrow_array::Int64Array;
        let body = json!({"record_locking_configurations": [{"lock_type": "automatic", "locking_rules": [
            {"name": "Won", "lock_existing_records": true,
             "criteria": {"field": {"api_name": "Stage"}, "comparator": "equal", "value": "Closed Won"}}]}]});
        let rules = deals_rules(&body);
        let ids: ArrayRef = Arc::new(StringArray::from(vec!["1", "2"]));
        let good = |stage: Vec<&str>| {
            let stage: ArrayRef = Arc::new(StringArray::from(stage));
            RecordBatch::try_from_iter([("id", Arc::clone(&ids)), ("Stage", stage)]).unwrap()
        };
        let first = good(vec!["Closed Won", "Closed Lost"]);
        let plan = ColumnarPlan::new(&rules, &first.schema(), MappingOptions::default()).unwrap();
        for batch in [&first, &first, &good(vec!["Qualification", "Closed Won"])] {
            assert_eq!(plan.evaluate(batch).unwrap().locked(), 1);
        }
        let numbers: ArrayRef = Arc::new(Int64Array::from(vec![1, 2]));
        let retyped = RecordBatch::try_from_iter([("id", Arc::clone(&ids)), ("Stage", numbers)]).unwrap();
        let err = plan.evaluate(&retyped).unwrap_err();
        assert!(matches!(&err, MappingError::WrongType { column, .. } if column == "Stage"), "{err:?}");
        let gone = RecordBatch::try_from_iter([("id", Arc::clone(&ids))]).unwrap();
        let err = plan.evaluate(&gone).unwrap_err();
        assert!(matches!(&err, MappingError::Missing { api_name, .. } if api_name == "Stage"), "{err:?}");
        assert_eq!(plan.evaluate(&first).unwrap().locked(), 1);
    }

    /// Ids read as a sweep prints them, whatever the column: text (sliced, with and without
    /// nulls), Int64 with nulls, UInt64 past i64; a null is a missing id, and only nulls are.
    #[test]
    fn ids_are_read_from_every_id_column_and_only_nulls_are_missing() {
        use arrow_array::{Int64Array, UInt64Array};
        let body = json!({"record_locking_configurations": [{"lock_type": "automatic", "locking_rules": [
            {"name": "Won", "lock_existing_records": true,
             "criteria": {"field": {"api_name": "Stage"}, "comparator": "equal", "value": "Closed Won"}}]}]});
        let rules = deals_rules(&body);
        let stage: ArrayRef = Arc::new(StringArray::from(vec!["Closed Won"; 4]));
        let texts = StringArray::from(vec![Some("x"), Some("5843104000000000001"), None, Some("b\"q"), Some("")]);
        let columns: [(ArrayRef, [Option<&str>; 4]); 4] = [
            (Arc::new(texts.slice(1, 4)), [Some("5843104000000000001"), None, Some("b\"q"), Some("")]),
            (Arc::new(StringArray::from(vec!["1", "2", "3", "4"])), [Some("1"), Some("2"), Some("3"), Some("4")]),
            (
                Arc::new(Int64Array::from(vec![Some(-7), None, Some(i64::MAX), Some(0)])),
                [Some("-7"), None, Some("9223372036854775807"), Some("0")],
            ),
            (
                Arc::new(UInt64Array::from(vec![Some(u64::MAX), Some(1), None, Some(5_843_104_000_000_000_000)])),
                [Some("18446744073709551615"), Some("1"), None, Some("5843104000000000000")],
            ),
        ];
        for (ids, want) in columns {
            let batch = RecordBatch::try_from_iter([("id", ids), ("Stage", Arc::clone(&stage))]).unwrap();
            let plan = ColumnarPlan::new(&rules, &batch.schema(), MappingOptions::default()).unwrap();
            let read = plan.ids(&batch);
            let got: Vec<Option<String>> = (0..4).map(|r| read.get(r).map(|id| id.to_string())).collect();
            assert_eq!(got, want.map(|w| w.map(str::to_owned)), "{:?}", batch.column(0).data_type());
            let missing: Vec<usize> = (0..4).filter(|r| want[*r].is_none()).collect();
            assert_eq!(read.missing(4), missing, "{:?}", batch.column(0).data_type());
        }
    }

    /// A prefix test on a Utf8 column without nulls, answered from each value's first
    /// eight bytes where they are ASCII, gives the folded text's answer on every value:
    /// short, exactly eight bytes, non-ASCII before, inside and after the needle, and
    /// values at offsets of a sliced array.
    #[test]
    fn a_short_prefix_on_utf8_answers_as_folding_does() {
        let body = json!({"record_locking_configurations": [{"lock_type": "automatic", "locking_rules": [
            {"name": "Acme", "lock_existing_records": true,
             "criteria": {"field": {"api_name": "Deal_Name"}, "comparator": "starts_with", "value": "ACME"}}]}]});
        let rules = deals_rules(&body);
        let names = [
            "",
            "a",
            "acm",
            "e1234567",
            "acme",
            "ACME",
            "Acme",
            "acmex",
            "acme1234",
            "ACME1234",
            "acm 1234",
            "xacme123",
            "acme renewal",
            "ÀCME renewal",
            "acmé renewal",
            "acme\u{e9} x",
            "ACME\u{130}xyz",
            "\u{130}acme xyz",
            "AC\u{212a}E long",
            "ACM\u{c9} long",
            "ac\u{300}me long",
            "acme\u{0}\u{0}\u{0}\u{0}",
            "ACM",
            "acmE",
            "acm\u{e9}",
            "acme\u{e9}",
            "xcme",
            "ACME!",
        ];
        let mut values: Vec<String> = Vec::new();
        for i in 0..300 {
            values.push(names[i % names.len()].to_owned());
        }
        let whole = StringArray::from(values.clone());
        for start in [0usize, 1, 7, 64] {
            let ids: ArrayRef = Arc::new(StringArray::from_iter_values((start..values.len()).map(|i| i.to_string())));
            let array: ArrayRef = Arc::new(whole.slice(start, values.len() - start));
            let batch = RecordBatch::try_from_iter([("id", ids), ("Deal_Name", array)]).unwrap();
            let plan = ColumnarPlan::new(&rules, &batch.schema(), MappingOptions::default()).unwrap();
            let result = plan.evaluate(&batch).unwrap();
            for (row, value) in values.iter().skip(start).enumerate() {
                let want = recordlock::criteria::fold(value).starts_with("acme");
                assert_eq!(result.rule(row).is_some(), want, "{value:?} at row {row} of a slice from {start}");
            }
        }
    }
}
