//! `sigap zscores`: adds WHO z-scores and flags to any children CSV.
//!
//! Health staff run it on their e-PPGBM exports as a standalone tool, so it keeps
//! every row and column as they were and only appends columns: `haz`, `waz`, `whz`,
//! `flag_haz`, `flag_waz`, `flag_whz` (1 implausible, 0 plausible, blank when the
//! z-score is) and `haz_supplied_diff` (computed minus supplied haz, when the file
//! has a haz column; a supplied column named exactly `haz` is written back as
//! `haz_supplied`). Columns are found by the same names as `sigap import children`
//! (`JK`, `Tgl Lahir`, `TB`, `BB`, `ZS TB/U`...), plus `measured` (`cara ukur`,
//! `posisi`) for lying/standing; dates, sex and decimal commas are read by the
//! import's field parsers. A value that cannot be read leaves the z-scores that need
//! it blank and is listed as `file:line:field: reason`.

use super::IngestError;
use super::columns::normalize;
use super::csv::CsvSource;
use super::fields::{self, Decimal};
use super::source::{Item, Record};
use crate::model::LayerKind;
use crate::risk::zscore::{self, Measurement, Position, ZScores};
use std::fmt;
use std::io::Write;
use std::path::Path;

/// Computed and supplied haz further apart than this are reported.
pub const HAZ_TOLERANCE: f64 = 0.1;
/// How many disagreeing lines the summary names.
const SHOWN: usize = 5;

/// The children fields read, recognised by the import's column names
/// ([`super::columns`]: `JK`, `Tgl Lahir`, `TB`, `ZS TB/U`, Shapefile-cut names...).
const FIELDS: [&str; 7] = [
    "sex",
    "birth_date",
    "measure_date",
    "height_cm",
    "weight_kg",
    "measured",
    "haz",
];

/// The columns appended to every row.
pub const ADDED: [&str; 7] = [
    "haz",
    "waz",
    "whz",
    "flag_haz",
    "flag_waz",
    "flag_whz",
    "haz_supplied_diff",
];

/// Counts for one indicator.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    pub computed: usize,
    pub flagged: usize,
    pub blank: usize,
}

/// What `sigap zscores` did, for stderr.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ZscoreSummary {
    pub rows: usize,
    /// haz, waz, whz.
    pub tallies: [Tally; 3],
    /// Rows with at least one flag.
    pub flagged_rows: usize,
    /// `file:line:field: reason` for every value that could not be read.
    pub problems: Vec<String>,
    /// Rows whose supplied haz differs from the computed one by more than
    /// [`HAZ_TOLERANCE`], and the first few of their lines.
    pub haz_disagreements: usize,
    pub haz_disagreement_lines: Vec<u64>,
}

impl fmt::Display for ZscoreSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{} rows", self.rows)?;
        for (name, t) in ["haz", "waz", "whz"].iter().zip(&self.tallies) {
            writeln!(
                f,
                "{name}: {} computed, {} flagged implausible, {} not computable",
                t.computed, t.flagged, t.blank
            )?;
        }
        writeln!(f, "{} rows flagged", self.flagged_rows)?;
        if self.haz_disagreements > 0 {
            let lines: Vec<String> = self
                .haz_disagreement_lines
                .iter()
                .map(u64::to_string)
                .collect();
            writeln!(
                f,
                "{} rows: supplied haz differs from computed by more than {HAZ_TOLERANCE} \
                 (lines {}{})",
                self.haz_disagreements,
                lines.join(", "),
                if self.haz_disagreements > lines.len() {
                    ", ..."
                } else {
                    ""
                }
            )?;
        }
        if !self.problems.is_empty() {
            writeln!(f, "{} values could not be read:", self.problems.len())?;
            for p in &self.problems {
                writeln!(f, "  {p}")?;
            }
        }
        Ok(())
    }
}

/// Reads the children CSV at `input`, writes it with z-score columns to `out`.
pub fn add_zscores(input: &Path, out: impl Write) -> Result<ZscoreSummary, IngestError> {
    let io = |source| IngestError::Io {
        path: input.to_path_buf(),
        source,
    };
    let mut writer = ::csv::Writer::from_writer(out);
    let mut summary = ZscoreSummary::default();
    let mut columns: Vec<String> = Vec::new();
    let mut picks: Vec<Option<String>> = Vec::new();
    let mut decimal = Decimal::Dot;
    for item in CsvSource::open(input)? {
        match item? {
            Item::Header {
                columns: names,
                decimal_comma,
            } => {
                decimal = if decimal_comma {
                    Decimal::DotOrComma
                } else {
                    Decimal::Dot
                };
                picks = pick_columns(&names);
                columns = names
                    .into_iter()
                    .filter(|c| !ADDED[1..].contains(&c.trim().to_lowercase().as_str()))
                    .collect();
                let header = columns.iter().map(|c| {
                    if c.trim().eq_ignore_ascii_case("haz") {
                        "haz_supplied"
                    } else {
                        c.as_str()
                    }
                });
                writer
                    .write_record(header.chain(ADDED))
                    .map_err(|e| io(e.into()))?;
            }
            Item::Record(rec) => {
                let added = row(input, &rec, &picks, decimal, &mut summary);
                let values = columns.iter().map(|c| rec.get(c).to_string());
                writer
                    .write_record(values.chain(added))
                    .map_err(|e| io(e.into()))?;
            }
            Item::Broken { at, reason, .. } => {
                summary
                    .problems
                    .push(format!("{}:{at}: {reason}", input.display()));
            }
        }
    }
    writer.flush().map_err(io)?;
    Ok(summary)
}

