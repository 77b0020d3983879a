//! What goes into the intervention ledger besides a file: the items of a home visit
//! and a campaign entry.
//!
//! A field officer who hands over eggs on a visit has delivered `telur` to that child:
//! [`of_visit`] turns the visit's items into deliveries of the programmes naming them
//! (`visit_item` in `[[programmes]]`), dated the day of the visit. A planner who
//! records that a department gave eggs to every baduta family of a village in one
//! day enters one campaign: [`campaign`] finds every recipient (the village's
//! households with the group, or the children measured in the round) and makes one
//! delivery each. Both count towards the weighing round the date falls in
//! ([`period_of`]), as a file's rows do; both are idempotent, because the ledger
//! knows a delivery by its programme, recipient and date.
//!
//! Pure: the caller (the visit route, `POST /api/deliveries/campaign`, `sigap
//! campaign`) reads the case records and writes the store.

use crate::index::cases::Cases;
use crate::ingest::interventions::{edit_distance, period_of};
use crate::model::{
    Beneficiary, Delivery, Need, Period, Programme, Recipient, TargetGroup, Village,
};
use chrono::NaiveDate;

/// The deliveries of a visit to child `pseudonym` on `day` by `team` that gave
/// `items`: one per item some programme names (`referral` and unnamed items give
/// none); none when `day` falls in no weighing round of `periods`.
#[must_use]
pub fn of_visit(
    visit_id: &str,
    pseudonym: &str,
    day: NaiveDate,
    team: &str,
    items: &[String],
    programmes: &[Programme],
    periods: &[Period],
) -> Vec<Delivery> {
    let Some(period) = period_of(day, periods) else {
        return Vec::new();
    };
    programmes
        .iter()
        .filter(|p| p.target == Beneficiary::Child)
        .filter(|p| {
            p.visit_item
                .as_deref()
                .is_some_and(|i| items.iter().any(|g| g == i))
        })
        .map(|p| Delivery {
            programme: p.code.clone(),
            recipient: Recipient::Child(pseudonym.to_owned()),
            date: day,
            period,
            quantity: None,
            unit: p.unit.clone(),
            cost: None,
            by: Some(team.to_owned())
                .filter(|t| !t.is_empty())
                .or_else(|| p.by.clone()),
            source: format!("visit:{visit_id}"),
        })
        .collect()
}

/// One campaign as a planner enters it.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct CampaignIn {
    /// A programme's code (or name).
    pub programme: String,
    /// A village's code (dots allowed) or name.
    pub village: String,
    /// `YYYY-MM-DD`.
    pub date: String,
    /// A target group: for a household programme, the families with it; for a child
    /// programme, `baduta` or `balita`: the children under two or five.
    #[serde(default)]
    pub group: Option<String>,
    /// Per recipient, in `unit` (else the programme's unit).
    #[serde(default)]
    pub quantity: Option<f64>,
    #[serde(default)]
    pub unit: Option<String>,
    /// Per recipient, in rupiah.
    #[serde(default)]
    pub cost: Option<f64>,
    /// Who delivered it (else the programme's deliverer).
    #[serde(default)]
    pub by: Option<String>,
}

/// Why a campaign was refused; each message is in Bahasa Indonesia and names the fix.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum CampaignError {
    #[error("Program `{given}` tidak dikenal{hint} (program: {known})")]
    Programme {
        given: String,
        hint: String,
        known: String,
    },
    #[error("Desa/kelurahan `{given}` tidak dikenal{hint}")]
    Village { given: String, hint: String },
    #[error("Kelompok sasaran `{given}` tidak dikenal{hint} (catin, bumil, bufas, baduta, balita)")]
    Group { given: String, hint: String },
    /// A group that does not fit the programme's target.
    #[error("{0}")]
    GroupMismatch(String),
    #[error("Tanggal `{0}` tidak valid: tulis YYYY-MM-DD (contoh 2026-09-01)")]
    Date(String),
    #[error(
        "Tanggal {date} belum terjadi (hari ini {today}): catat kegiatan yang sudah dilaksanakan"
    )]
    Future { date: NaiveDate, today: NaiveDate },
    #[error(
        "Tanggal {date} di luar setiap putaran penimbangan (putaran: {rounds}; satu putaran \
         berlaku dari bulannya sampai putaran berikutnya, paling lama enam bulan)"
    )]
    OutsideRounds { date: NaiveDate, rounds: String },
    #[error("{what} tidak boleh negatif atau kosong angka ({value})")]
    Amount { what: &'static str, value: f64 },
    #[error("Tidak ada {who} di {village} pada putaran {period}: tidak ada yang dicatat")]
    Nobody {
        who: String,
        village: String,
        period: Period,
    },
}

