//! A local Parquet sweep in windows of row groups: in file order, without a sort.
//!
//! DataFusion reads a file's partitions in parallel, but a sweep prints rows in file order.
//! Instead of sorting the reported rows by `file_row_index()` (a sort holds every reported
//! row until the file's last is read), the query's scan is split into partitions of
//! contiguous row groups ("windows", [`windowed`]), in file order; a few windows run at a time,
//! each on its own task, and their batches are handed on in window order ([`in_order`]) —
//! as the columnar engine sweeps windows of row groups. Memory is bounded by the windows in
//! flight, whatever the file's size.
//!
//! A partition reads the row groups whose first page starts in its byte range (DataFusion's
//! rule for a file split in ranges), one after another, so its rows come in file order;
//! the scan is marked order-sensitive, so no partition takes another's file (DataFusion's
//! work stealing); and every operator above the scan must keep its input's partitions and
//! row order (a projection, a filter), else [`windowed`] refuses the plan.

use std::sync::Arc;

use datafusion::arrow::record_batch::RecordBatch;
use datafusion::common::runtime::SpawnedTask;
use datafusion::common::tree_node::{Transformed, TreeNode};
use datafusion::datasource::listing::PartitionedFile;
use datafusion::datasource::physical_plan::{FileGroup, FileScanConfig, FileScanConfigBuilder};
use datafusion::datasource::source::DataSourceExec;
use datafusion::execution::TaskContext;
use datafusion::parquet::file::metadata::RowGroupMetaData;
use datafusion::physical_plan::common::collect;
use datafusion::physical_plan::{ExecutionPlan, ExecutionPlanProperties};
use futures::StreamExt;

use crate::error::Error;

/// Rows a sweep's window holds at least (all but the last): row groups smaller than this are
/// taken together, so that a window's task is not mostly opening the file.
pub const WINDOW_ROWS: u64 = 128 * 1024;

/// `plan` — a query on one Parquet file whose row groups are `groups` (from the file's
/// footer) — with its scan split into one partition per window of contiguous row groups of
/// at least `min_rows` rows (all but the last), in file order: partition `i`'s rows are the
/// file's `i`-th window's, in file order.
///
/// A file whose row groups are not stored in order (offsets that do not grow) is read as one
/// partition: in order, on one thread.
///
/// # Errors
/// A scan of more than one file, or an operator above the scan that does not keep its
/// input's partitions and order ([`Error::Unrepresentable`]); DataFusion's errors.
pub fn windowed(
    plan: Arc<dyn ExecutionPlan>,
    groups: &[RowGroupMetaData],
    min_rows: u64,
) -> Result<Arc<dyn ExecutionPlan>, Error> {
    let starts = window_starts(groups, min_rows);
    let mut files = 0;
    let plan = plan
        .transform_up(|node| {
            let Some(scan) =
                node.downcast_ref::<DataSourceExec>().and_then(|e| e.data_source().downcast_ref::<FileScanConfig>())
            else {
                return Ok(Transformed::no(node));
            };
            let Some(file) = one_file(scan) else {
                files += 2;
                return Ok(Transformed::no(node));
            };
            files += 1;
            let split = FileScanConfigBuilder::from(scan.clone())
                .with_file_groups(split(file, starts.as_deref()))
                .with_preserve_order(true)
                .build();
            Ok(Transformed::yes(DataSourceExec::from_data_source(split) as Arc<dyn ExecutionPlan>))
        })?
        .data;
    if files != 1 {
        return Err(Error::Unrepresentable("a windowed sweep reads one Parquet file in one scan".into()));
    }
    if !keeps_order(plan.as_ref()) {
        return Err(Error::Unrepresentable(format!(
            "the sweep's plan does not keep its scan's row order:\n{}",
            datafusion::physical_plan::displayable(plan.as_ref()).indent(false)
        )));
    }
    Ok(plan)
}

/// Runs the partitions of `plan` (a [`windowed`] plan), up to `ahead` at a time, each on its
/// own task and collected whole, and calls `each` with their batches in partition order.
/// Stops at the first error (`each`'s included); the tasks still running are then aborted.
///
/// # Errors
/// DataFusion's; a task that failed; `each`'s.
pub async fn in_order(
    plan: Arc<dyn ExecutionPlan>,
    ctx: Arc<TaskContext>,
    ahead: usize,
    mut each: impl FnMut(&RecordBatch) -> Result<(), Error>,
) -> Result<(), Error> {
    let partitions = plan.output_partitioning().partition_count();
    let windows = futures::stream::iter(0..partitions).map(|partition| {
        let (plan, ctx) = (Arc::clone(&plan), Arc::clone(&ctx));
        // Spawned when `buffered` takes it: at most `ahead` at a time; a dropped
        // `SpawnedTask` aborts its task.
        SpawnedTask::spawn(async move { collect(plan.execute(partition, ctx)?).await }).join()
    });
    let mut windows = windows.buffered(ahead.max(1)).enumerate();
    while let Some((partition, window)) = windows.next().await {
        let batches =
            window.map_err(|e| Error::Input(format!("the task reading window {partition} failed: {e}")))??;
        for batch in &batches {
            each(batch)?;
        }
    }
    Ok(())
}

/// The file a scan reads, when it reads one (in one or more byte ranges), without its range.
fn one_file(scan: &FileScanConfig) -> Option<PartitionedFile> {
    let mut files = scan.file_groups.iter().flat_map(FileGroup::iter);
    let first = files.next()?;
    if files.any(|f| f.object_meta.location != first.object_meta.location) {
        return None;
    }
    let mut file = first.clone();
    file.range = None;
    Some(file)
}

/// One group per window: `file` in the byte range from the window's first row group's first
/// page to the next window's (the first from 0, the last to the end). `None` (no row groups,
/// or not stored in order): the whole file in one group.
fn split(file: PartitionedFile, starts: Option<&[i64]>) -> Vec<FileGroup> {
    match starts {
        Some(starts) if !starts.is_empty() => starts
            .iter()
            .enumerate()
            .map(|(k, start)| {
                let start = if k == 0 { 0 } else { *start };
                let end = starts.get(k + 1).copied().unwrap_or(i64::MAX);
                FileGroup::new(vec![file.clone().with_range(start, end)])
            })
            .collect(),
        _ => vec![FileGroup::new(vec![file])],
    }
}

/// Where each window of at least `min_rows` rows starts: its first row group's first column
/// chunk's first page (the offset DataFusion assigns a row group to a byte range by), in
/// file order; `None` when the row groups are not stored in order or one has no column.
fn window_starts(groups: &[RowGroupMetaData], min_rows: u64) -> Option<Vec<i64>> {
    let mut starts = Vec::new();
    let mut previous: Option<i64> = None;
    let mut rows = min_rows;
    for group in groups {
        let column = group.columns().first()?;
        let offset = column.dictionary_page_offset().unwrap_or_else(|| column.data_page_offset());
        if previous.is_some_and(|p| offset <= p) {
            return None;
        }
        previous = Some(offset);
        if rows >= min_rows {
            starts.push(offset);
            rows = 0;
        }
        rows = rows.saturating_add(group.num_rows().unsigned_abs());
    }
    Some(starts)
}

/// Whether every operator above the scan keeps its input's partitions and row order.
fn keeps_order(plan: &dyn ExecutionPlan) -> bool {
    match plan.children().as_slice() {
        [] => true,
        [child] => {
            plan.maintains_input_order() == [true]
                && plan.output_partitioning().partition_count() == child.output_partitioning().partition_count()
                && keeps_order(child.as_ref())
        }
        _ => false,
    }
}
