//! How large a zip-based upload (XLSX, ODS, KMZ) unpacks, read from the archive's
//! central directory before any reader opens it.
//!
//! A 5 MB spreadsheet can hold a gigabyte of sheet XML (it compresses a thousand
//! to one), and the spreadsheet reader keeps a sheet in memory while it reads: one
//! upload could take gigabytes. The central directory lists every member's
//! uncompressed size, so the total is known from the last few kilobytes of the
//! file; an archive whose members add up to more than the limit is refused.
//!
//! Steps of [`unpacked_size`]: find the end-of-central-directory record (the last
//! 22..65,557 bytes), follow it to the central directory, add up each entry's
//! uncompressed size. A ZIP64 archive (sizes that do not fit 32 bits) counts as
//! larger than any limit: no spreadsheet a city exports needs one.

/// Signature of the end-of-central-directory record.
const EOCD: [u8; 4] = [0x50, 0x4b, 0x05, 0x06];
/// Signature of a central directory entry.
const ENTRY: [u8; 4] = [0x50, 0x4b, 0x01, 0x02];
/// Size of the end record without its comment.
const EOCD_LEN: usize = 22;
/// Size of a central directory entry before its name, extra field and comment.
const ENTRY_LEN: usize = 46;

/// Why a zip archive's size could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ArchiveError {
    /// Not a zip archive, or one cut short (an interrupted upload).
    #[error("not a readable zip archive ({0}); XLSX, ODS and KMZ files are zip archives")]
    Malformed(&'static str),
    /// A ZIP64 archive, whose sizes need 64 bits.
    #[error("a ZIP64 archive (members larger than 4 GiB)")]
    Zip64,
}

fn u16_at(b: &[u8], at: usize) -> Option<u64> {
    b.get(at..at + 2)
        .map(|s| u64::from(u16::from_le_bytes([s[0], s[1]])))
}

fn u32_at(b: &[u8], at: usize) -> Option<u64> {
    b.get(at..at + 4)
        .map(|s| u64::from(u32::from_le_bytes([s[0], s[1], s[2], s[3]])))
}

/// The total uncompressed size of every member of the zip archive `bytes`, in
/// bytes, from its central directory (nothing is inflated).
///
/// # Example
/// ```ignore
/// let size = unpacked_size(&std::fs::read("balita.xlsx")?)?;
/// ```
pub fn unpacked_size(bytes: &[u8]) -> Result<u64, ArchiveError> {
    let bad = ArchiveError::Malformed;
    if bytes.len() < EOCD_LEN {
        return Err(bad("too short"));
    }
    // The end record is last, followed only by a comment of at most 65,535 bytes.
    let earliest = bytes.len().saturating_sub(EOCD_LEN + usize::from(u16::MAX));
    let end = (earliest..=bytes.len() - EOCD_LEN)
        .rev()
        .find(|&i| bytes[i..i + 4] == EOCD)
        .ok_or(bad("no end of central directory"))?;
    let entries = u16_at(bytes, end + 10).ok_or(bad("end record cut short"))?;
    let dir_size = u32_at(bytes, end + 12).ok_or(bad("end record cut short"))?;
    let dir_at = u32_at(bytes, end + 16).ok_or(bad("end record cut short"))?;
    if entries == 0xffff || dir_size == 0xffff_ffff || dir_at == 0xffff_ffff {
        return Err(ArchiveError::Zip64);
    }
    let mut at = usize::try_from(dir_at).map_err(|_| bad("directory offset"))?;
    let mut total: u64 = 0;
    for _ in 0..entries {
        if bytes.get(at..at + 4) != Some(&ENTRY[..]) {
            return Err(bad("central directory entry not where the end record says"));
        }
        let size = u32_at(bytes, at + 24).ok_or(bad("entry cut short"))?;
        if size == 0xffff_ffff {
            return Err(ArchiveError::Zip64);
        }
        total = total.saturating_add(size);
        let name = u16_at(bytes, at + 28).ok_or(bad("entry cut short"))?;
        let extra = u16_at(bytes, at + 30).ok_or(bad("entry cut short"))?;
        let comment = u16_at(bytes, at + 32).ok_or(bad("entry cut short"))?;
        at += ENTRY_LEN + (name + extra + comment) as usize;
    }
    Ok(total)
}

