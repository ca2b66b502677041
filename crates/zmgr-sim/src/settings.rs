//! Simulator switches: `STATE/settings` (`key=value` lines), overridden by
//! environment variables.

use std::path::Path;

use crate::export::ExportStyle;
use crate::lexer::Dialect;

pub const SETTINGS_FILE: &str = "settings";

#[derive(Clone, Copy, Debug)]
pub struct Settings {
    pub export_style: ExportStyle,
    pub dialect: Dialect,
}

pub const KEYS: [&str; 2] = ["export-style", "zonecfg-dialect"];

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
        _ => false,
    }
}

impl Settings {
    pub fn load(dir: &Path) -> Settings {
        let mut s = Settings {
            export_style: ExportStyle::Quoted,
            dialect: Dialect::OmniOs,
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
            _ => {}
        }
    }
}
