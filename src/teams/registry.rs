//! Teams are data, not free text: a field officer's team must be one the store knows
//! ([`crate::store::Store::teams`]) and their villages codes of stored villages. A
//! typo ("Dinkes" for "Dinas Kesehatan") would otherwise make an account whose route
//! is silently empty; here it is refused with the closest known name.
//!
//! The closest name: a known team whose words start with the pieces of the typed
//! name, the way Indonesian offices are shortened ("Dinkes" = **Din**as **Kes**ehatan,
//! "Dinsos" = **Din**as **Sos**ial), else the smallest edit distance (at most a third
//! of the longer name, so an unrelated word gets no suggestion).

/// Longest team name, in characters.
pub const MAX_TEAM_NAME: usize = 64;

/// Why an account's team or villages were refused. Each variant says what to fix,
/// in English ([`std::fmt::Display`]) and in Bahasa Indonesia ([`ScopeError::pesan`]).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ScopeError {
    /// The team is not among the known ones; `suggestion` is the closest known name.
    #[error("unknown team `{team}`{}; known teams: {}; add a team with `sigap team add` or on the admin page",
        suggestion.as_ref().map(|s| format!(" (did you mean `{s}`?)")).unwrap_or_default(),
        if known.is_empty() { "none yet".to_owned() } else { known.join(", ") })]
    UnknownTeam {
        team: String,
        suggestion: Option<String>,
        known: Vec<String>,
    },
    /// Village codes that name no stored village.
    #[error("unknown village code(s) {}: use the Kemendagri codes of the imported villages", codes.join(", "))]
    UnknownVillages { codes: Vec<String> },
    /// A new team's name is empty, too long or has control characters.
    #[error("a team name has 2 to {MAX_TEAM_NAME} characters, without control characters")]
    BadName,
    /// A new team's name equals a known one but for letter case or spaces.
    #[error("team `{0}` exists already")]
    Exists(String),
}

impl ScopeError {
    /// A stable word the admin page acts on.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::UnknownTeam { .. } => "unknown_team",
            Self::UnknownVillages { .. } => "unknown_village",
            Self::BadName => "bad_team_name",
            Self::Exists(_) => "team_exists",
        }
    }

    /// The message in Bahasa Indonesia.
    #[must_use]
    pub fn pesan(&self) -> String {
        match self {
            Self::UnknownTeam {
                team, suggestion, ..
            } => format!(
                "Tim \"{team}\" tidak dikenal.{} Pilih tim dari daftar, atau tambahkan tim baru lebih dulu.",
                suggestion
                    .as_ref()
                    .map(|s| format!(" Maksud Anda \"{s}\"?"))
                    .unwrap_or_default()
            ),
            Self::UnknownVillages { codes } => format!(
                "Kode kelurahan tidak dikenal: {}. Pilih kelurahan dari daftar.",
                codes.join(", ")
            ),
            Self::BadName => format!(
                "Nama tim terdiri dari 2 sampai {MAX_TEAM_NAME} karakter, tanpa karakter kontrol."
            ),
            Self::Exists(name) => format!("Tim \"{name}\" sudah ada."),
        }
    }

    /// The closest known team, for an unknown one.
    #[must_use]
    pub fn suggestion(&self) -> Option<&str> {
        match self {
            Self::UnknownTeam { suggestion, .. } => suggestion.as_deref(),
            _ => None,
        }
    }
}

