//! The column names sigap recognises for each field of each layer, best first.
//!
//! Names are written normalised ([`super::normalize`]: lowercase, words joined by
//! `_`, `/` dropped), so `ZS TB/U`, `zs_tbu` and `Zs-TbU` are all `zs_tbu`. Where a
//! file has two columns that could feed a field, the one whose name comes first here
//! wins, and `--check` says so. The first name of every field is the field's own.
//!
//! Sources: e-PPGBM exports (`NIK`, `JK`, `Tgl Lahir`, `Tgl Ukur`, `TB`, `BB`,
//! `ZS TB/U`), BKKBN and STBM household surveys (`No KK`, `Punya Jamban`,
//! `Air Minum Layak`, `Sanitasi Layak`, `RTLH`, `4T`, `Bumil`, `Baduta`,
//! `Sasaran`), and BIG's administrative boundary layers
//! (`KDEPUM` village code, `WADMKD` village, `WADMKC` district, `NAMOBJ` object name).

use crate::model::LayerKind;

/// How much a layer needs a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// Every record needs it: no column for it stops the import.
    Required,
    /// Part of a point's position (`lat`+`lon`, or `x`+`y` with `--crs`), needed
    /// when the format carries no geometry.
    Position,
    /// Read when present.
    Optional,
}

/// One field of a layer and the column names that can feed it.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    pub name: &'static str,
    pub need: Need,
    pub aliases: &'static [&'static str],
}

