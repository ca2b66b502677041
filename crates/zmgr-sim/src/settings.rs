//! Simulator switches: `STATE/settings` (`key=value` lines), overridden by
//! environment variables.

use std::path::Path;

use crate::export::ExportStyle;
use crate::lexer::Dialect;

pub const SETTINGS_FILE: &str = "settings";

#[derive(Clone, Debug)]
pub struct Settings {
    pub export_style: ExportStyle,
    pub dialect: Dialect,
    /// The publishers whose catalog has the `entire` incorporation
    /// (pkgcreatezone checks the preferred one).
    pub publishers_with_entire: Vec<String>,
    /// Seconds after boot before a zone's `svc:/milestone/multi-user` is online.
    pub multi_user_delay: f64,
    /// Whether dladm's show-vnic has the ZONE field (illumos since 2019,
    /// OmniOS r151030); `false` plays an older dladm.
    pub dladm_vnic_zone: bool,
}

pub const KEYS: [&str; 5] = [
    "export-style",
    "zonecfg-dialect",
    "publishers-with-entire",
    "multi-user-delay",
    "dladm-vnic-zone",
];

/// `publishers-with-entire` by default.
pub const DEFAULT_PUBLISHERS_WITH_ENTIRE: &str = "openindiana.org,omnios";

fn parse_list(s: &str) -> Vec<String> {
    s.split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(str::to_string)
        .collect()
}

fn parse_delay(s: &str) -> Option<f64> {
    s.parse::<f64>().ok().filter(|d| d.is_finite() && *d >= 0.0)
}

fn parse_yes_no(s: &str) -> Option<bool> {
    match s {
        "yes" => Some(true),
        "no" => Some(false),
        _ => None,
    }
}

pub fn parse_dialect(s: &str) -> Option<Dialect> {
    match s {
        "omnios" => Some(Dialect::OmniOs),
        "gate" => Some(Dialect::Gate),
        _ => None,
    }
}

/// Checks a value for a settings key.
pub fn valid(key: &str, value: &str) -> bool {
    match key {
        "export-style" => ExportStyle::parse(value).is_some(),
        "zonecfg-dialect" => parse_dialect(value).is_some(),
        "publishers-with-entire" => true,
        "multi-user-delay" => parse_delay(value).is_some(),
        "dladm-vnic-zone" => parse_yes_no(value).is_some(),
        _ => false,
    }
}

impl Settings {
    pub fn load(dir: &Path) -> Settings {
        let mut s = Settings {
            export_style: ExportStyle::Quoted,
            dialect: Dialect::OmniOs,
            publishers_with_entire: parse_list(DEFAULT_PUBLISHERS_WITH_ENTIRE),
            multi_user_delay: 0.0,
            dladm_vnic_zone: true,
        };
        if let Ok(text) = std::fs::read_to_string(dir.join(SETTINGS_FILE)) {
            for line in text.lines() {
                if let Some((k, v)) = line.split_once('=') {
                    s.apply(k.trim(), v.trim());
                }
            }
        }
        if let Ok(v) = std::env::var("ZMGR_SIM_EXPORT_STYLE") {
            s.apply("export-style", &v);
        }
        if let Ok(v) = std::env::var("ZMGR_SIM_ZONECFG_DIALECT") {
            s.apply("zonecfg-dialect", &v);
        }
        if let Ok(v) = std::env::var("ZMGR_SIM_PUBLISHERS_WITH_ENTIRE") {
            s.apply("publishers-with-entire", &v);
        }
        if let Ok(v) = std::env::var("ZMGR_SIM_MULTI_USER_DELAY") {
            s.apply("multi-user-delay", &v);
        }
        if let Ok(v) = std::env::var("ZMGR_SIM_DLADM_VNIC_ZONE") {
            s.apply("dladm-vnic-zone", &v);
        }
        s
    }

    fn apply(&mut self, key: &str, value: &str) {
        match key {
            "export-style" => {
                if let Some(st) = ExportStyle::parse(value) {
                    self.export_style = st;
                }
            }
            "zonecfg-dialect" => {
                if let Some(d) = parse_dialect(value) {
                    self.dialect = d;
                }
            }
            "publishers-with-entire" => self.publishers_with_entire = parse_list(value),
            "multi-user-delay" => {
                if let Some(d) = parse_delay(value) {
                    self.multi_user_delay = d;
                }
            }
            "dladm-vnic-zone" => {
                if let Some(b) = parse_yes_no(value) {
                    self.dladm_vnic_zone = b;
                }
            }
            _ => {}
        }
    }
}
