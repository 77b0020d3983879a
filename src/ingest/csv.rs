//! CSV layers: a header row, then one record per row.
//!
//! The header row names the columns (trimmed, a UTF-8 BOM dropped); it is yielded
//! first, as [`Item::Header`], and every record keeps every column under those
//! names: which columns matter is the column mapping's business. Text that is not
//! UTF-8 is kept with U+FFFD in place of the bad bytes, for the mapping to reject
//! in the fields it reads. The delimiter is `,` unless the header has more `;` or tabs (spreadsheets set
//! to Indonesian often export with `;`). Records keep their physical line number
//! (header = line 1, a quoted multi-line field counts its lines). The line is
//! counted here rather than taken from `csv::Position::line`, which is one short
//! for CRLF files (Excel's default) and after blank lines (rust-csv issues #395 and
//! #208). Records whose fields are all blank (Excel's trailing `,,,,` rows) are
//! skipped.

use super::IngestError;
use super::source::{Item, Record};
use std::collections::VecDeque;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

/// Reads a CSV file record by record: the header, then every row.
pub struct CsvSource {
    path: PathBuf,
    reader: ::csv::Reader<Newlines<File>>,
    /// The column names, in file order.
    names: Vec<String>,
    /// Whether the header has been yielded.
    header_sent: bool,
    delimiter: u8,
    record: ::csv::ByteRecord,
    done: bool,
}

impl CsvSource {
    /// Opens `path` and reads its header row.
    pub fn open(path: &Path) -> Result<Self, IngestError> {
        let io = |source| IngestError::Io {
            path: path.to_path_buf(),
            source,
        };
        let delimiter = sniff_delimiter(path).map_err(io)?;
        let file = File::open(path).map_err(io)?;
        let mut reader = ::csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .flexible(true)
            .has_headers(true)
            .from_reader(Newlines::new(file));
        let headers = reader.headers().map_err(|e| IngestError::Format {
            path: path.to_path_buf(),
            reason: format!("cannot read the CSV header: {e}"),
        })?;
        let names: Vec<String> = headers
            .iter()
            .map(|h| h.trim_start_matches('\u{feff}').trim().to_string())
            .collect();
        Ok(Self {
            path: path.to_path_buf(),
            reader,
            names,
            header_sent: false,
            delimiter,
            record: ::csv::ByteRecord::new(),
            done: false,
        })
    }

    fn raw(&self) -> String {
        let delimiter = char::from(self.delimiter);
        let mut out = String::new();
        for (i, field) in self.record.iter().enumerate() {
            if i > 0 {
                out.push(delimiter);
            }
            let text = String::from_utf8_lossy(field);
            if text.contains([delimiter, '"', '\n', '\r']) {
                out.push('"');
                out.push_str(&text.replace('"', "\"\""));
                out.push('"');
            } else {
                out.push_str(&text);
            }
        }
        out
    }
}

#[expect(
    clippy::naive_bytecount,
    reason = "one header line, no need for bytecount"
)]
fn sniff_delimiter(path: &Path) -> std::io::Result<u8> {
    let mut first = Vec::new();
    BufReader::new(File::open(path)?).read_until(b'\n', &mut first)?;
    let count = |b: u8| first.iter().filter(|&&c| c == b).count();
    let (comma, semicolon, tab) = (count(b','), count(b';'), count(b'\t'));
    Ok(if semicolon > comma && semicolon >= tab {
        b';'
    } else if tab > comma {
        b'\t'
    } else {
        b','
    })
}

/// A reader that notes where every line break is, so a record's byte offset can be
/// turned into the physical line where its first character is.
struct Newlines<R> {
    inner: R,
    /// Bytes read so far.
    offset: u64,
    /// Offsets and bytes of the `\r` and `\n` read but not yet passed.
    breaks: VecDeque<(u64, u8)>,
    /// `\n` bytes already passed.
    passed: u64,
}

impl<R: Read> Newlines<R> {
    fn new(inner: R) -> Self {
        Self {
            inner,
            offset: 0,
            breaks: VecDeque::new(),
            passed: 0,
        }
    }

    /// The line of the first character at or after byte `start` that is not a line
    /// break (the csv parser reports record starts before skipped blank lines).
    /// Calls must come with increasing `start`.
    fn line_at(&mut self, start: u64) -> u64 {
        let mut cursor = start;
        while let Some(&(at, byte)) = self.breaks.front() {
            if at < start || at == cursor {
                if at == cursor {
                    cursor += 1;
                }
                self.passed += u64::from(byte == b'\n');
                self.breaks.pop_front();
            } else {
                break;
            }
        }
        self.passed + 1
    }
}

impl<R: Read> Read for Newlines<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        for (i, &b) in buf[..n].iter().enumerate() {
            if b == b'\n' || b == b'\r' {
                self.breaks.push_back((self.offset + i as u64, b));
            }
        }
        self.offset += n as u64;
        Ok(n)
    }
}

impl Iterator for CsvSource {
    type Item = Result<Item, IngestError>;

    fn next(&mut self) -> Option<Self::Item> {
        if !self.header_sent {
            self.header_sent = true;
            return Some(Ok(Item::Header {
                columns: self.names.clone(),
                decimal_comma: self.delimiter != b',',
            }));
        }
        while !self.done {
            match self.reader.read_byte_record(&mut self.record) {
                Ok(true) if self.record.iter().all(|f| f.trim_ascii().is_empty()) => {}
                Ok(true) => return Some(Ok(self.item())),
                Ok(false) => self.done = true,
                Err(e) => {
                    self.done = true;
                    let path = self.path.clone();
                    return Some(Err(match e.into_kind() {
                        ::csv::ErrorKind::Io(source) => IngestError::Io { path, source },
                        other => IngestError::Format {
                            path,
                            reason: format!("cannot read CSV: {other:?}"),
                        },
                    }));
                }
            }
        }
        None
    }
}

