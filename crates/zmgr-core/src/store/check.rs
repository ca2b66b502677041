//! `check`'s cross-file pass: references to things that do not exist, overlapping pools,
//! addresses held twice or outside their pool. Loading a registry checks each file alone;
//! this runs only when asked, so that, say, a template naming a removed pool does not stop
//! `zmgr list`.

use std::collections::HashMap;
use std::net::IpAddr;
use std::path::Path;
use std::sync::Arc;

use crate::model::zone::ZoneState;

use crate::error::{Problem, SourceFile};
use crate::model::pool::Pool;
use crate::model::template::Template;
use crate::model::zone::ZoneEntry;
use crate::store::registry::{Kind, Registry};

impl Registry {
    /// Problems between files: references to things that do not exist, overlaps, doubles.
    pub fn cross_check(&self) -> Vec<Problem> {
        let mut out = Vec::new();
        self.check_config(&mut out);
        for t in self.templates.values() {
            self.check_template(t, &mut out);
        }
        self.check_pool_overlaps(&mut out);
        self.check_shared_pools(&mut out);
        self.check_zones(&mut out);
        out
    }

    /// A shared pool needs config.kdl's `etcd` block to reach its ledger.
    fn check_shared_pools(&self, out: &mut Vec<Problem>) {
        if self.config.etcd.is_some() {
            return;
        }
        for p in self.pools.values() {
            if let Some(span) = p.shared {
                out.push(
                    Problem::error(format!(
                        "pool `{}` keeps its addresses in etcd, and config.kdl has no `etcd` block",
                        p.name.value
                    ))
                    .at(&p.file, span, "shared through etcd")
                    .with_help(
                        "add `etcd { endpoints \"http://HOST:2379\" }` to config.kdl, or drop `ledger \"etcd\"`",
                    ),
                );
            }
        }
    }

    fn check_config(&self, out: &mut Vec<Problem>) {
        let (Some(file), Some(dt)) = (&self.config.file, &self.config.default_template) else {
            return;
        };
        if !self.templates.contains_key(&dt.value) {
            out.push(
                Problem::error(format!("default template `{}` does not exist", dt.value))
                    .at(file, dt.span, "no such template")
                    .with_help(self.available(Kind::Template, &dt.value)),
            );
        }
    }

    fn check_template(&self, t: &Template, out: &mut Vec<Problem>) {
        for pool in t.nets.iter().flatten().map(|n| &n.pool) {
            if self.pools.contains_key(&pool.value) {
                continue;
            }
            out.push(
                Problem::error(format!(
                    "template `{}` uses pool `{}`, which does not exist",
                    t.name.value, pool.value
                ))
                .at(&t.file, pool.span, "no such pool")
                .with_help(self.available(Kind::Pool, &pool.value)),
            );
        }
        for p in &t.publishers {
            if !self.publishers.contains_key(&p.value) {
                out.push(
                    Problem::error(format!(
                        "template `{}` uses publisher `{}`, which does not exist",
                        t.name.value, p.value
                    ))
                    .at(&t.file, p.span, "no such publisher")
                    .with_help(self.available(Kind::Publisher, &p.value)),
                );
            }
        }
        let dir = t.file.path().parent().unwrap_or(Path::new("."));
        for (point, source) in &t.hooks {
            let crate::model::template::HookSource::File(path) = source else {
                continue;
            };
            let full = dir.join(&path.value);
            if !full.is_file() {
                out.push(
                    Problem::error(format!(
                        "{} hook {} of template `{}` does not exist",
                        point.value,
                        full.display(),
                        t.name.value
                    ))
                    .at(&t.file, path.span, "no such file"),
                );
            }
        }
    }

    fn check_pool_overlaps(&self, out: &mut Vec<Problem>) {
        let pools: Vec<&Pool> = self.pools.values().collect();
        for (i, a) in pools.iter().enumerate() {
            for b in &pools[..i] {
                let (na, nb) = (a.network.value, b.network.value);
                if na.contains(&nb.network()) || nb.contains(&na.network()) {
                    out.push(
                        Problem::error(format!(
                            "pools `{}` ({na}) and `{}` ({nb}) overlap",
                            a.name.value, b.name.value
                        ))
                        .at(&a.file, a.network.span, "overlaps another pool")
                        .with_help("an address must belong to one pool; split the networks or merge the pools")
                        .with_related(
                            Problem::error(format!("pool `{}` is here", b.name.value)).at(
                                &b.file,
                                b.network.span,
                                "the other pool",
                            ),
                        ),
                    );
                }
            }
        }
    }

