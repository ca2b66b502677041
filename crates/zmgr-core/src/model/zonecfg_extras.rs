//! The zonecfg settings a template adds to the zones it makes (and pre-install hooks add to
//! one zone), as values: read from templates by `model::template`, checked by
//! `model::zonecfg_value`, written by `host::zonecfg`.

use serde::Serialize;

/// Extra zonecfg settings a template adds to every zone it makes.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ZonecfgExtras {
    /// Global properties: `set NAME="VALUE"`.
    pub properties: Vec<(String, String)>,
    /// `attr` resources: name, type, value.
    pub attrs: Vec<Attr>,
    /// Any other resource: `add TYPE … end`.
    pub resources: Vec<Resource>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Attr {
    pub name: String,
    #[serde(rename = "type")]
    pub ty: String,
    pub value: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Resource {
    #[serde(rename = "type")]
    pub kind: String,
    pub properties: Vec<ResourceProperty>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ResourceProperty {
    pub name: String,
    pub value: ResourceValue,
}

#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum ResourceValue {
    /// `set name="value"`
    Simple(String),
    /// `set name=["a","b"]`
    List(Vec<String>),
    /// `add name (k=v,k=v)`; repeatable
    Complex(Vec<(String, String)>),
}
