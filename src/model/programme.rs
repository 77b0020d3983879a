//! Convergence programmes and what they deliver: the intervention ledger's vocabulary.
//!
//! A [`Programme`] is one kind of help a city gives (PMT lokal, eggs, iron tablets,
//! a latrine, a foster parent), listed in `sigap.toml`; a [`Delivery`] is one time it
//! reached a child, a household or a village. Coverage (reached over target) is
//! computed from them in `risk::coverage`.

use super::{Period, TargetGroup};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Gizi spesifik (mostly health: food, tablets, vitamin A) or gizi sensitif (latrines,
/// water, social assistance, family planning, sponsorship).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProgrammeKind {
    #[serde(alias = "spesifik")]
    Specific,
    #[serde(alias = "sensitif")]
    Sensitive,
}

/// Whom one delivery of a programme reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Beneficiary {
    /// One child (by the child's id in the register).
    Child,
    /// One household (by its id, e.g. the family card number).
    Household,
    /// The members of one target group in a household: `bumil` delivered to the
    /// pregnant woman of a family.
    Group(TargetGroup),
    /// A whole village (a campaign, a clean-water point).
    Village,
}

impl Beneficiary {
    /// `child`, `household`, `village`, or the group's key (`bumil`).
    #[must_use]
    pub fn key(self) -> &'static str {
        match self {
            Self::Child => "child",
            Self::Household => "household",
            Self::Group(g) => g.key(),
            Self::Village => "village",
        }
    }

    /// Parses [`Self::key`] and the Indonesian words (`anak`, `keluarga`, `rumah
    /// tangga`, `desa`, `ibu hamil`).
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        let t = text.trim().to_lowercase();
        match t.as_str() {
            "child" | "anak" => Some(Self::Child),
            "household" | "keluarga" | "rumah tangga" | "kk" => Some(Self::Household),
            "village" | "desa" | "kelurahan" => Some(Self::Village),
            _ => TargetGroup::parse(&t).map(Self::Group),
        }
    }

    /// Whether a delivery names a household (households and target groups).
    #[must_use]
    pub fn is_household(self) -> bool {
        matches!(self, Self::Household | Self::Group(_))
    }
}

impl fmt::Display for Beneficiary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

impl Serialize for Beneficiary {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.key())
    }
}

impl<'de> Deserialize<'de> for Beneficiary {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Self::parse(&text).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "`{text}` is not a target: write child, household, village or a target group \
                 (catin, bumil, bufas, baduta, balita)"
            ))
        })
    }
}

/// Who a programme should reach, the denominator of its coverage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Need {
    /// Stunted children measured in the period (child programmes' default).
    Stunted,
    /// Every child measured in the period.
    Children,
    /// Every household (household programmes' default).
    Households,
    /// Households without a latrine.
    NoLatrine,
    /// Households without safe drinking water.
    NoSafeWater,
    /// Households without improved sanitation.
    NoSanitation,
    /// Families at risk of stunting (BKKBN; see `model::families`).
    AtRisk,
    /// Every village.
    Villages,
}

impl Need {
    /// The name in `sigap.toml` and JSON: `stunted`, `no_latrine`, ...
    #[must_use]
    pub fn key(self) -> &'static str {
        match self {
            Self::Stunted => "stunted",
            Self::Children => "children",
            Self::Households => "households",
            Self::NoLatrine => "no_latrine",
            Self::NoSafeWater => "no_safe_water",
            Self::NoSanitation => "no_sanitation",
            Self::AtRisk => "at_risk",
            Self::Villages => "villages",
        }
    }

    /// What it counts: `children`, `households` or `villages`.
    #[must_use]
    pub fn counts(self) -> &'static str {
        match self {
            Self::Stunted | Self::Children => "children",
            Self::Villages => "villages",
            _ => "households",
        }
    }

    /// The default target of a programme reaching `who`: stunted children, every
    /// household, the households of the group, every village.
    #[must_use]
    pub fn default_for(who: Beneficiary) -> Self {
        match who {
            Beneficiary::Child => Self::Stunted,
            Beneficiary::Household | Beneficiary::Group(_) => Self::Households,
            Beneficiary::Village => Self::Villages,
        }
    }

    /// Whether a programme reaching `who` can have this target.
    #[must_use]
    pub fn fits(self, who: Beneficiary) -> bool {
        match who {
            Beneficiary::Child => matches!(self, Self::Stunted | Self::Children),
            Beneficiary::Household | Beneficiary::Group(_) => matches!(
                self,
                Self::Households
                    | Self::NoLatrine
                    | Self::NoSafeWater
                    | Self::NoSanitation
                    | Self::AtRisk
            ),
            Beneficiary::Village => self == Self::Villages,
        }
    }
}

/// One programme of the catalogue (`[[programmes]]` in `sigap.toml`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Programme {
    /// Short code used in files and URLs: `pmt`, `telur`, `jamban`.
    pub code: String,
    /// The name people know it by: `PMT lokal`.
    pub name: String,
    pub kind: ProgrammeKind,
    /// Whom one delivery reaches.
    pub target: Beneficiary,
    /// Whom the programme should reach; `None`: [`Need::default_for`] the target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub need: Option<Need>,
    /// Who delivers it: an OPD, a puskesmas, a sponsor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
    /// The unit quantities are counted in (`paket`, `butir`, `tablet`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// The home-visit item ([`VISIT_ITEMS`]) that is a delivery of this programme:
    /// `eggs` given on a visit is a delivery of `telur` to the child.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visit_item: Option<String>,
    /// Given by sponsors (foster parents, CSR): the annual review lists what each of
    /// its deliverers contributed.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub sponsored: bool,
}