fn folded(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// Checks an account's team and villages against the known ones; returns the team as
/// the store spells it (a difference of letter case or spaces only is taken as that
/// team) and the village codes without dots.
pub fn check_scope(
    team: Option<&str>,
    villages: &[String],
    known_teams: &[String],
    known_villages: &[String],
) -> Result<(Option<String>, Vec<String>), ScopeError> {
    let team = match team.map(str::trim).filter(|t| !t.is_empty()) {
        None => None,
        Some(t) => Some(
            known_teams
                .iter()
                .find(|k| folded(k) == folded(t))
                .cloned()
                .ok_or_else(|| ScopeError::UnknownTeam {
                    team: t.to_owned(),
                    suggestion: closest(t, known_teams).map(str::to_owned),
                    known: known_teams.to_vec(),
                })?,
        ),
    };
    let codes: Vec<String> = villages
        .iter()
        .map(|v| v.trim().replace('.', ""))
        .filter(|v| !v.is_empty())
        .collect();
    let unknown: Vec<String> = codes
        .iter()
        .filter(|c| !known_villages.contains(c))
        .cloned()
        .collect();
    if !unknown.is_empty() {
        return Err(ScopeError::UnknownVillages { codes: unknown });
    }
    Ok((team, codes))
}

/// A new team's name, trimmed, unless it is malformed or known already.
pub fn new_team_name(name: &str, known: &[String]) -> Result<String, ScopeError> {
    let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
    let n = name.chars().count();
    if !(2..=MAX_TEAM_NAME).contains(&n) || name.chars().any(char::is_control) {
        return Err(ScopeError::BadName);
    }
    if let Some(k) = known.iter().find(|k| folded(k) == folded(&name)) {
        return Err(ScopeError::Exists(k.clone()));
    }
    Ok(name)
}

/// Whether `short` is made of leading pieces of consecutive words of `long` (from the
/// first word on), each piece at least one letter.
fn abbreviates(short: &[char], words: &[Vec<char>]) -> bool {
    if short.is_empty() {
        return true;
    }
    let Some((word, rest)) = words.split_first() else {
        return false;
    };
    (1..=word.len().min(short.len()))
        .rev()
        .any(|k| short[..k] == word[..k] && abbreviates(&short[k..], rest))
}

fn edit_distance(a: &[char], b: &[char]) -> usize {
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut diag = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let next = (diag + usize::from(ca != cb))
                .min(row[j] + 1)
                .min(row[j + 1] + 1);
            diag = row[j + 1];
            row[j + 1] = next;
        }
    }
    row[b.len()]
}

/// The known team closest to `typed`, if any is close enough.
#[must_use]
pub fn closest<'k>(typed: &str, known: &'k [String]) -> Option<&'k str> {
    let t: Vec<char> = folded(typed).chars().filter(|c| *c != ' ').collect();
    if t.is_empty() {
        return None;
    }
    let words =
        |k: &str| -> Vec<Vec<char>> { folded(k).split(' ').map(|w| w.chars().collect()).collect() };
    let flat = |k: &str| -> Vec<char> { folded(k).chars().filter(|c| *c != ' ').collect() };
    let by_distance = |k: &&String| edit_distance(&t, &flat(k));
    if let Some(k) = known
        .iter()
        .filter(|k| abbreviates(&t, &words(k)))
        .min_by_key(by_distance)
    {
        return Some(k);
    }
    known
        .iter()
        .map(|k| (by_distance(&k), k))
        .filter(|(d, k)| *d * 3 <= flat(k).len().max(t.len()))
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opds() -> Vec<String> {
        [
            "Dinas Kesehatan",
            "DP2KB",
            "Dinas Sosial",
            "Dinas Ketahanan Pangan",
            "Dinas Pertanian",
            "DP3A",
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect()
    }

    #[test]
    fn shortened_names_suggest_the_office() {
        let k = opds();
        assert_eq!(closest("Dinkes", &k), Some("Dinas Kesehatan"));
        assert_eq!(closest("dinsos", &k), Some("Dinas Sosial"));
        assert_eq!(closest("DP2KB ", &k), Some("DP2KB"));
        assert_eq!(closest("Dinas Kesehtan", &k), Some("Dinas Kesehatan"));
        assert_eq!(closest("Puskesmas Poasia", &k), None);
    }

    #[test]
    fn unknown_team_and_villages_are_refused() {
        let k = opds();
        let v = vec!["7471011005".to_owned()];
        let e = check_scope(Some("Dinkes"), &[], &k, &v).expect_err("refused");
        assert_eq!(e.suggestion(), Some("Dinas Kesehatan"));
        assert!(e.pesan().contains("tidak dikenal") && e.pesan().contains("Dinas Kesehatan"));
        assert!(e.to_string().contains("did you mean `Dinas Kesehatan`"));
        assert_eq!(
            check_scope(Some(" dinas  kesehatan"), &["74.71.01.1005".into()], &k, &v),
            Ok((Some("Dinas Kesehatan".into()), v.clone()))
        );
        let e = check_scope(Some("DP2KB"), &["7471019999".into()], &k, &v).expect_err("refused");
        assert_eq!(e.code(), "unknown_village");
    }

    #[test]
    fn new_names_are_checked() {
        let k = opds();
        assert_eq!(
            new_team_name("  TPK  Mandonga ", &k),
            Ok("TPK Mandonga".into())
        );
        assert!(matches!(
            new_team_name("dp2kb", &k),
            Err(ScopeError::Exists(_))
        ));
        assert_eq!(new_team_name("x", &k), Err(ScopeError::BadName));
    }
}