/// What a campaign would write, before the store says what was new.
#[derive(Debug, Clone)]
pub struct Campaign {
    pub programme: Programme,
    /// The village's code and name.
    pub village: (String, String),
    pub group: Option<TargetGroup>,
    pub period: Period,
    /// One per recipient.
    pub deliveries: Vec<Delivery>,
    /// Who the recipients are, in Bahasa: `keluarga baduta`, `anak stunting`.
    pub who: String,
}

impl Campaign {
    /// "312 keluarga baduta di Kambu menerima Telur dan protein hewani (10 butir
    /// per penerima), 2026-09-01"
    #[must_use]
    pub fn sentence(&self, count: usize, input: &CampaignIn) -> String {
        let d = self.deliveries.first();
        let each = match (
            d.and_then(|d| d.quantity),
            d.and_then(|d| d.unit.as_deref()),
        ) {
            (Some(q), Some(u)) => format!(" ({q} {u} per penerima)"),
            (Some(q), None) => format!(" ({q} per penerima)"),
            _ => String::new(),
        };
        format!(
            "{count} {} di {} menerima {}{each}, {}",
            self.who, self.village.1, self.programme.name, input.date
        )
    }
}

/// The campaign `input` over the located case records: one delivery to each
/// recipient in the village, all with source `campaign:DATE:VILLAGE`.
///
/// Recipients: for a household or group programme, every household located in the
/// village (with the group, when one is given or the programme reaches one); for a
/// child programme, every child measured in the round and located in the village,
/// not WHO-flagged, stunted when the programme's need is `stunted`, and under two
/// (`baduta`) or five (`balita`) on the date when that group is given; for a
/// village programme, the village.
pub fn campaign(
    input: &CampaignIn,
    cases: &Cases,
    villages: &[&Village],
    programmes: &[Programme],
    periods: &[Period],
    today: NaiveDate,
) -> Result<Campaign, CampaignError> {
    let programme = find_programme(&input.programme, programmes)?.clone();
    let village = find_village(&input.village, villages)?;
    let group = input
        .group
        .as_deref()
        .map(str::trim)
        .filter(|g| !g.is_empty());
    let group = group.map(find_group).transpose()?;
    let date = NaiveDate::parse_from_str(input.date.trim(), "%Y-%m-%d")
        .map_err(|_| CampaignError::Date(input.date.clone()))?;
    if date > today {
        return Err(CampaignError::Future { date, today });
    }
    let period = period_of(date, periods).ok_or_else(|| CampaignError::OutsideRounds {
        date,
        rounds: if periods.is_empty() {
            "belum ada: impor data anak dulu".into()
        } else {
            periods
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        },
    })?;
    for (what, value) in [("Jumlah", input.quantity), ("Biaya", input.cost)] {
        if let Some(v) = value.filter(|v| !(v.is_finite() && *v >= 0.0)) {
            return Err(CampaignError::Amount { what, value: v });
        }
    }
    let (recipients, who) = recipients(&programme, group, village, cases, period, date)?;
    if recipients.is_empty() {
        return Err(CampaignError::Nobody {
            who,
            village: village.name.clone(),
            period,
        });
    }
    let text = |t: &Option<String>| {
        t.as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
    };
    let deliveries = recipients
        .into_iter()
        .map(|recipient| Delivery {
            programme: programme.code.clone(),
            recipient,
            date,
            period,
            quantity: input.quantity,
            unit: text(&input.unit).or_else(|| programme.unit.clone()),
            cost: input.cost,
            by: text(&input.by).or_else(|| programme.by.clone()),
            source: format!("campaign:{date}:{}", village.code),
        })
        .collect();
    Ok(Campaign {
        programme,
        village: (village.code.clone(), village.name.clone()),
        group,
        period,
        deliveries,
        who,
    })
}