/// For each of [`FIELDS`], the column that feeds it, if any: the best-ranked name
/// in the import's alias table for children.
fn pick_columns(names: &[String]) -> Vec<Option<String>> {
    let normal: Vec<String> = names.iter().map(|n| normalize(n)).collect();
    let spec = super::columns::aliases::fields(LayerKind::Children);
    FIELDS
        .iter()
        .map(|name| {
            let field = spec.iter().find(|f| f.name == *name)?;
            normal
                .iter()
                .enumerate()
                .filter_map(|(i, n)| super::columns::aliases::rank(field, n).map(|r| (r, i)))
                .min()
                .map(|(_, i)| names[i].clone())
        })
        .collect()
}

/// Field `i` of [`FIELDS`] in `rec`, parsed; `None` when blank or unreadable (then
/// the reason is added to `problems`).
fn read<T>(
    path: &Path,
    rec: &Record,
    picks: &[Option<String>],
    i: usize,
    parse: impl Fn(&str) -> Result<T, String>,
    problems: &mut Vec<String>,
) -> Option<T> {
    let text = picks[i].as_deref().map_or("", |c| rec.get(c));
    if text.is_empty() {
        return None;
    }
    parse(text)
        .map_err(|reason| {
            let field = FIELDS[i];
            problems.push(format!("{}:{}:{field}: {reason}", path.display(), rec.at));
        })
        .ok()
}

/// The appended cells of one record, counting into `summary`.
fn row(
    path: &Path,
    rec: &Record,
    picks: &[Option<String>],
    decimal: Decimal,
    summary: &mut ZscoreSummary,
) -> Vec<String> {
    summary.rows += 1;
    let p = &mut summary.problems;
    let sex = read(path, rec, picks, 0, fields::sex, p);
    let born = read(path, rec, picks, 1, fields::date, p);
    let measured = read(path, rec, picks, 2, fields::date, p);
    let number = |t: &str| fields::number(t, decimal);
    let height = read(path, rec, picks, 3, number, p);
    let weight = read(path, rec, picks, 4, number, p);
    let position = read(path, rec, picks, 5, Position::parse, p);
    let supplied = read(path, rec, picks, 6, number, p);
    let z = sex.map_or_else(ZScores::default, |sex| {
        zscore::compute(&Measurement {
            sex,
            age_days: born.zip(measured).map(|(b, m)| (m - b).num_days()),
            height_cm: height,
            weight_kg: weight,
            position,
        })
    });
    let flags = z.flags();
    let pairs = [(z.haz, flags.haz), (z.waz, flags.waz), (z.whz, flags.whz)];
    for (t, (zv, flag)) in summary.tallies.iter_mut().zip(pairs) {
        match (zv, flag) {
            (Some(_), Some(f)) => {
                t.computed += 1;
                t.flagged += usize::from(f);
            }
            _ => t.blank += 1,
        }
    }
    summary.flagged_rows += usize::from(flags.any());
    let diff = z.haz.zip(supplied).map(|(c, s)| c - s);
    if diff.is_some_and(|d| d.abs() > HAZ_TOLERANCE) {
        summary.haz_disagreements += 1;
        if summary.haz_disagreement_lines.len() < SHOWN {
            summary.haz_disagreement_lines.push(rec.at);
        }
    }
    let num = |v: Option<f64>| v.map_or_else(String::new, |v| format!("{v:.4}"));
    let flag = |f: Option<bool>| f.map_or_else(String::new, |f| u8::from(f).to_string());
    vec![
        num(z.haz),
        num(z.waz),
        num(z.whz),
        flag(flags.haz),
        flag(flags.waz),
        flag(flags.whz),
        num(diff),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adds_columns_and_reports_bad_values() {
        let dir = std::env::temp_dir().join(format!("sigap-zscores-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join("anak.csv");
        std::fs::write(
            &path,
            "NIK;JK;Tgl Lahir;Tgl Ukur;TB;BB;Cara Ukur;ZS TB/U\n\
             1;L;01/01/2024;01/01/2024;49,8842;3,3464;telentang;0,5\n\
             2;P;2024-01-01;2024-07-01;abc;7;berdiri;\n\
             3;X;2024-01-01;2024-07-01;60;7;;\n",
        )
        .expect("write");
        let mut out = Vec::new();
        let s = add_zscores(&path, &mut out).expect("runs");
        let text = String::from_utf8(out).expect("utf-8");
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            "NIK,JK,Tgl Lahir,Tgl Ukur,TB,BB,Cara Ukur,ZS TB/U,\
             haz,waz,whz,flag_haz,flag_waz,flag_whz,haz_supplied_diff"
        );
        // Decimal commas were read; the added cells are the last seven.
        let mut added: Vec<&str> = lines[1].rsplit(',').take(7).collect();
        added.reverse();
        assert_eq!(added[..2], ["0.0000", "0.0000"], "{}", lines[1]);
        assert_eq!(added[3..], ["0", "0", "0", "-0.5000"], "{}", lines[1]);
        assert!(lines[3].ends_with(",,,,,,,"), "{}", lines[3]);
        assert_eq!(s.rows, 3);
        assert_eq!(s.tallies[0].computed, 1);
        assert_eq!(s.tallies[1].computed, 2);
        assert_eq!(s.haz_disagreements, 1);
        assert_eq!(s.haz_disagreement_lines, vec![2]);
        assert_eq!(s.problems.len(), 2, "{:?}", s.problems);
        assert!(s.problems[0].ends_with("anak.csv:3:height_cm: `abc` is not a number"));
        assert!(s.problems[1].contains("anak.csv:4:sex:"));
        std::fs::remove_dir_all(&dir).ok();
    }
}
