//! Children per measurement period: where the period comes from, duplicates keyed on
//! (child, period), and `--replace` replacing only the periods a file brings, across
//! write batches.

use super::*;
use std::collections::BTreeMap;

/// `rows` children with a `period` column: child `i` gets `period(i)`.
fn with_periods(
    ids: impl Iterator<Item = usize>,
    period: impl Fn(usize) -> &'static str,
) -> String {
    let mut text = format!("{HEADER},period\n");
    for i in ids {
        writeln!(text, "{},{}", child_row(i), period(i)).expect("write");
    }
    text
}

fn stored_periods(store: &Store) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for c in store.load().expect("load").children {
        *out.entry(c.period.to_string()).or_insert(0) += 1;
    }
    out
}

#[test]
fn the_flag_beats_the_column_which_beats_the_measurement_month() {
    let mut store = store_with_villages();
    let plain = write("plain", "csv", &format!("{HEADER}\n{}\n", child_row(1)));
    let s = import(
        &mut store,
        LayerKind::Children,
        &plain,
        &ImportOptions::default(),
    )
    .expect("month");
    assert_eq!(s.notes.periods, [("2024-08".parse().expect("p"), 1)].into());
    let column = write("column", "csv", &with_periods(1..2, |_| "2024-07"));
    let s = import(
        &mut store,
        LayerKind::Children,
        &column,
        &ImportOptions::default(),
    )
    .expect("column");
    assert_eq!(s.notes.periods, [("2024-07".parse().expect("p"), 1)].into());
    let flag = ImportOptions {
        period: Some("2024-02".parse().expect("p")),
        ..ImportOptions::default()
    };
    let s = import(&mut store, LayerKind::Children, &column, &flag).expect("flag");
    assert_eq!(s.notes.periods, [("2024-02".parse().expect("p"), 1)].into());
    // One child, three periods; a fourth import into one of them is a duplicate.
    let err = import(
        &mut store,
        LayerKind::Children,
        &plain,
        &ImportOptions::default(),
    )
    .expect_err("stored");
    let IngestError::Rejected { rejects, .. } = err else {
        panic!("{err}")
    };
    assert_eq!(lines_and_fields(&rejects), [(2, "id")]);
    assert!(
        rejects[0]
            .reason
            .contains("already in the store for period 2024-08")
    );
    assert_eq!(stored_periods(&store).len(), 3);
    for p in [plain, column] {
        let _ = std::fs::remove_file(p);
    }
}

#[test]
fn replace_deletes_only_the_files_periods_even_when_one_first_appears_in_a_later_batch() {
    let mut store = store_with_villages();
    let n = WRITE_BATCH + 3_000;
    let first = write(
        "three-periods",
        "csv",
        &with_periods(0..n, |i| match i % 3 {
            0 => "2024-02",
            1 => "2024-05",
            _ => "2024-08",
        }),
    );
    import(
        &mut store,
        LayerKind::Children,
        &first,
        &ImportOptions::default(),
    )
    .expect("first");
    assert_eq!(stored_periods(&store).values().sum::<usize>(), n);
    // February fills the first batch and comes back at the end; May first appears in
    // the second batch, after a batch was written; August is not in the file.
    let late = WRITE_BATCH + 1_000;
    let second = write(
        "replace",
        "csv",
        &with_periods(0..late + 10, |i| {
            if i < WRITE_BATCH || i >= late {
                "2024-02"
            } else {
                "2024-05"
            }
        }),
    );
    let replace = ImportOptions {
        replace: true,
        ..ImportOptions::default()
    };
    import(&mut store, LayerKind::Children, &second, &replace).expect("replace");
    let got = stored_periods(&store);
    assert_eq!(got["2024-02"], WRITE_BATCH + 10);
    assert_eq!(got["2024-05"], late - WRITE_BATCH);
    assert_eq!(got["2024-08"], n / 3, "not in the file: kept");
    for p in [first, second] {
        let _ = std::fs::remove_file(p);
    }
}

#[test]
fn a_period_that_is_not_year_month_rejects_its_row() {
    let mut store = store_with_villages();
    let bad = write(
        "bad-period",
        "csv",
        &with_periods(0..3, |i| if i == 1 { "Agustus" } else { "2024-08" }),
    );
    let err = import(
        &mut store,
        LayerKind::Children,
        &bad,
        &ImportOptions::default(),
    )
    .expect_err("bad period");
    let IngestError::Rejected { rejects, .. } = err else {
        panic!("{err}")
    };
    assert_eq!(lines_and_fields(&rejects), [(3, "period")]);
    assert!(rejects[0].reason.contains("`Agustus` is not a period"));
    let _ = std::fs::remove_file(bad);
}