/// What a field officer may record as given on a home visit (`given` of
/// `POST /api/visits`); `referral` is not a delivery and no programme may name it.
pub const VISIT_ITEMS: [&str; 4] = ["food_package", "eggs", "supplementary_feeding", "referral"];

/// The visit items a programme may name as its `visit_item`.
pub const DELIVERED_VISIT_ITEMS: [&str; 3] = ["food_package", "eggs", "supplementary_feeding"];

impl Programme {
    /// Whom the programme should reach.
    #[must_use]
    pub fn need(&self) -> Need {
        self.need.unwrap_or_else(|| Need::default_for(self.target))
    }
}

/// What one delivery reached.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Recipient {
    /// A child, by pseudonym.
    Child(String),
    /// A household, by pseudonym.
    Household(String),
    /// A village, by Kemendagri code without dots.
    Village(String),
}

impl Recipient {
    /// `child`, `household` or `village`, as the store keeps it.
    #[must_use]
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Child(_) => "child",
            Self::Household(_) => "household",
            Self::Village(_) => "village",
        }
    }

    /// The pseudonym or village code.
    #[must_use]
    pub fn id(&self) -> &str {
        match self {
            Self::Child(id) | Self::Household(id) | Self::Village(id) => id,
        }
    }

    /// From [`Self::kind`] and [`Self::id`]; `None` for an unknown kind.
    #[must_use]
    pub fn from_parts(kind: &str, id: String) -> Option<Self> {
        match kind {
            "child" => Some(Self::Child(id)),
            "household" => Some(Self::Household(id)),
            "village" => Some(Self::Village(id)),
            _ => None,
        }
    }
}

/// One delivery of a programme.
///
/// # Units
/// `quantity` in the programme's unit (or `unit` when given); `cost` in rupiah.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivery {
    /// The programme's code.
    pub programme: String,
    pub recipient: Recipient,
    pub date: NaiveDate,
    /// The weighing round the delivery counts towards.
    pub period: Period,
    pub quantity: Option<f64>,
    pub unit: Option<String>,
    pub cost: Option<f64>,
    /// Who delivered it (an OPD, a puskesmas, a sponsor); the programme's `by` when
    /// the file does not say.
    pub by: Option<String>,
    /// Where it came from: `file:NAME:LINE`, `visit:VISIT_ID`, `campaign:DATE:VILLAGE`.
    pub source: String,
}

/// The programmes a city has before it lists its own: the interventions the national
/// strategy names (see DOMAIN.md), each with its usual deliverer.
#[must_use]
#[expect(
    clippy::too_many_lines,
    reason = "one entry per programme, as the catalogue reads in sigap.toml"
)]
pub fn default_programmes() -> Vec<Programme> {
    use Beneficiary::{Child, Group, Household};
    use ProgrammeKind::{Sensitive, Specific};
    let p =
        |code: &str, name: &str, kind, target, need: Option<Need>, by: &str, unit: Option<&str>| {
            Programme {
                code: code.into(),
                name: name.into(),
                kind,
                target,
                need,
                by: Some(by.into()),
                unit: unit.map(Into::into),
                visit_item: None,
                sponsored: false,
            }
        };
    let on_visit = |p: Programme, item: &str| Programme {
        visit_item: Some(item.into()),
        ..p
    };
    vec![
        on_visit(
            p(
                "pmt",
                "PMT lokal",
                Specific,
                Child,
                None,
                "Dinas Kesehatan",
                Some("paket"),
            ),
            "supplementary_feeding",
        ),
        on_visit(
            p(
                "telur",
                "Telur dan protein hewani",
                Specific,
                Child,
                None,
                "Dinas Ketahanan Pangan",
                Some("butir"),
            ),
            "eggs",
        ),
        // The food package a home visit hands over (Kendari's visits with food aid).
        on_visit(
            p(
                "bantuan_pangan",
                "Bantuan pangan",
                Specific,
                Child,
                None,
                "Dinas Sosial",
                Some("paket"),
            ),
            "food_package",
        ),
        p(
            "vita",
            "Vitamin A",
            Specific,
            Child,
            Some(Need::Children),
            "Dinas Kesehatan",
            Some("kapsul"),
        ),
        p(
            "ttd_bumil",
            "Tablet tambah darah ibu hamil",
            Specific,
            Group(TargetGroup::Bumil),
            None,
            "Dinas Kesehatan",
            Some("tablet"),
        ),
        p(
            "jamban",
            "Jamban sehat",
            Sensitive,
            Household,
            Some(Need::NoLatrine),
            "Dinas PUPR",
            Some("unit"),
        ),
        p(
            "air",
            "Air minum layak",
            Sensitive,
            Household,
            Some(Need::NoSafeWater),
            "Dinas PUPR",
            Some("sambungan"),
        ),
        p(
            "bansos",
            "Bantuan sosial (PKH/BPNT)",
            Sensitive,
            Household,
            Some(Need::AtRisk),
            "Dinas Sosial",
            None,
        ),
        Programme {
            sponsored: true,
            ..p(
                "bapak_asuh",
                "Bapak Asuh Anak Stunting",
                Sensitive,
                Child,
                None,
                "Sponsor/CSR",
                Some("paket"),
            )
        },
    ]
}