/// The recipients of `programme` (of `group`) in `village`, and who they are in words.
fn recipients(
    programme: &Programme,
    group: Option<TargetGroup>,
    village: &Village,
    cases: &Cases,
    period: Period,
    date: NaiveDate,
) -> Result<(Vec<Recipient>, String), CampaignError> {
    let here = |v: &Option<String>| v.as_deref() == Some(village.code.as_str());
    match programme.target {
        Beneficiary::Household | Beneficiary::Group(_) => {
            let group = match (programme.target, group) {
                (Beneficiary::Group(g), Some(asked)) if g != asked => {
                    return Err(CampaignError::GroupMismatch(format!(
                        "Program `{}` untuk keluarga {}, bukan {}",
                        programme.code,
                        g.key(),
                        asked.key()
                    )));
                }
                (Beneficiary::Group(g), _) => Some(g),
                (_, asked) => asked,
            };
            let households = cases
                .households
                .iter()
                .filter(|h| here(&h.village))
                .filter(|h| {
                    group.is_none_or(|g| h.household.targets.is_some_and(|t| t.contains(g)))
                })
                .map(|h| Recipient::Household(h.household.id.clone()));
            let who = group.map_or_else(
                || "keluarga".to_owned(),
                |g| format!("keluarga {}", g.key()),
            );
            Ok((households.collect(), who))
        }
        Beneficiary::Child => {
            let months = match group {
                None => None,
                Some(TargetGroup::Baduta) => Some(24),
                Some(TargetGroup::Balita) => Some(60),
                Some(g) => {
                    return Err(CampaignError::GroupMismatch(format!(
                        "Program `{}` untuk anak: kelompok {} tidak berlaku (pilih baduta atau \
                         balita, atau kosongkan)",
                        programme.code,
                        g.key()
                    )));
                }
            };
            let stunted_only = programme.need() == Need::Stunted;
            let children = cases
                .children
                .iter()
                .filter(|c| c.child.period == period && here(&c.village))
                .filter(|c| !c.child.is_flagged() && (c.child.is_stunted() || !stunted_only))
                .filter(|c| {
                    months.is_none_or(|m| crate::ingest::age_months(c.child.birth_date, date) < m)
                })
                .map(|c| Recipient::Child(c.child.id.clone()));
            let mut who = if stunted_only {
                "anak stunting".to_owned()
            } else {
                "anak".to_owned()
            };
            if let Some(g) = group {
                who = format!("{who} {}", g.key());
            }
            Ok((children.collect(), who))
        }
        Beneficiary::Village => Ok((
            vec![Recipient::Village(village.code.clone())],
            "desa".to_owned(),
        )),
    }
}

/// The programme named by code or name, else the closest code as a hint.
fn find_programme<'p>(
    text: &str,
    programmes: &'p [Programme],
) -> Result<&'p Programme, CampaignError> {
    let t = text.trim();
    programmes
        .iter()
        .find(|p| p.code.eq_ignore_ascii_case(t) || p.name.eq_ignore_ascii_case(t))
        .ok_or_else(|| {
            let lower = t.to_lowercase();
            let hint = programmes
                .iter()
                .map(|p| (edit_distance(&lower, &p.code), p.code.as_str()))
                .filter(|(d, _)| *d <= 2)
                .min()
                .map(|(_, c)| format!("; mungkin maksud Anda `{c}`?"))
                .unwrap_or_default();
            CampaignError::Programme {
                given: t.to_owned(),
                hint,
                known: programmes
                    .iter()
                    .map(|p| p.code.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            }
        })
}

