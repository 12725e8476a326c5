//! The code catalog: what a code is (SPEC §2): category, class, fault and descriptions.
//!
//! The built-in catalog is read at compile time from two data files kept in the repo as they
//! were given: the seed document's two Korean tables (`catalog/seed.ko.md`) and
//! `catalog/catalog.tsv` (English and Chinese meanings, class). A user file (`--catalog`)
//! adds or overrides codes. Lookups are by exact code; category and fault are derived from
//! the code's text, so unknown codes get them too.

use std::collections::BTreeMap;
use std::fmt;

const SEED_KO: &str = include_str!("catalog/seed.ko.md");
const CATALOG_TSV: &str = include_str!("catalog/catalog.tsv");

/// Whether a code is common to every API, the product's own, or not in the catalog.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Class {
    Common,
    Business,
    Unknown,
}

impl Class {
    pub fn as_str(self) -> &'static str {
        match self {
            Class::Common => "common",
            Class::Business => "business",
            Class::Unknown => "unknown",
        }
    }

    fn parse(s: &str) -> Option<Class> {
        match s {
            "common" => Some(Class::Common),
            "business" => Some(Class::Business),
            _ => None,
        }
    }
}

/// Who has to act on an error (see the rule table in `fault_of` and the README).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Fault {
    Client,
    Auth,
    Throttle,
    Quota,
    Resource,
    Server,
    DryRun,
}

impl Fault {
    pub fn as_str(self) -> &'static str {
        match self {
            Fault::Client => "client",
            Fault::Auth => "auth",
            Fault::Throttle => "throttle",
            Fault::Quota => "quota",
            Fault::Resource => "resource",
            Fault::Server => "server",
            Fault::DryRun => "dry-run",
        }
    }
}

/// A description language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Ko,
    En,
    Zh,
}

impl Lang {
    /// Parses `ko`, `en` or `zh`.
    pub fn parse(s: &str) -> Option<Lang> {
        match s {
            "ko" => Some(Lang::Ko),
            "en" => Some(Lang::En),
            "zh" => Some(Lang::Zh),
            _ => None,
        }
    }

    /// Picks the language from the locale: the first of `LC_ALL`, `LC_MESSAGES`, `LANG` that
    /// is set and non-empty decides; `ko*` and `zh*` choose those, anything else English.
    pub fn from_locale(get: impl Fn(&str) -> Option<String>) -> Lang {
        let locale = ["LC_ALL", "LC_MESSAGES", "LANG"]
            .iter()
            .filter_map(|k| get(k))
            .find(|v| !v.is_empty())
            .unwrap_or_default();
        if locale.starts_with("ko") {
            Lang::Ko
        } else if locale.starts_with("zh") {
            Lang::Zh
        } else {
            Lang::En
        }
    }
}

/// What the catalog knows of one code.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Entry {
    pub class: Option<Class>,
    pub ko: Option<String>,
    pub en: Option<String>,
    pub zh: Option<String>,
}

impl Entry {
    /// Returns the description in `lang`, else English, else any language that has one.
    pub fn description(&self, lang: Lang) -> Option<&str> {
        let first = match lang {
            Lang::Ko => &self.ko,
            Lang::En => &self.en,
            Lang::Zh => &self.zh,
        };
        first
            .as_deref()
            .or(self.en.as_deref())
            .or(self.ko.as_deref())
            .or(self.zh.as_deref())
    }

    /// Overlays the non-empty fields of `other` on this entry.
    fn overlay(&mut self, other: Entry) {
        self.class = other.class.or(self.class);
        self.ko = other.ko.or(self.ko.take());
        self.en = other.en.or(self.en.take());
        self.zh = other.zh.or(self.zh.take());
    }
}

/// A line of a catalog file that could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogError {
    pub line: usize,
    pub message: String,
}

impl fmt::Display for CatalogError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

/// The code catalog, sorted by code.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    entries: BTreeMap<String, Entry>,
}

