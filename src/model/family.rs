//! The target groups of BKKBN's stunting programme: who in a family the family
//! assistance teams (TPK) accompany.
//!
//! BKKBN's Pendataan Keluarga lists, per family, whether it has a bride- or
//! groom-to-be (catin), a pregnant woman (bumil), a post-partum mother (bufas), a
//! child under two (baduta) or a child under five (balita). A family with at least one
//! of them and at least one risk factor is a *keluarga berisiko stunting* (the rule is
//! in [`super::families`]). Groups are recorded as the source gives them and not
//! derived from each other: a family may be both baduta and balita.

use std::fmt;

/// One target group (sasaran).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TargetGroup {
    /// Calon pengantin: a bride- or groom-to-be.
    Catin,
    /// Ibu hamil: a pregnant woman.
    Bumil,
    /// Ibu nifas (pasca salin): a mother in the 42 days after giving birth.
    Bufas,
    /// Bawah dua tahun: a child aged 0-23 months.
    Baduta,
    /// Bawah lima tahun: a child aged 0-59 months.
    Balita,
}

impl TargetGroup {
    pub const ALL: [TargetGroup; 5] = [
        Self::Catin,
        Self::Bumil,
        Self::Bufas,
        Self::Baduta,
        Self::Balita,
    ];

    /// The short name used in files, JSON and tile attributes: `catin`, `bumil`,
    /// `bufas`, `baduta`, `balita`.
    #[must_use]
    pub fn key(self) -> &'static str {
        match self {
            Self::Catin => "catin",
            Self::Bumil => "bumil",
            Self::Bufas => "bufas",
            Self::Baduta => "baduta",
            Self::Balita => "balita",
        }
    }

    /// Parses a group's short or long Indonesian name (`bumil`, `ibu hamil`),
    /// case-insensitively; `None` for anything else.
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        let t = text.trim().to_lowercase().replace(['_', '-'], " ");
        match t.split_whitespace().collect::<Vec<_>>().join(" ").as_str() {
            "catin" | "calon pengantin" => Some(Self::Catin),
            "bumil" | "ibu hamil" | "hamil" => Some(Self::Bumil),
            "bufas" | "ibu nifas" | "nifas" | "pasca salin" | "ibu pasca salin" => {
                Some(Self::Bufas)
            }
            "baduta" => Some(Self::Baduta),
            "balita" => Some(Self::Balita),
            _ => None,
        }
    }

    fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

/// The target groups present in one family: a set of [`TargetGroup`]s in five bits
/// (catin = 1, bumil = 2, bufas = 4, baduta = 8, balita = 16), as the store keeps it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct TargetGroups(u8);

impl TargetGroups {
    /// No target group.
    pub const NONE: TargetGroups = TargetGroups(0);

    /// The set stored as `bits`; `None` when a bit beyond the five groups is set.
    #[must_use]
    pub fn from_bits(bits: u8) -> Option<Self> {
        (bits < 1 << TargetGroup::ALL.len()).then_some(Self(bits))
    }

    #[must_use]
    pub fn bits(self) -> u8 {
        self.0
    }

    /// This set with `g` added.
    #[must_use]
    pub fn with(self, g: TargetGroup) -> Self {
        Self(self.0 | g.bit())
    }

    #[must_use]
    pub fn contains(self, g: TargetGroup) -> bool {
        self.0 & g.bit() != 0
    }

    #[must_use]
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The groups in the set, in [`TargetGroup::ALL`] order.
    pub fn iter(self) -> impl Iterator<Item = TargetGroup> {
        TargetGroup::ALL
            .into_iter()
            .filter(move |g| self.contains(*g))
    }

    /// A `sasaran` list: group names separated by commas, semicolons or slashes
    /// (`bumil, baduta`); `-`, `tidak ada` or `none` for a family without any.
    ///
    /// # Errors
    /// The reason, quoting the first name that is not a target group.
    pub fn parse_list(text: &str) -> Result<Self, String> {
        let t = text.trim().to_lowercase();
        if matches!(t.as_str(), "-" | "tidak ada" | "tidak" | "none" | "0") {
            return Ok(Self::NONE);
        }
        let mut set = Self::NONE;
        for part in t.split([',', ';', '/', '|']).map(str::trim) {
            if part.is_empty() {
                continue;
            }
            let g = TargetGroup::parse(part).ok_or_else(|| {
                format!(
                    "`{part}` is not a target group (use catin, bumil, bufas, baduta, \
                     balita, separated by commas; `-` for none)"
                )
            })?;
            set = set.with(g);
        }
        Ok(set)
    }
}

impl fmt::Display for TargetGroups {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.iter().map(TargetGroup::key).collect();
        f.write_str(&names.join(","))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_parse_and_print() {
        let s = TargetGroups::parse_list("Ibu Hamil; baduta,").expect("list");
        assert_eq!(s.to_string(), "bumil,baduta");
        assert_eq!(s.bits(), 2 | 8);
        assert_eq!(TargetGroups::parse_list("-"), Ok(TargetGroups::NONE));
        let err = TargetGroups::parse_list("bumil, lansia").expect_err("lansia");
        assert!(err.contains("`lansia`"), "{err}");
        assert_eq!(
            TargetGroups::from_bits(31).map(|s| s.iter().count()),
            Some(5)
        );
        assert_eq!(TargetGroups::from_bits(32), None);
    }
}
