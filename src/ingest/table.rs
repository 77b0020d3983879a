//! The record loop of the table imports (interventions, measurement targets): a CSV,
//! XLSX or ODS file read record by record, its columns checked once (from the header,
//! or the first record's names where the reader gives no header), the decimal
//! convention taken from the header, every broken or refused record kept as a
//! [`Reject`] naming file, line (or row), field and reason, and nothing returned
//! unless every record is good: all or nothing.

use super::fields::Decimal;
use super::gdal::Numbering;
use super::source::{Format, Item, Record};
use super::{IngestError, Reject};
use std::path::Path;

/// Why one record was refused: the field (the file's column name) and the reason.
pub type Refusal = (String, String);

/// Reads `path` (a table: `.csv`, `.xlsx` or `.ods`; `what` names its content in the
/// error for other formats), checks its columns with `check_columns`, and gives
/// each record to `row` with the file's decimal convention and the unit its
/// positions are counted in (`line` or `row`). `row` keeps what it accepts and
/// refuses with a [`Refusal`]; when any record was refused or broken, every one is
/// returned in [`IngestError::Rejected`].
pub fn read_rows(
    path: &Path,
    what: &str,
    check_columns: fn(&Path, &[String]) -> Result<(), IngestError>,
    mut row: impl FnMut(&Record, Decimal, &'static str) -> Result<(), Refusal>,
) -> Result<(), IngestError> {
    let format = Format::from_path(path)?;
    let records: Box<dyn Iterator<Item = Result<Item, IngestError>>> = match format {
        Format::Csv => Box::new(super::csv::CsvSource::open(path)?),
        Format::Xlsx | Format::Ods => {
            Box::new(super::gdal::open(path, format.drivers(), Numbering::Row, None)?.source)
        }
        _ => {
            return Err(IngestError::Format {
                path: path.to_owned(),
                reason: format!("{what} come as a table: .csv, .xlsx or .ods"),
            });
        }
    };
    let unit = format.unit();
    let mut decimal = Decimal::DotOrComma;
    let mut rejects = Vec::new();
    let mut columns_checked = false;
    for item in records {
        let record = match item? {
            Item::Header {
                columns,
                decimal_comma,
            } => {
                if !decimal_comma {
                    decimal = Decimal::Dot;
                }
                check_columns(path, &columns)?;
                columns_checked = true;
                continue;
            }
            Item::Broken { at, reason, .. } => {
                rejects.push(Reject {
                    path: path.to_owned(),
                    line: at,
                    unit,
                    field: String::new(),
                    reason,
                });
                continue;
            }
            Item::Record(r) => r,
        };
        if !columns_checked {
            let names: Vec<String> = record.fields.keys().cloned().collect();
            check_columns(path, &names)?;
            columns_checked = true;
        }
        if let Err((field, reason)) = row(&record, decimal, unit) {
            rejects.push(Reject {
                path: path.to_owned(),
                line: record.at,
                unit,
                field,
                reason,
            });
        }
    }
    if rejects.is_empty() {
        Ok(())
    } else {
        Err(IngestError::Rejected {
            path: path.to_owned(),
            rejects,
        })
    }
}
