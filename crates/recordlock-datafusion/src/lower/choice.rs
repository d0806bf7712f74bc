//! Picklist and multi-select tests.
//!
//! A record's picklist text names an option when its lowercase equals the folded actual or
//! display value of one (recordlock's schema decides which option a text names, so the
//! lowering asks it, [`Field::option_folded`], for every option text); any other text is
//! compared as itself. Multi-select values are lists of such texts, tested item by item with
//! `array_any_match` and a lambda.

use std::collections::BTreeSet;
use std::sync::Arc;

use datafusion::arrow::datatypes::{Field as ArrowField, FieldRef};
use datafusion::functions::expr_fn::lower;
use datafusion::functions_nested::expr_fn::array_any_match;
use datafusion::logical_expr::expr::{Lambda, LambdaVariable};
use datafusion::logical_expr::{in_list, is_true, lit};
use datafusion::prelude::Expr;
use recordlock::criteria::typed::{ChoiceTest, ChoicesTest, Substring};
use recordlock::criteria::{Choice, Field, OptionCode, fold};

use super::column::{list_test, string_list_item};
use super::text::substring;
use crate::error::Error;

/// The name of the lambda parameter (an item of a multi-select list).
const ITEM: &str = "recordlock_item";

/// The folded option texts of a field, and which option each names.
struct Options {
    /// Every folded actual and display value that names an option, with that option.
    texts: Vec<(String, OptionCode)>,
}

impl Options {
    fn of(field: &Field) -> Options {
        let mut seen = BTreeSet::new();
        let mut texts = Vec::new();
        for o in field.options() {
            for text in [fold(&o.actual_value), fold(&o.display_value)] {
                if let Some(code) = field.option_folded(&text)
                    && seen.insert(text.clone())
                {
                    texts.push((text, code));
                }
            }
        }
        Options { texts }
    }

    /// The folded texts that name `choice` (for unlisted text, that text).
    fn texts_of(&self, choice: &Choice) -> Vec<Expr> {
        match choice {
            Choice::Option(code) => {
                self.texts.iter().filter(|(_, c)| c == code).map(|(t, _)| lit(t.as_str())).collect()
            }
            Choice::Other(text) => vec![lit(&**text)],
        }
    }

    fn texts_of_all<'a>(&self, choices: impl IntoIterator<Item = &'a Choice>) -> Vec<Expr> {
        choices.into_iter().flat_map(|c| self.texts_of(c)).collect()
    }

    /// A substring test on folded text `x`: a listed option passes if its actual or display
    /// value does ([`Substring::holds_on_option`], decided here once per option), unlisted
    /// text on its own.
    fn substring(&self, x: Expr, field: &Field, sub: &Substring) -> Expr {
        let passing: Vec<Expr> = self
            .texts
            .iter()
            .filter(|(_, code)| field.option_by_code(*code).is_some_and(|o| sub.holds_on_option(o)))
            .map(|(t, _)| lit(t.as_str()))
            .collect();
        if self.texts.is_empty() {
            return substring(x, sub);
        }
        let all: Vec<Expr> = self.texts.iter().map(|(t, _)| lit(t.as_str())).collect();
        let unlisted = in_list(x.clone(), all, true).and(substring(x.clone(), sub));
        if passing.is_empty() { unlisted } else { list_test(x, passing).or(unlisted) }
    }
}

/// A test on a picklist column `c`.
pub(crate) fn choice(c: Expr, field: &Field, t: &ChoiceTest) -> Expr {
    let options = Options::of(field);
    let x = lower(c);
    match t {
        ChoiceTest::Equal(k) => list_test(x, options.texts_of(k)),
        ChoiceTest::In(set) => list_test(x, options.texts_of_all(set.iter())),
        ChoiceTest::Substring(sub) => options.substring(x, field, sub),
    }
}

/// A test on a multi-select column `c` (a list of strings).
pub(crate) fn choices(c: Expr, column: &ArrowField, field: &Field, t: &ChoicesTest) -> Result<Expr, Error> {
    let Some(item) = string_list_item(column.data_type()) else {
        return Err(Error::Unrepresentable(format!("column `{}` is not a list of strings", column.name())));
    };
    let options = Options::of(field);
    let selected = |choices: Vec<Expr>| any_item(c.clone(), item, |x| list_test(lower(x), choices));
    let non_empty = any_item(c.clone(), item, |x| x.not_eq(lit("")));
    Ok(match t {
        ChoicesTest::Equal(set) => {
            // Every constant selected, and no selected item outside the set.
            let outside = any_item(c.clone(), item, |x| {
                x.clone().not_eq(lit("")).and(list_test(lower(x), options.texts_of_all(set.iter())).is_not_true())
            });
            let all = set.iter().map(|k| selected(options.texts_of(k)));
            all.fold(non_empty.and(outside.is_not_true()), Expr::and)
        }
        ChoicesTest::IncludeAll(set) => set.iter().map(|k| selected(options.texts_of(k))).fold(non_empty, Expr::and),
        ChoicesTest::IncludeAny(set) => selected(options.texts_of_all(set.iter())),
        ChoicesTest::Substring(sub) => {
            any_item(c, item, |x| x.clone().not_eq(lit("")).and(options.substring(lower(x), field, sub)))
        }
    })
}

/// `array_any_match(c, item -> predicate(item) IS TRUE)`: TRUE when some item passes, FALSE
/// when none does (also on an empty list), NULL on a NULL list.
pub(crate) fn any_item(c: Expr, item: &Arc<ArrowField>, predicate: impl FnOnce(Expr) -> Expr) -> Expr {
    let field: FieldRef = Arc::new(item.as_ref().clone().with_name(ITEM));
    let x = Expr::LambdaVariable(LambdaVariable::new(ITEM.to_owned(), Some(field)));
    array_any_match(c, Expr::Lambda(Lambda::new(vec![ITEM.to_owned()], is_true(predicate(x)))))
}