/// The village named by code (with or without dots) or name, else the closest one
/// (by code or by name) as a hint.
fn find_village<'v>(text: &str, villages: &[&'v Village]) -> Result<&'v Village, CampaignError> {
    let t = text.trim();
    let code: String = t.chars().filter(|&c| c != '.').collect();
    if let Some(v) = villages
        .iter()
        .find(|v| v.code == code || v.name.eq_ignore_ascii_case(t))
    {
        return Ok(*v);
    }
    let lower = t.to_lowercase();
    let hint = villages
        .iter()
        .map(|v| {
            let by_code = edit_distance(&code, &v.code);
            let by_name = edit_distance(&lower, &v.name.to_lowercase());
            (by_code.min(by_name), v)
        })
        .filter(|(d, _)| *d <= 3)
        .min_by_key(|(d, v)| (*d, v.code.clone()))
        .map(|(_, v)| format!("; mungkin maksud Anda {} ({})?", v.name, v.code))
        .unwrap_or_default();
    Err(CampaignError::Village {
        given: t.to_owned(),
        hint,
    })
}

/// The target group named, else the closest key as a hint.
fn find_group(text: &str) -> Result<TargetGroup, CampaignError> {
    TargetGroup::parse(text).ok_or_else(|| {
        let lower = text.to_lowercase();
        let hint = TargetGroup::ALL
            .iter()
            .map(|g| (edit_distance(&lower, g.key()), g.key()))
            .filter(|(d, _)| *d <= 2)
            .min()
            .map(|(_, k)| format!("; mungkin maksud Anda `{k}`?"))
            .unwrap_or_default();
        CampaignError::Group {
            given: text.to_owned(),
            hint,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::default_programmes;

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("test value")
    }

    #[test]
    fn a_visit_gives_what_the_programmes_name_and_a_referral_gives_nothing() {
        let rounds: [Period; 1] = ["2026-08".parse().expect("test value")];
        let items = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        let p = default_programmes();
        let got = of_visit(
            "v1",
            "c1",
            d("2026-09-02"),
            "TPK 1",
            &items(&["eggs", "referral"]),
            &p,
            &rounds,
        );
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].programme, "telur");
        assert_eq!(got[0].source, "visit:v1");
        assert_eq!(got[0].by.as_deref(), Some("TPK 1"));
        assert_eq!(got[0].period, rounds[0]);
        assert!(
            of_visit(
                "v1",
                "c1",
                d("2026-09-02"),
                "",
                &items(&["referral"]),
                &p,
                &rounds
            )
            .is_empty()
        );
        // Outside every round: the visit stands, no delivery.
        assert!(
            of_visit(
                "v1",
                "c1",
                d("2027-03-02"),
                "",
                &items(&["eggs"]),
                &p,
                &rounds
            )
            .is_empty()
        );
        let all = of_visit(
            "v1",
            "c1",
            d("2026-09-02"),
            "",
            &items(&["food_package", "supplementary_feeding"]),
            &p,
            &rounds,
        );
        let codes: Vec<&str> = all.iter().map(|d| d.programme.as_str()).collect();
        assert_eq!(codes, ["pmt", "bantuan_pangan"]);
        assert_eq!(all[0].by.as_deref(), Some("Dinas Kesehatan"));
    }

    #[test]
    fn typos_are_answered_with_the_closest_name() {
        let p = default_programmes();
        let e = find_programme("telor", &p).expect_err("unknown");
        assert!(e.to_string().contains("`telur`"), "{e}");
        let e = find_group("badut").expect_err("unknown");
        assert!(e.to_string().contains("`baduta`"), "{e}");
        let v = Village {
            code: "7471011005".into(),
            name: "Kambu".into(),
            district: String::new(),
            boundary: geo::MultiPolygon(vec![]),
        };
        let villages = [&v];
        assert!(find_village("74.71.01.1005", &villages).is_ok());
        assert!(find_village("kambu", &villages).is_ok());
        let e = find_village("Kambo", &villages).expect_err("unknown");
        assert!(e.to_string().contains("Kambu (7471011005)"), "{e}");
    }
}