const fn field(name: &'static str, need: Need, aliases: &'static [&'static str]) -> Field {
    Field {
        name,
        need,
        aliases,
    }
}

use Need::{Optional, Position, Required};

/// # Units
/// WGS84 degrees.
const LAT: Field = field("lat", Position, &["lat", "lintang", "latitude", "y_lat"]);
/// # Units
/// WGS84 degrees.
const LON: Field = field(
    "lon",
    Position,
    &[
        "lon",
        "bujur",
        "longitude",
        "long",
        "lng",
        "x_lon",
        "x_long",
    ],
);
/// # Units
/// Metres (or whatever unit the `--crs` has), easting.
const X: Field = field("x", Position, &["x", "easting", "x_utm", "utm_x"]);
/// # Units
/// Metres (or whatever unit the `--crs` has), northing.
const Y: Field = field("y", Position, &["y", "northing", "y_utm", "utm_y"]);
const VILLAGE_CODE: Field = field(
    "village_code",
    Optional,
    &[
        "village_code",
        "kode_desa",
        "kode_kelurahan",
        "kode_desa_kelurahan",
        "kode_kel",
        "kd_desa",
        "kode_wilayah",
        "kdepum",
    ],
);
const VILLAGE_NAME: Field = field(
    "village_name",
    Optional,
    &[
        "village_name",
        "nama_desa",
        "nama_kelurahan",
        "nama_kel",
        "desa",
        "kelurahan",
        "desa_kelurahan",
        "desa_kel",
        "wadmkd",
    ],
);
const DISTRICT: Field = field(
    "district",
    Optional,
    &["district", "kecamatan", "nama_kecamatan", "kec", "wadmkc"],
);

// Who a child or household is (e-PPGBM: Alamat, Dusun, RT, RW, Posyandu, No HP);
// sealed on import, never stored in clear (see `ingest::identity`).
const ADDRESS: Field = field(
    "address",
    Optional,
    &[
        "address",
        "alamat",
        "alamat_lengkap",
        "alamat_domisili",
        "alamat_rumah",
        "street",
    ],
);
const DUSUN: Field = field(
    "dusun",
    Optional,
    &["dusun", "lingkungan", "dusun_lingkungan", "hamlet"],
);
const RT: Field = field("rt", Optional, &["rt", "no_rt", "nomor_rt"]);
const RW: Field = field("rw", Optional, &["rw", "no_rw", "nomor_rw"]);
const POSYANDU: Field = field("posyandu", Optional, &["posyandu", "nama_posyandu"]);
const PHONE: Field = field(
    "phone",
    Optional,
    &[
        "phone",
        "no_hp",
        "nomor_hp",
        "hp",
        "no_telp",
        "no_telepon",
        "telepon",
        "telp",
        "phone_number",
        "mobile",
    ],
);

const CHILDREN: &[Field] = &[
    field(
        "id",
        Required,
        &["id", "nik", "nik_anak", "nik_balita", "no_nik", "kode"],
    ),
    field(
        "name",
        Optional,
        &["name", "nama", "nama_anak", "nama_balita", "child_name"],
    ),
    field(
        "parent_name",
        Optional,
        &[
            "parent_name",
            "nama_ortu",
            "nama_orang_tua",
            "nama_ibu",
            "nama_ibu_kandung",
            "nama_ayah",
            "orang_tua",
            "ortu",
            "mother_name",
            "parent",
        ],
    ),
    field(
        "sex",
        Required,
        &["sex", "jk", "jenis_kelamin", "gender", "kelamin", "lp"],
    ),
    field(
        "birth_date",
        Required,
        &[
            "birth_date",
            "tgl_lahir",
            "tanggal_lahir",
            "tgllahir",
            "tgl_lhr",
            "date_of_birth",
            "dob",
        ],
    ),
    field(
        "measure_date",
        Required,
        &[
            "measure_date",
            "tgl_ukur",
            "tanggal_pengukuran",
            "tgl_pengukuran",
            "tanggal_ukur",
            "tglukur",
            "measurement_date",
        ],
    ),
    field(
        "height_cm",
        Required,
        &[
            "height_cm",
            "height",
            "tb",
            "tinggi",
            "tinggi_badan",
            "pb",
            "panjang_badan",
            "tb_pb",
            "tbpb",
        ],
    ),
    field(
        "weight_kg",
        Optional,
        &["weight_kg", "weight", "bb", "berat", "berat_badan"],
    ),
    field(
        "measured",
        Optional,
        &[
            "measured",
            "measure_mode",
            "position",
            "cara_ukur",
            "posisi",
            "posisi_ukur",
        ],
    ),
    // The weighing round (YYYY-MM); without it, `--period` or the measurement month.
    field(
        "period",
        Optional,
        &[
            "period",
            "periode",
            "bulan_pengukuran",
            "putaran",
            "periode_pengukuran",
            "bulan_penimbangan",
        ],
    ),
    field(
        "haz",
        // Computed from sex, dates and height when the file has none (ingest::haz).
        Optional,
        &[
            "haz",
            "zs_tbu",
            "zscore_tbu",
            "z_score_tbu",
            "z_tbu",
            "zs_pbu",
            "zs_tbpbu",
        ],
    ),
    LAT,
    LON,
    X,
    Y,
    VILLAGE_CODE,
    VILLAGE_NAME,
    DISTRICT,
    ADDRESS,
    DUSUN,
    RT,
    RW,
    POSYANDU,
    PHONE,
];

const HOUSEHOLDS: &[Field] = &[
    field(
        "id",
        Required,
        &["id", "id_rt", "no_kk", "nomor_kk", "nik", "kode"],
    ),
    field(
        "name",
        Optional,
        &[
            "name",
            "head_name",
            "nama_kepala_keluarga",
            "kepala_keluarga",
            "nama_kk",
            "nama_krt",
            "nama",
        ],
    ),
    LAT,
    LON,
    X,
    Y,
    field(
        "has_latrine",
        Required,
        &[
            "has_latrine",
            "punya_jamban",
            "memiliki_jamban",
            "jamban",
            "kepemilikan_jamban",
        ],
    ),
    field(
        "safe_water",
        Required,
        &[
            "safe_water",
            "air_minum_layak",
            "air_layak",
            "sumber_air_minum_layak",
        ],
    ),
    field(
        "improved_sanitation",
        Required,
        &["improved_sanitation", "sanitasi_layak", "sanitasi"],
    ),
    // Keluarga berisiko stunting (BKKBN Pendataan Keluarga); optional, so files
    // without them still import (see `model::families`).
    field(
        "unfit_housing",
        Optional,
        &[
            "unfit_housing",
            "rumah_tidak_layak_huni",
            "rtlh",
            "rumah_tidak_layak",
        ],
    ),
    field(
        "four_t",
        Optional,
        &[
            "four_t",
            "4t",
            "empat_t",
            "risiko_4t",
            "pus_4t",
            "4_terlalu",
        ],
    ),
    field("catin", Optional, &["catin", "calon_pengantin"]),
    field("bumil", Optional, &["bumil", "ibu_hamil"]),
    field(
        "bufas",
        Optional,
        &["bufas", "ibu_nifas", "ibu_pasca_salin", "pasca_salin"],
    ),
    field("baduta", Optional, &["baduta", "punya_baduta"]),
    field("balita", Optional, &["balita", "punya_balita"]),
    field(
        "sasaran",
        Optional,
        &["sasaran", "kelompok_sasaran", "target_groups"],
    ),
    VILLAGE_CODE,
    VILLAGE_NAME,
    DISTRICT,
    ADDRESS,
    DUSUN,
    RT,
    RW,
    PHONE,
];

const FACILITIES: &[Field] = &[
    field(
        "id",
        Required,
        &["id", "kode", "kode_faskes", "kd_faskes", "kode_puskesmas"],
    ),
    field(
        "name",
        Required,
        &[
            "name",
            "nama",
            "nama_faskes",
            "nama_fasilitas",
            "nama_puskesmas",
        ],
    ),
    field(
        "kind",
        Required,
        &[
            "kind",
            "jenis",
            "jenis_faskes",
            "tipe",
            "tipe_faskes",
            "type",
        ],
    ),
    LAT,
    LON,
    X,
    Y,
    VILLAGE_CODE,
    VILLAGE_NAME,
    DISTRICT,
];

const VILLAGES: &[Field] = &[
    field(
        "code",
        Required,
        &[
            "code",
            "kode",
            "kode_desa",
            "kode_kelurahan",
            "kode_kel",
            "kd_desa",
            "kdepum",
            "kode_wilayah",
        ],
    ),
    field(
        "name",
        Required,
        &[
            "name",
            "nama",
            "nama_desa",
            "nama_kelurahan",
            "nama_kel",
            "desa",
            "kelurahan",
            "wadmkd",
            "namobj",
        ],
    ),
    field(
        "district",
        Required,
        &["district", "kecamatan", "nama_kecamatan", "kec", "wadmkc"],
    ),
];

/// The fields of a layer, in the order the report lists them.
#[must_use]
pub fn fields(kind: LayerKind) -> &'static [Field] {
    match kind {
        LayerKind::Children => CHILDREN,
        LayerKind::Households => HOUSEHOLDS,
        LayerKind::Facilities => FACILITIES,
        LayerKind::Villages => VILLAGES,
    }
}