/// Whether `name`'s extension is a zip-based format sigap reads.
#[must_use]
pub fn is_zip_format(ext: &str) -> bool {
    matches!(ext.to_ascii_lowercase().as_str(), "xlsx" | "ods" | "kmz")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    /// A stored (uncompressed) zip of `members`, written by hand to the format.
    fn zip(members: &[(&str, &[u8])]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut dir = Vec::new();
        for (name, data) in members {
            let offset = out.len() as u32;
            let crc = crc32fast::hash(data);
            let n = name.len() as u16;
            let size = data.len() as u32;
            let local = [
                &[0x50, 0x4b, 0x03, 0x04, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0][..],
                &crc.to_le_bytes(),
                &size.to_le_bytes(),
                &size.to_le_bytes(),
                &n.to_le_bytes(),
                &0u16.to_le_bytes(),
            ]
            .concat();
            out.extend_from_slice(&local);
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(data);
            let central = [
                &ENTRY[..],
                &[20, 0, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0][..],
                &crc.to_le_bytes(),
                &size.to_le_bytes(),
                &size.to_le_bytes(),
                &n.to_le_bytes(),
                &[0u8; 12][..],
                &offset.to_le_bytes(),
            ]
            .concat();
            dir.extend_from_slice(&central);
            dir.extend_from_slice(name.as_bytes());
        }
        let dir_at = out.len() as u32;
        out.extend_from_slice(&dir);
        let count = members.len() as u16;
        let end = [
            &EOCD[..],
            &[0u8; 4][..],
            &count.to_le_bytes(),
            &count.to_le_bytes(),
            &(dir.len() as u32).to_le_bytes(),
            &dir_at.to_le_bytes(),
            &0u16.to_le_bytes(),
        ]
        .concat();
        out.extend_from_slice(&end);
        out
    }

    #[test]
    fn sizes_of_members_add_up() {
        let z = zip(&[("a.xml", b"hello"), ("xl/sheet1.xml", &[7u8; 1000])]);
        assert_eq!(unpacked_size(&z), Ok(1005));
    }

    #[test]
    fn a_deflated_bomb_is_measured_without_inflating() {
        // 64 MiB of zeros deflate to about 64 KiB: the directory tells the truth.
        let mut gz = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
        gz.write_all(&vec![0u8; 64 << 20]).expect("deflate");
        let packed = gz.finish().expect("deflate");
        assert!(packed.len() < 1 << 20);
        let mut z = zip(&[("xl/worksheets/sheet1.xml", &packed)]);
        // Patch the central directory's uncompressed size to the real one.
        let dir = z
            .windows(4)
            .position(|w| w == ENTRY)
            .expect("directory entry");
        z[dir + 24..dir + 28].copy_from_slice(&(64u32 << 20).to_le_bytes());
        assert_eq!(unpacked_size(&z), Ok(64 << 20));
    }

    #[test]
    fn not_a_zip_and_cut_short_are_refused() {
        assert!(unpacked_size(b"id,lat,lon\n1,2,3\n").is_err());
        let z = zip(&[("a", b"x")]);
        assert!(unpacked_size(&z[..z.len() - 3]).is_err());
        let mut wrong = z.clone();
        let end = wrong.len() - EOCD_LEN;
        wrong[end + 16..end + 20].copy_from_slice(&7u32.to_le_bytes());
        assert!(unpacked_size(&wrong).is_err());
    }

    #[test]
    fn zip64_markers_are_refused() {
        let mut z = zip(&[("a", b"x")]);
        let dir = z.windows(4).position(|w| w == ENTRY).expect("entry");
        z[dir + 24..dir + 28].copy_from_slice(&u32::MAX.to_le_bytes());
        assert_eq!(unpacked_size(&z), Err(ArchiveError::Zip64));
    }
}
