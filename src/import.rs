//! Adopting zones that exist on the system: matching what a zone carries to the registry.

use std::net::IpAddr;

use crate::pool::Pool;
use crate::registry::Registry;
use crate::template::Template;

/// The pool whose network holds `ip`. Pools never overlap (`check` enforces it), so there is at most one.
pub fn pool_for_address(registry: &Registry, ip: IpAddr) -> Option<&Pool> {
    registry
        .pools
        .values()
        .find(|p| p.network.value.contains(&ip))
}

/// How a zone's brand maps to a template.
#[derive(Debug)]
pub enum TemplateMatch<'a> {
    /// The one template for the brand (or the default template, when it has that brand).
    One(&'a Template),
    /// Several templates use the brand and none is the default: a person must choose.
    Several(Vec<&'a Template>),
    None,
}

/// The template a zone of `brand` belongs to: the default template if it has that brand,
/// else the only template with it.
pub fn template_for_brand<'a>(registry: &'a Registry, brand: &str) -> TemplateMatch<'a> {
    let candidates: Vec<&Template> = registry
        .templates
        .values()
        .filter(|t| t.brand.value == brand)
        .collect();
    if let Some(default) = &registry.config.default_template {
        if let Some(t) = candidates.iter().find(|t| t.name.value == default.value) {
            return TemplateMatch::One(t);
        }
    }
    match candidates.len() {
        0 => TemplateMatch::None,
        1 => TemplateMatch::One(candidates[0]),
        _ => TemplateMatch::Several(candidates),
    }
}