impl CsvSource {
    /// The record just read, as an [`Item`].
    fn item(&mut self) -> Item {
        let start = self.record.position().map_or(0, ::csv::Position::byte);
        let at = self.reader.get_mut().line_at(start);
        let fields = self
            .names
            .iter()
            .zip(self.record.iter())
            .map(|(name, bytes)| (name.clone(), String::from_utf8_lossy(bytes).into_owned()))
            .collect();
        Item::Record(Record {
            at,
            fields,
            geometry: None,
            raw: self.raw(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(name: &str, text: &[u8]) -> PathBuf {
        static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let pid = std::process::id();
        let path = std::env::temp_dir().join(format!("sigap-csv-{name}-{pid}-{n}.csv"));
        std::fs::write(&path, text).expect("write fixture");
        path
    }

    #[test]
    fn headers_come_first_trimmed_and_lines_are_physical() {
        let path = write(
            "headers",
            b"\xEF\xBB\xBF ID ,Name,extra,KIND,Lat,LON\n\
              f1,\"Puskesmas\nMandonga\",x,puskesmas,-3.9,122.5\n\n\
              f2,Pustu,y,pustu,-3.8,122.4\n",
        );
        let items: Vec<Item> = CsvSource::open(&path)
            .expect("open")
            .collect::<Result<_, _>>()
            .expect("read");
        assert_eq!(
            items[0],
            Item::Header {
                columns: ["ID", "Name", "extra", "KIND", "Lat", "LON"]
                    .map(String::from)
                    .to_vec(),
                decimal_comma: false,
            }
        );
        let records: Vec<&Record> = items
            .iter()
            .filter_map(|i| match i {
                Item::Record(r) => Some(r),
                _ => None,
            })
            .collect();
        assert_eq!(records.len(), 2);
        assert_eq!(records[0].at, 2);
        assert_eq!(records[0].get("Name"), "Puskesmas\nMandonga");
        assert_eq!(
            records[0].raw,
            "f1,\"Puskesmas\nMandonga\",x,puskesmas,-3.9,122.5"
        );
        // The quoted field spans lines 2-3 and line 4 is blank.
        assert_eq!(records[1].at, 5);
        assert_eq!(records[1].get("ID"), "f2");
        assert_eq!(records[1].get("extra"), "y");
        assert_eq!(records[1].fields.len(), 6);
        let _ = std::fs::remove_file(path);
    }

    fn lines(text: &[u8]) -> Vec<(u64, String)> {
        let path = write("lines", text);
        let items: Vec<Item> = CsvSource::open(&path)
            .expect("open")
            .collect::<Result<_, _>>()
            .expect("read");
        let _ = std::fs::remove_file(path);
        items
            .into_iter()
            .filter_map(|i| match i {
                Item::Record(r) => Some((r.at, r.get("id").to_string())),
                Item::Broken { at, .. } => Some((at, "broken".into())),
                Item::Header { .. } => None,
            })
            .collect()
    }

    #[test]
    fn physical_lines_with_crlf_blank_lines_and_multiline_fields() {
        // The first field says which line the record starts on.
        let expect = |v: &[u64]| v.iter().map(|&l| (l, l.to_string())).collect::<Vec<_>>();
        assert_eq!(lines(b"id,x\r\n2,a\r\n3,b\r\n"), expect(&[2, 3]));
        assert_eq!(lines(b"id,x\n2,a\n\n\n5,b\n6,c"), expect(&[2, 5, 6]));
        assert_eq!(
            lines(b"id,x\r\n\r\n3,\"a\r\nb\"\r\n\r\n6,c\r\n,\r\n"),
            expect(&[3, 6])
        );
        // A big file crosses the csv reader's buffer many times; some records span
        // two lines, some lines are blank.
        let mut big = b"id,x\r\n".to_vec();
        let mut line = 2u64;
        let mut want = Vec::new();
        while line < 40_000 {
            if line.is_multiple_of(1000) {
                big.extend_from_slice(b"\r\n");
                line += 1;
            } else if line.is_multiple_of(7) {
                big.extend_from_slice(format!("{line},\"two\r\nlines\"\r\n").as_bytes());
                want.push(line);
                line += 2;
            } else {
                big.extend_from_slice(format!("{line},one\r\n").as_bytes());
                want.push(line);
                line += 1;
            }
        }
        assert_eq!(lines(&big), expect(&want));
    }

    #[test]
    fn semicolon_files_and_invalid_utf8_rows() {
        let path = write(
            "semicolon",
            b"id;name;kind;lat;lon\nf1;Pos\xFF;posyandu;-3.9;122.5\n",
        );
        let items: Vec<Item> = CsvSource::open(&path)
            .expect("open")
            .collect::<Result<_, _>>()
            .expect("read");
        // `;` files may write decimal commas; the bad byte is kept as U+FFFD for the
        // column mapping to reject if the column is read.
        assert!(
            matches!(&items[..], [Item::Header { decimal_comma: true, columns }, Item::Record(r)]
                if columns.len() == 5 && r.at == 2 && r.get("name") == "Pos\u{fffd}" && r.get("lon") == "122.5"),
            "{items:?}"
        );
        let _ = std::fs::remove_file(path);
    }
}
