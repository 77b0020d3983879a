//! Imports larger than one write batch: rows reach the store batch by batch inside
//! one transaction, and a reject after a batch was written still leaves the store
//! exactly as it was.

use super::*;

/// `n` good children, with row `bad` (0-based) replaced by `bad_row`.
fn children(n: usize, bad: usize, bad_row: &str) -> String {
    let mut text = String::from(HEADER);
    for i in 0..n {
        text.push('\n');
        if i == bad {
            text.push_str(bad_row);
        } else {
            text.push_str(&child_row(i));
        }
    }
    text.push('\n');
    text
}

fn stored_children(store: &Store) -> usize {
    store.load().expect("load").children.len()
}

#[test]
fn a_reject_after_written_batches_rolls_them_all_back() {
    let n = WRITE_BATCH * 2 + 5_000;
    let late = WRITE_BATCH * 2 + 1_000;
    let mut store = store_with_villages();
    let first = write("batches-ok", "csv", &children(n, usize::MAX, ""));
    import(
        &mut store,
        LayerKind::Children,
        &first,
        &ImportOptions::default(),
    )
    .expect("import");
    assert_eq!(
        (stored_children(&store), store.revision().expect("rev")),
        (n, 2)
    );

    // Replace with a file whose only bad row comes after two written batches: the
    // old layer stays, the new rows are gone.
    let bad = format!("x{late},-3.97,122.51,M,2022-01-15,2024-08-15,85.2,9..9");
    let second = write("batches-late-reject", "csv", &children(n, late, &bad));
    let opts = ImportOptions {
        replace: true,
        ..ImportOptions::default()
    };
    let err = import(&mut store, LayerKind::Children, &second, &opts).expect_err("reject");
    let IngestError::Rejected { rejects, .. } = &err else {
        panic!("{err}")
    };
    assert_eq!(lines_and_fields(rejects), [(late as u64 + 2, "haz")]);
    assert_eq!(
        (stored_children(&store), store.revision().expect("rev")),
        (n, 2)
    );

    // A duplicate of a row written in the first batch is still caught.
    let dup = child_row(3);
    let third = write("batches-dup", "csv", &children(n, late, &dup));
    let err = import(&mut store, LayerKind::Children, &third, &opts).expect_err("duplicate");
    let IngestError::Rejected { rejects, .. } = &err else {
        panic!("{err}")
    };
    assert_eq!(
        rejects[0].reason,
        "duplicate id in period 2024-08: already used on line 5"
    );
    assert_eq!(store.revision().expect("rev"), 2);
    for p in [first, second, third] {
        let _ = std::fs::remove_file(p);
    }
}

#[test]
fn skip_invalid_streams_the_good_rows() {
    let n = WRITE_BATCH + 3_000;
    let mut store = store_with_villages();
    let bad = format!("x{n},-3.97,122.51,M,2022-01-15,2024-08-15,10,-1");
    let path = write("batches-skip", "csv", &children(n, WRITE_BATCH + 10, &bad));
    let opts = ImportOptions {
        skip_invalid: true,
        rejects_path: Some(temp("batches-skip-rejects", "csv")),
        ..ImportOptions::default()
    };
    let summary = import(&mut store, LayerKind::Children, &path, &opts).expect("import");
    assert_eq!(
        (summary.read, summary.written, summary.rejected),
        (n, n - 1, 1)
    );
    assert_eq!(stored_children(&store), n - 1);
    assert_eq!(store.revision().expect("rev"), 2);
    let _ = std::fs::remove_file(path);
    if let Some(p) = opts.rejects_path {
        let _ = std::fs::remove_file(p);
    }
}
