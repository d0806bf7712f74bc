//! Row layouts: which schema fields a row holds, side by side.
//!
//! A policy reads a handful of a module's fields. Its rows hold exactly those, inline in the
//! row (no pointer to chase), in the order of a [`Layout`]; its programs are compiled against
//! the same layout and index the row's cells directly. A row of another layout still works
//! with any program — through the slot — just without the shortcut.

use std::sync::Arc;

use crate::schema::{Schema, Slot};

const ABSENT: u32 = u32::MAX;

/// The fields a row holds: slot → cell, and cell → slot.
///
/// ```
/// use recordlock_criteria::{Layout, Schema};
///
/// let deals = Schema::builtin("Deals").unwrap();
/// let (stage, amount) = (deals.slot("Stage").unwrap(), deals.slot("Amount").unwrap());
/// let layout = Layout::of(deals, [amount, stage, amount]);
/// assert_eq!(layout.len(), 2);
/// assert_eq!(layout.cell(stage), Some(1));
/// assert_eq!(layout.cell(deals.slot("Deal_Name").unwrap()), None);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Layout {
    /// By slot index: the cell, or `ABSENT`.
    cells: Box<[u32]>,
    /// By cell: the slot.
    slots: Box<[Slot]>,
}

impl Layout {
    /// Every field of `schema`, in schema order.
    pub fn full(schema: &Schema) -> Arc<Layout> {
        Arc::new(Layout::of(schema, (0..schema.len()).filter_map(Slot::new)))
    }

    /// The fields in `slots` (sorted by slot, duplicates dropped; slots outside `schema` are
    /// ignored).
    pub fn of(schema: &Schema, slots: impl IntoIterator<Item = Slot>) -> Layout {
        let mut held: Vec<Slot> = slots.into_iter().filter(|s| s.index() < schema.len()).collect();
        held.sort_unstable();
        held.dedup();
        let mut cells = vec![ABSENT; schema.len()];
        for (cell, slot) in held.iter().enumerate() {
            if let Some(c) = cells.get_mut(slot.index()) {
                *c = u32::try_from(cell).unwrap_or(ABSENT);
            }
        }
        Layout { cells: cells.into(), slots: held.into() }
    }

    /// The cell holding `slot`, if the layout holds it.
    #[inline]
    pub fn cell(&self, slot: Slot) -> Option<usize> {
        self.cells.get(slot.index()).copied().filter(|c| *c != ABSENT).map(|c| c as usize)
    }

    /// The slots held, by cell.
    pub fn slots(&self) -> &[Slot] {
        &self.slots
    }

    /// The number of cells.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// Whether the layout holds no field.
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }
}