impl Catalog {
    /// Builds the built-in catalog from the seed tables and `catalog.tsv`.
    /// The built-in catalog, made once.
    pub fn builtin_ref() -> &'static Catalog {
        static BUILTIN: std::sync::LazyLock<Catalog> = std::sync::LazyLock::new(Catalog::builtin);
        &BUILTIN
    }

    pub fn builtin() -> Catalog {
        let mut catalog = Catalog::default();
        for (code, class, ko) in seed_rows(SEED_KO) {
            catalog.add(
                code,
                Entry {
                    class: Some(class),
                    ko: Some(ko.to_string()),
                    ..Entry::default()
                },
            );
        }
        // The built-in file is part of the source tree; a test reads it whole.
        let rows = parse_tsv(CATALOG_TSV).unwrap_or_default();
        for (code, entry) in rows {
            catalog.add(&code, entry);
        }
        catalog
    }

    /// Adds or overrides codes from a user catalog file (the format of `catalog.tsv`).
    pub fn extend_from_tsv(&mut self, text: &str) -> Result<(), CatalogError> {
        for (code, entry) in parse_tsv(text)? {
            self.add(&code, entry);
        }
        Ok(())
    }

    fn add(&mut self, code: &str, entry: Entry) {
        self.entries
            .entry(code.to_string())
            .or_default()
            .overlay(entry);
    }

    /// Returns what the catalog knows of `code`.
    pub fn get(&self, code: &str) -> Option<&Entry> {
        self.entries.get(code)
    }

    /// Returns the class of `code` (`unknown` when the catalog has none).
    pub fn class_of(&self, code: &str) -> Class {
        self.get(code)
            .and_then(|e| e.class)
            .unwrap_or(Class::Unknown)
    }

    /// Iterates over every code, sorted.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Entry)> {
        self.entries.iter().map(|(k, v)| (k.as_str(), v))
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// Returns a code's category: its text before the first `.`, or the whole code.
pub fn category_of(code: &str) -> &str {
    code.split('.').next().unwrap_or(code)
}

/// Derives who has to act from the code. First matching rule wins:
///
/// | rule | fault |
/// | --- | --- |
/// | `DryRunOperation` | dry-run |
/// | category `RequestLimitExceeded` | throttle |
/// | category `AuthFailure`, `UnauthorizedOperation`, `IpInBlacklist`, `IpNotInWhitelist`; codes `OperationDenied.{AccountOperationDenied,SubAccountOperationDenied,UserHasNoStrategy,WrongPassword}` | auth |
/// | category `LimitExceeded`, `OverQuota`; a code whose last part contains `OverQuota` or `QuotaExceeded` | quota |
/// | category `InternalError`, `CdbError`, `ServiceUnavailable`, `FailedOperation` | server |
/// | category `ResourceInUse`, `ResourceInsufficient`, `ResourceNotFound`, `ResourceUnavailable`, `ResourcesSoldOut`, `OperationDenied` | resource |
/// | anything else (parameters, actions, versions, unsupported, numeric and unknown codes) | client |
pub fn fault_of(code: &str) -> Fault {
    let category = category_of(code);
    let last = code.rsplit('.').next().unwrap_or(code);
    match category {
        "DryRunOperation" => Fault::DryRun,
        "RequestLimitExceeded" => Fault::Throttle,
        "AuthFailure" | "UnauthorizedOperation" | "IpInBlacklist" | "IpNotInWhitelist" => {
            Fault::Auth
        }
        "OperationDenied"
            if matches!(
                last,
                "AccountOperationDenied"
                    | "SubAccountOperationDenied"
                    | "UserHasNoStrategy"
                    | "WrongPassword"
            ) =>
        {
            Fault::Auth
        }
        "LimitExceeded" | "OverQuota" => Fault::Quota,
        _ if code.contains('.')
            && (last.contains("OverQuota") || last.contains("QuotaExceeded")) =>
        {
            Fault::Quota
        }
        "InternalError" | "CdbError" | "ServiceUnavailable" | "FailedOperation" => Fault::Server,
        "ResourceInUse"
        | "ResourceInsufficient"
        | "ResourceNotFound"
        | "ResourceUnavailable"
        | "ResourcesSoldOut"
        | "OperationDenied" => Fault::Resource,
        _ => Fault::Client,
    }
}

/// Reads the seed document's two tables: (code, class, Korean description).
fn seed_rows(text: &str) -> Vec<(&str, Class, &str)> {
    let mut class = None;
    let mut rows = Vec::new();
    for line in text.lines() {
        if line.starts_with("### ") {
            class = if line.contains("공통") {
                Some(Class::Common)
            } else if line.contains("비즈니스") {
                Some(Class::Business)
            } else {
                None
            };
            continue;
        }
        let (Some(class), Some(row)) = (class, line.strip_prefix('|')) else {
            continue;
        };
        let mut cells = row.split('|').map(str::trim);
        let (Some(code), Some(desc)) = (cells.next(), cells.next()) else {
            continue;
        };
        let header = code == "오류 코드" || code.starts_with("--") || code.starts_with(":--");
        if !header && !code.is_empty() {
            rows.push((code, class, desc));
        }
    }
    rows
}