    fn check_zones(&self, out: &mut Vec<Problem>) {
        // Sized once: at tens of thousands of zones a table growing holds its old one too.
        let mut holders: HashMap<IpAddr, (&ZoneEntry, miette::SourceSpan), _> =
            HashMap::with_capacity_and_hasher(
                self.zones.len(),
                crate::model::held::AddressHash::default(),
            );
        let mut links: HashMap<&str, &ZoneEntry> = HashMap::with_capacity(self.zones.len());
        for z in self.zones.values() {
            let Some(file) = &crate::store::index::source_of(&self.root, z) else {
                continue;
            };
            if z.state == ZoneState::Creating {
                out.push(
                    Problem::warning(format!(
                        "zone `{}` is still marked creating",
                        z.name.value
                    ))
                    .at(file, z.name.span, "state creating")
                    .with_help(if crate::fs::lock::create_running(&self.root, &z.name.value) {
                        "a create is running for it"
                    } else {
                        "an interrupted create left it; `zmgr reconcile --fix` removes what it left"
                    }),
                );
            }
            if let Some(t) = &z.template
                && !self.templates.contains_key(&t.value)
            {
                out.push(
                    Problem::warning(format!(
                        "zone `{}` was made from template `{}`, which no longer exists",
                        z.name.value, t.value
                    ))
                    .at(file, t.span, "no such template"),
                );
            }
            for net in &z.nets {
                let span = net.address_span.unwrap_or(z.name.span);
                if net.vnic {
                    // One zone may carry several addresses on one VNIC.
                    if let Some(other) = links
                        .insert(&net.physical, z)
                        .filter(|o| o.name.value != z.name.value)
                    {
                        out.push(
                            Problem::error(format!(
                                "VNIC `{}` is claimed by zones `{}` and `{}`",
                                net.physical, other.name.value, z.name.value
                            ))
                            .at(file, z.name.span, "second claim"),
                        );
                    }
                }
                if let Some(pool_name) = &net.pool {
                    let pspan = net.pool_span.unwrap_or(span);
                    match self.pools.get(pool_name) {
                        None => out.push(
                            Problem::error(format!(
                                "zone `{}` uses pool `{pool_name}`, which does not exist",
                                z.name.value
                            ))
                            .at(file, pspan, "no such pool")
                            .with_help(self.available(Kind::Pool, pool_name)),
                        ),
                        Some(pool) => {
                            if let Some(addr) = net.address {
                                self.check_address_in_pool(z, file, span, addr, pool, out);
                            }
                        }
                    }
                }
                let Some(addr) = net.address else { continue };
                if let Some((other, ospan)) = holders.get(&addr.ip) {
                    let mut p = Problem::error(format!(
                        "address {} is held by zones `{}` and `{}`",
                        addr.ip, other.name.value, z.name.value
                    ))
                    .at(file, span, "held twice")
                    .with_help("each address belongs to one zone; fix one of the entries");
                    if let Some(ofile) = &crate::store::index::source_of(&self.root, other) {
                        p = p.with_related(
                            Problem::error(format!("zone `{}` holds it here", other.name.value))
                                .at(ofile, *ospan, "first holder"),
                        );
                    }
                    out.push(p);
                } else {
                    holders.insert(addr.ip, (z, span));
                }
            }
        }
    }

    fn check_address_in_pool(
        &self,
        z: &ZoneEntry,
        file: &Arc<SourceFile>,
        span: miette::SourceSpan,
        addr: crate::model::zone::ZoneAddress,
        pool: &Pool,
        out: &mut Vec<Problem>,
    ) {
        let net = pool.network.value;
        if !net.contains(&addr.ip) {
            out.push(
                Problem::error(format!(
                    "zone `{}` holds {}, outside its pool `{}` ({net})",
                    z.name.value, addr.ip, pool.name.value
                ))
                .at(file, span, "outside the pool"),
            );
            return;
        }
        if let Some(what) = pool.not_host(addr.ip) {
            out.push(
                Problem::error(format!(
                    "zone `{}` holds {}, which is {} of pool `{}`",
                    z.name.value,
                    addr.ip,
                    what.describe(),
                    pool.name.value
                ))
                .at(file, span, "not a host address of the pool"),
            );
        }
        if let Some(len) = addr.prefix
            && len != net.prefix_len()
        {
            out.push(
                Problem::warning(format!(
                    "zone `{}` has prefix length /{len}, but pool `{}` is {net}",
                    z.name.value, pool.name.value
                ))
                .at(file, span, "prefix differs from the pool's"),
            );
        }
    }
}