/// Units a header may carry after the name (`TB (cm)`, `Berat_kg`).
const UNIT_SUFFIXES: [&str; 2] = ["_cm", "_kg"];

/// How well a normalised column name fits `field`: lower is better, `None` if not
/// at all. An exact alias ranks by its place in the list; a name that matches only
/// without a unit suffix ranks just after that alias.
#[must_use]
pub fn rank(field: &Field, column: &str) -> Option<usize> {
    let at = |name: &str| field.aliases.iter().position(|a| *a == name);
    at(column)
        .map(|i| 2 * i)
        .or_else(|| {
            UNIT_SUFFIXES
                .iter()
                .find_map(|s| column.strip_suffix(s))
                .and_then(at)
                .map(|i| 2 * i + 1)
        })
        .or_else(|| dbf_truncated(field, column))
}

/// Longest field name a Shapefile's DBF keeps: `measure_date` arrives as `measure_da`.
pub const DBF_NAME_LEN: usize = 10;

/// A column whose name is exactly the first [`DBF_NAME_LEN`] characters of a longer
/// alias (a Shapefile cut it), ranked after every full name.
fn dbf_truncated(field: &Field, column: &str) -> Option<usize> {
    if column.len() != DBF_NAME_LEN {
        return None;
    }
    field
        .aliases
        .iter()
        .position(|a| a.len() > DBF_NAME_LEN && a.get(..DBF_NAME_LEN) == Some(column))
        .map(|i| 2 * field.aliases.len() + i)
}

#[cfg(test)]
mod dbf_tests {
    use super::*;

    #[test]
    fn shapefile_cut_names_are_recognised_after_full_names() {
        let children = fields(LayerKind::Children);
        let measure = children
            .iter()
            .find(|f| f.name == "measure_date")
            .expect("measure_date field");
        assert!(rank(measure, "measure_da").is_some());
        let full = rank(measure, "measure_date").expect("full name");
        assert!(rank(measure, "measure_da").expect("cut name") > full);
        // Ten characters that are not the start of any alias match nothing.
        assert_eq!(rank(measure, "measured_x"), None);
        let households = fields(LayerKind::Households);
        let sanitation = households
            .iter()
            .find(|f| f.name == "improved_sanitation")
            .expect("improved_sanitation field");
        assert!(rank(sanitation, "improved_s").is_some());
    }
}