/// Parses a catalog TSV: `code, class, in_seed, english, chinese[, korean]`; `#` lines and
/// blank lines are comments; empty cells leave what is known untouched.
fn parse_tsv(text: &str) -> Result<Vec<(String, Entry)>, CatalogError> {
    let mut rows = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let cells: Vec<&str> = line.split('\t').map(str::trim).collect();
        let err = |message: String| CatalogError {
            line: i + 1,
            message,
        };
        let code = cells[0];
        if code.is_empty() {
            return Err(err("empty code".into()));
        }
        if cells.len() > 6 {
            return Err(err(format!("{} columns, at most 6 expected", cells.len())));
        }
        let cell = |n: usize| {
            cells
                .get(n)
                .filter(|c| !c.is_empty())
                .map(|c| c.to_string())
        };
        let class =
            match cell(1) {
                None => None,
                Some(c) => Some(Class::parse(&c).ok_or_else(|| {
                    err(format!("class {c:?}: expected common, business or empty"))
                })?),
            };
        rows.push((
            code.to_string(),
            Entry {
                class,
                en: cell(3),
                zh: cell(4),
                ko: cell(5),
            },
        ));
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_data_files_parse_whole() {
        assert!(parse_tsv(CATALOG_TSV).is_ok());
        let data_rows = CATALOG_TSV
            .lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
            .count();
        let catalog = Catalog::builtin();
        assert_eq!(catalog.len(), data_rows);
        // The seed's two tables: 26 common rows and 29 business rows.
        let seed = seed_rows(SEED_KO);
        assert_eq!(seed.iter().filter(|r| r.1 == Class::Common).count(), 26);
        assert_eq!(seed.iter().filter(|r| r.1 == Class::Business).count(), 29);
        for (code, _, _) in &seed {
            assert!(
                catalog.get(code).is_some(),
                "{code} from the seed is in the catalog"
            );
        }
    }

    #[test]
    fn descriptions_in_three_languages() {
        let c = Catalog::builtin();
        let e = c.get("AuthFailure.SignatureFailure").unwrap();
        assert!(e.description(Lang::Ko).unwrap().starts_with("서명 오류"));
        assert_eq!(
            e.description(Lang::En),
            Some("Invalid signature (signature calculation error).")
        );
        // No Chinese text for this code: English stands in.
        assert_eq!(e.description(Lang::Zh), e.description(Lang::En));
        let e = c.get("CdbError.BackupError").unwrap();
        assert_eq!(e.description(Lang::Zh), Some("备份错误。"));
        assert_eq!(e.description(Lang::Ko), Some("백업 오류."));
        assert_eq!(c.class_of("InvalidParameter"), Class::Common);
        assert_eq!(c.class_of("CdbError"), Class::Business);
        assert_eq!(c.class_of("Nope.Nope"), Class::Unknown);
    }

    #[test]
    fn user_catalog_adds_and_overrides() {
        let mut c = Catalog::builtin();
        c.extend_from_tsv(
            "# mine\nCvmError.Boom\tbusiness\t\tBoom.\t\t쾅.\nInternalError\t\t\tOurs.\n",
        )
        .unwrap();
        assert_eq!(c.class_of("CvmError.Boom"), Class::Business);
        assert_eq!(
            c.get("CvmError.Boom").unwrap().description(Lang::Ko),
            Some("쾅.")
        );
        let e = c.get("InternalError").unwrap();
        assert_eq!(e.description(Lang::En), Some("Ours."));
        assert_eq!(e.class, Some(Class::Common));
        let bad = c.extend_from_tsv("X\tweird\n").unwrap_err();
        assert_eq!(bad.line, 1);
    }

    #[test]
    fn categories_and_faults() {
        assert_eq!(category_of("AuthFailure.SignatureFailure"), "AuthFailure");
        assert_eq!(category_of("InternalError"), "InternalError");
        assert_eq!(category_of("FailedOperation.X."), "FailedOperation");
        let cases = [
            ("DryRunOperation", Fault::DryRun),
            ("RequestLimitExceeded.IPLimitExceeded", Fault::Throttle),
            ("AuthFailure.SignatureExpire", Fault::Auth),
            ("UnauthorizedOperation", Fault::Auth),
            ("OperationDenied.WrongPassword", Fault::Auth),
            ("LimitExceeded", Fault::Quota),
            ("OperationDenied.AuditPolicyOverQuotaError", Fault::Quota),
            ("InternalError.CosError", Fault::Server),
            ("FailedOperation.TimeoutError", Fault::Server),
            ("ResourceNotFound", Fault::Resource),
            ("OperationDenied.InstanceStatusError", Fault::Resource),
            ("InvalidParameterValue", Fault::Client),
            ("9003", Fault::Client),
            ("SomethingNew", Fault::Client),
        ];
        for (code, fault) in cases {
            assert_eq!(fault_of(code), fault, "{code}");
        }
    }

    #[test]
    fn locale_picks_language() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| v.to_string())
            }
        };
        assert_eq!(Lang::from_locale(env(&[("LANG", "ko_KR.UTF-8")])), Lang::Ko);
        assert_eq!(
            Lang::from_locale(env(&[("LC_ALL", "zh_CN.UTF-8"), ("LANG", "ko_KR")])),
            Lang::Zh
        );
        assert_eq!(Lang::from_locale(env(&[("LANG", "C.UTF-8")])), Lang::En);
        assert_eq!(Lang::from_locale(env(&[])), Lang::En);
    }
}
