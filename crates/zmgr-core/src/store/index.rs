//! The zone index, `ROOT/.zmgr/zones.index`: every zone entry as it decoded, with the stamp of
//! the file it came from, so that a verb reading the whole ledger checks each file's stamp
//! (one `stat`, no open, no read, no KDL) instead of reading it.
//!
//! The zone files stay the truth. A record is used only while the file it came from has the
//! same stamp (device, inode, size, mtime and ctime: any write changes ctime, which no one can
//! set back), and only stamps older than two seconds when they were read are recorded (the
//! kernel's ctime is coarse: a second write in the same tick could keep it). The list of names
//! is used only while the zones folder has the stamp recorded with it, taken before the folder
//! was listed; a name added, removed or renamed changes it. A file whose stamp differs, or that
//! has no record, is read as if there were no index. An index that is missing, fails its
//! checksum or does not parse is ignored and written again: it is a cache, rebuilt silently.
//!
//! An entry from the index has no text until a problem is shown with it: then its file is
//! read, if it still has the stamp the entry was known by (`error::Deferred`).
//!
//! ```text
//! zmgr zones index 2
//! dir <stamp>|-
//! name <file name>                        (a listed file without a record)
//! zone <file> <stamp> <fields…>           (tab-separated)
//! end <checksum of everything before this line>
//! ```

use std::ffi::{OsStr, OsString};
use std::net::IpAddr;
use std::ops::Range;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use miette::SourceSpan;

use crate::error::{Deferred, SourceFile};
use crate::fs::trust::{Stamp, TrustedDir};
use crate::kdl::Spanned;
use crate::model::template::IpType;
use crate::model::zone::{Net, ZoneAddress, ZoneEntry, ZoneState};

/// The index's file name in `ROOT/.zmgr`.
pub const FILE: &str = "zones.index";
const MAGIC: &[u8] = b"zmgr zones index 2\n";
/// The largest index read (about 200 bytes a zone).
const MAX: u64 = 1 << 30;

/// An index as read: records are decoded when asked for.
pub struct Index {
    bytes: Vec<u8>,
    dir: Option<Stamp>,
    /// Listed names without a record.
    others: Vec<OsString>,
    /// Sorted by name.
    records: Vec<Record>,
}

/// One record, by where its parts are in the index's bytes (its stamp is read when asked for).
struct Record {
    name: Range<u32>,
    stamp: Range<u32>,
    fields: Range<u32>,
}

fn range(r: &Range<u32>) -> Range<usize> {
    r.start as usize..r.end as usize
}

impl Index {
    /// The index of the registry at `root`, when there is one that is trusted and whole.
    pub fn load(root: &Path) -> Option<Index> {
        let dir = TrustedDir::open(&crate::fs::lock::private_dir(root)).ok()?;
        let bytes = dir.read(OsStr::new(FILE), MAX).ok()?;
        Index::parse(bytes)
    }

    /// The stamp the zones folder had when its names were listed, if it was settled then.
    pub fn dir(&self) -> Option<Stamp> {
        self.dir
    }

    /// Every name the zones folder held when it had [`Index::dir`]'s stamp, sorted.
    pub fn names(&self) -> Vec<OsString> {
        let mut names: Vec<OsString> = self
            .records
            .iter()
            .map(|r| OsStr::from_bytes(&self.bytes[range(&r.name)]).to_os_string())
            .chain(self.others.iter().cloned())
            .collect();
        names.sort_unstable();
        names
    }

    /// The stamp recorded for the file `name`.
    pub fn stamp(&self, name: &OsStr) -> Option<Stamp> {
        let r = self.record(name.as_bytes())?;
        parse_stamp(std::str::from_utf8(&self.bytes[range(&r.stamp)]).ok()?)
    }

    fn record(&self, name: &[u8]) -> Option<&Record> {
        // A reader asks in name order, as the records are: the one after the last found is
        // usually the one.
        thread_local!(static NEXT: std::cell::Cell<usize> = const { std::cell::Cell::new(0) });
        let next = NEXT.get();
        let at = match self.records.get(next) {
            Some(r) if &self.bytes[range(&r.name)] == name => next,
            _ => self
                .records
                .binary_search_by(|r| self.bytes[range(&r.name)].cmp(name))
                .ok()?,
        };
        NEXT.set(at + 1);
        Some(&self.records[at])
    }

    /// Each interface's link and address of the file `name`, when its record has this stamp,
    /// without decoding the rest of the entry.
    pub fn nets(&self, name: &OsStr, stamp: &Stamp) -> Option<Vec<(String, Option<IpAddr>)>> {
        let fields = self.fields(name, stamp)?;
        let mut f = fields.split('\t').skip(9);
        let count: usize = f.next()?.parse().ok()?;
        let mut nets = Vec::with_capacity(count.min(64));
        for _ in 0..count {
            let link = f
                .next()
                .filter(|l| crate::model::names::link_name_error(l).is_none())?;
            let address = match f.next()? {
                "" => None,
                a => Some(a.parse::<ZoneAddress>().ok()?.ip),
            };
            nets.push((link.to_string(), address));
            f.nth(3)?;
        }
        f.next().is_none().then_some(nets)
    }

    /// The entry of the file `name` when its record has this stamp.
    pub fn entry(&self, name: &OsStr, stamp: &Stamp) -> Option<ZoneEntry> {
        let fields = self.fields(name, stamp)?;
        decode_entry(fields, *stamp)
    }

    /// The fields of the record of `name` when it has this stamp.
    fn fields(&self, name: &OsStr, stamp: &Stamp) -> Option<&str> {
        let name = name.as_bytes();
        let r = self.record(name)?;
        // A record holds the zone its file is named for (only such entries are recorded).
        let fields = &self.bytes[range(&r.fields)];
        let stem = &name[..name.len() - ".kdl".len()];
        if fields.get(..stem.len()) != Some(stem) || fields.get(stem.len()) != Some(&b'\t') {
            return None;
        }
        let recorded = parse_stamp(std::str::from_utf8(&self.bytes[range(&r.stamp)]).ok()?)?;
        if recorded != *stamp {
            return None;
        }
        std::str::from_utf8(&self.bytes[range(&r.fields)]).ok()
    }

    fn parse(bytes: Vec<u8>) -> Option<Index> {
        let body_end = bytes[..bytes.len().checked_sub(1)?]
            .iter()
            .rposition(|&b| b == b'\n')?
            + 1;
        let sum = bytes[body_end..]
            .strip_prefix(b"end\t")?
            .strip_suffix(b"\n")?;
        if std::str::from_utf8(sum).ok()? != format!("{:016x}", checksum(&bytes[..body_end])) {
            return None;
        }
        let mut at = MAGIC.len();
        if bytes.get(..at)? != MAGIC {
            return None;
        }
        let line = |at: &mut usize| -> Option<Range<usize>> {
            let end = *at + bytes[*at..body_end].iter().position(|&b| b == b'\n')?;
            let r = *at..end;
            *at = end + 1;
            Some(r)
        };
        let first = line(&mut at)?;
        let dir = match bytes[first].strip_prefix(b"dir\t")? {
            b"-" => None,
            s => Some(parse_stamp(std::str::from_utf8(s).ok()?)?),
        };
        // Offsets are kept as u32: an index is far below 4 GiB (see MAX).
        if bytes.len() as u64 > MAX {
            return None;
        }
        let mut others = Vec::new();
        let mut records: Vec<Record> = Vec::new();
        while at < body_end {
            let l = line(&mut at)?;
            let text = &bytes[l.clone()];
            if let Some(name) = text.strip_prefix(b"name\t") {
                if !file_name(name) {
                    return None;
                }
                others.push(OsStr::from_bytes(name).to_os_string());
                continue;
            }
            let rest = std::str::from_utf8(text.strip_prefix(b"zone\t")?).ok()?;
            let mut parts = rest.splitn(3, '\t');
            let name = parts.next().filter(|n| file_name(n.as_bytes()))?;
            let stamp = parts.next()?;
            let fields_len = parts.next()?.len();
            let start = l.start + "zone\t".len();
            let stamp_start = start + name.len() + 1;
            let record = Record {
                name: start as u32..(start + name.len()) as u32,
                stamp: stamp_start as u32..(stamp_start + stamp.len()) as u32,
                fields: (l.end - fields_len) as u32..l.end as u32,
            };
            records.push(record);
        }
        others.sort_unstable();
        if others.windows(2).any(|w| w[0] == w[1]) {
            return None;
        }
        // Written in name order; sorted only if someone else wrote it otherwise.
        if !records.is_sorted_by(|a, b| bytes[range(&a.name)] <= bytes[range(&b.name)]) {
            records.sort_unstable_by(|a, b| bytes[range(&a.name)].cmp(&bytes[range(&b.name)]));
        }
        if records
            .windows(2)
            .any(|w| bytes[range(&w[0].name)] == bytes[range(&w[1].name)])
        {
            return None;
        }
        // A name is a record or a plain name, not both.
        if others.iter().any(|o| {
            records
                .binary_search_by(|r| bytes[range(&r.name)].cmp(o.as_bytes()))
                .is_ok()
        }) {
            return None;
        }
        Some(Index {
            bytes,
            dir,
            others,
            records,
        })
    }
}

/// Builds an index's bytes: the zones folder's stamp when settled (taken before it was listed),
/// every name listed, and a record for each entry given (see [`recordable`]).
pub fn encode<'a>(
    dir: Option<Stamp>,
    names: &[OsString],
    entries: impl IntoIterator<Item = (&'a OsStr, Stamp, &'a ZoneEntry)>,
) -> Vec<u8> {
    let mut out = Vec::with_capacity(names.len() * 200 + 64);
    out.extend_from_slice(MAGIC);
    // A name a line cannot hold is not recorded; then the list is not whole, and the folder
    // must be listed each time: no stamp for it.
    let dir = dir.filter(|_| names.iter().all(|n| !n.as_bytes().contains(&b'\n')));
    match dir {
        Some(s) => out.extend_from_slice(format!("dir\t{}\n", stamp_text(&s)).as_bytes()),
        None => out.extend_from_slice(b"dir\t-\n"),
    }
    let mut recorded = std::collections::HashSet::new();
    for (name, stamp, entry) in entries {
        let Some(fields) = encode_entry(entry) else {
            continue;
        };
        let Some(n) = name.to_str().filter(|n| plain(n)) else {
            continue;
        };
        recorded.insert(name);
        out.extend_from_slice(format!("zone\t{n}\t{}\t{fields}\n", stamp_text(&stamp)).as_bytes());
    }
    for name in names {
        let bytes = name.as_bytes();
        if !recorded.contains(name.as_os_str()) && !bytes.contains(&b'\n') {
            out.extend_from_slice(b"name\t");
            out.extend_from_slice(bytes);
            out.push(b'\n');
        }
    }
    let sum = checksum(&out);
    out.extend_from_slice(format!("end\t{sum:016x}\n").as_bytes());
    out
}

/// Writes the index of the registry at `root`. It is a cache: a failure is not an error of the
/// verb, and the next reader builds it again.
pub fn save(root: &Path, bytes: &[u8]) {
    // Only beside zmgr's locks: a verb that only reads does not make the folder.
    let private = crate::fs::lock::private_dir(root);
    if !std::fs::symlink_metadata(&private).is_ok_and(|m| m.is_dir()) {
        return;
    }
    if crate::fs::private::write(root, FILE, bytes).is_ok() {
        crate::fs::private::sweep(root);
    }
}

/// Whether a stamp can be recorded: it was settled when read (see [`Stamp::recent`]).
pub fn recordable(stamp: &Stamp) -> bool {
    !stamp.recent()
}

/// A name a listing of the zones folder gives: `NAME.kdl`, no folder in it, no dot file. (The
/// names are opened in that folder: one from the index that named another file would read it.)
fn file_name(name: &[u8]) -> bool {
    name.len() > 4
        && name.ends_with(b".kdl")
        && name[0] != b'.'
        && !name.contains(&b'/')
        && !name.contains(&0)
}

/// A field holds no tab or line break.
fn plain(s: &str) -> bool {
    !s.contains(['\t', '\n', '\r'])
}

fn stamp_text(s: &Stamp) -> String {
    let n = s.numbers();
    format!(
        "{} {} {} {} {} {} {}",
        n[0], n[1], n[2], n[3], n[4], n[5], n[6]
    )
}

fn parse_stamp(s: &str) -> Option<Stamp> {
    let mut n = [0i64; 7];
    let mut parts = s.split(' ');
    for v in &mut n {
        *v = parts.next()?.parse().ok()?;
    }
    parts.next().is_none().then(|| Stamp::from_numbers(n))
}

fn span_text(s: Option<SourceSpan>) -> String {
    s.map_or(String::new(), |s| format!("{}+{}", s.offset(), s.len()))
}

fn parse_span(s: &str) -> Option<Option<SourceSpan>> {
    if s.is_empty() {
        return Some(None);
    }
    let (off, len) = s.split_once('+')?;
    let (off, len): (usize, usize) = (off.parse().ok()?, len.parse().ok()?);
    (off.checked_add(len)? <= MAX_ENTRY).then(|| Some(SourceSpan::new(off.into(), len)))
}

/// No registry file is larger (see `store::registry`): a span past it is a damaged record.
const MAX_ENTRY: usize = 16 << 20;

/// An entry's fields, or `None` when it cannot be recorded (not read from a file, or a field
/// that would break the line format).
fn encode_entry(e: &ZoneEntry) -> Option<String> {
    if e.file.is_none() && e.known.is_none() {
        return None;
    }
    // An empty value is written as none: an entry holding one would read back otherwise.
    let empty = |v: Option<&String>| v.is_some_and(|v| v.is_empty());
    if empty(e.template.as_ref().map(|t| &t.value))
        || empty(e.created.as_ref())
        || e.nets.iter().any(|n| empty(n.pool.as_ref()))
    {
        return None;
    }
    let mut f = vec![
        e.name.value.clone(),
        span_text(Some(e.name.span)),
        e.brand.clone(),
        e.template
            .as_ref()
            .map_or(String::new(), |t| t.value.clone()),
        span_text(e.template.as_ref().map(|t| t.span)),
        e.zonepath.to_str()?.to_string(),
        e.ip_type.as_str().to_string(),
        e.state.as_str().to_string(),
        e.created.clone().unwrap_or_default(),
        e.nets.len().to_string(),
    ];
    for n in &e.nets {
        f.extend([
            n.physical.clone(),
            n.address.map_or(String::new(), |a| a.to_string()),
            span_text(n.address_span),
            n.pool.clone().unwrap_or_default(),
            span_text(n.pool_span),
            u8::from(n.vnic).to_string(),
        ]);
    }
    if !f.iter().all(|v| plain(v)) {
        return None;
    }
    Some(f.join("\t"))
}

/// The entry a record's fields describe, checked as far as a record can be wrong: every value
/// parses, the name is a zone name. Its text is read when a problem is shown with it.
fn decode_entry(fields: &str, stamp: Stamp) -> Option<ZoneEntry> {
    let mut f = fields.split('\t');
    let mut next = || f.next();
    let name = next()?.to_string();
    let name_span = parse_span(next()?)??;
    if crate::model::names::zone_name_error(&name).is_some() {
        return None;
    }
    let brand = next()?.to_string();
    if crate::model::names::brand_name_error(&brand).is_some() {
        return None;
    }
    let template = next()?;
    let template_span = parse_span(next()?)?;
    let template = match (template, template_span) {
        ("", None) => None,
        (t, Some(span)) if !t.is_empty() => Some(Spanned::new(t.to_string(), span)),
        _ => return None,
    };
    let zonepath = next().filter(|z| crate::model::names::zonepath_error(z).is_none())?;
    let zonepath = PathBuf::from(zonepath);
    let ip_type = IpType::parse(next()?)?;
    let state: ZoneState = next()?.parse().ok()?;
    let created = Some(next()?.to_string()).filter(|c| !c.is_empty());
    if created
        .as_deref()
        .is_some_and(|c| crate::time::parse_rfc3339(c).is_none())
    {
        return None;
    }
    let count: usize = next()?.parse().ok()?;
    let mut nets = Vec::with_capacity(count.min(64));
    for _ in 0..count {
        let physical = next()
            .filter(|p| crate::model::names::link_name_error(p).is_none())?
            .to_string();
        let address = match next()? {
            "" => None,
            a => Some(a.parse::<ZoneAddress>().ok()?),
        };
        let address_span = parse_span(next()?)?;
        let pool = Some(next()?.to_string()).filter(|p| !p.is_empty());
        let pool_span = parse_span(next()?)?;
        let vnic = match next()? {
            "0" => false,
            "1" => true,
            _ => return None,
        };
        nets.push(Net {
            physical,
            address,
            pool,
            vnic,
            address_span,
            pool_span,
        });
    }
    if next().is_some() {
        return None;
    }
    Some(ZoneEntry {
        file: None,
        known: Some(stamp_hash(&stamp)),
        name: Spanned::new(name, name_span),
        brand,
        template,
        zonepath,
        ip_type,
        state,
        created,
        nets,
    })
}

/// The file of a zone entry, to show a problem with: the one it was read from, or for an entry
/// known by its stamp, one whose text is read when it is shown (see [`read_if_unchanged`]).
pub fn source_of(root: &Path, entry: &ZoneEntry) -> Option<Arc<SourceFile>> {
    if let Some(f) = &entry.file {
        return Some(f.clone());
    }
    let known = entry.known?;
    let path = crate::store::kind::Kind::Zone.path(root, &entry.name.value);
    Some(SourceFile::deferred(
        path,
        Deferred {
            read: read_if_unchanged,
            known,
        },
    ))
}

/// A hash of a stamp, to tell later whether a file still has it.
fn stamp_hash(stamp: &Stamp) -> u64 {
    let mut bytes = Vec::with_capacity(56);
    for n in stamp.numbers() {
        bytes.extend_from_slice(&n.to_le_bytes());
    }
    checksum(&bytes)
}

/// The text of a zone file known by its stamp, read when a problem is shown with it: only
/// while the file still has that stamp (else the spans would point into other text).
fn read_if_unchanged(path: &Path, known: u64) -> Option<String> {
    let dir = TrustedDir::open(path.parent()?).ok()?;
    let read = dir.read_unless(path.file_name()?, MAX_ENTRY as u64, |s| {
        stamp_hash(s) != known
    });
    match read.ok()? {
        crate::fs::trust::Stamped::Read(_, bytes) => String::from_utf8(bytes).ok(),
        crate::fs::trust::Stamped::Known(_) => None,
    }
}

/// A 64-bit checksum that catches a damaged index (not a forged one: only root writes it).
fn checksum(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ bytes.len() as u64;
    let mut words = bytes.chunks_exact(8);
    for w in &mut words {
        h = (h ^ u64::from_le_bytes(w.try_into().expect("8 bytes"))).wrapping_mul(0x100_0000_01b3);
        h ^= h >> 29;
    }
    let mut last = [0u8; 8];
    last[..words.remainder().len()].copy_from_slice(words.remainder());
    h = (h ^ u64::from_le_bytes(last)).wrapping_mul(0x100_0000_01b3);
    h ^ (h >> 32)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ENTRIES: &[&str] = &[
        "zone \"web01\" {\n    brand \"ipkg\"\n    template \"web\"\n    zonepath \"/zones/web01\"\n    ip-type \"exclusive\"\n    state \"running\"\n    created \"2026-11-25T20:36:37Z\"\n    net \"web01_0\" address=\"10.0.0.5/24\" pool=\"lan\" vnic=#true\n    net \"web01_1\" address=\"192.0.2.7\" pool=\"dmz\" vnic=#true\n}\n",
        // Hand-written: no template, no time, a shared-IP link without pool, comments.
        "// by hand\nzone \"db\" {\n  brand \"nlipkg\"; zonepath \"/zones/db\"\n  ip-type \"shared\"\n  state \"installed\" // yes\n  net \"e1000g0\" address=\"2001:db8::5/64\"\n  net \"e1000g1\"\n}\n",
        "zone \"bare\" {\n    brand \"ipkg\"\n    zonepath \"/zones/bare\"\n    state \"configured\"\n}\n",
    ];

    fn decoded(path: &Path, text: &str) -> ZoneEntry {
        let file = crate::kdl::source_from_bytes(path, text.into()).unwrap();
        let doc = crate::kdl::parse(&file).unwrap();
        let mut problems = Vec::new();
        let e = ZoneEntry::decode(&file, &doc, &mut problems).unwrap();
        assert!(problems.is_empty(), "{problems:?}");
        e
    }

    /// The entry without its file, to compare what was decoded.
    fn fields(e: &ZoneEntry) -> String {
        let mut e = e.clone();
        e.file = None;
        e.known = None;
        format!("{e:?}")
    }

    fn stamp(i: i64) -> Stamp {
        Stamp::from_numbers([1, 1000 + i, 250, 1_700_000_000, 5, 1_700_000_000, 7 + i])
    }

    /// A registry's root, its zone entries, and an index of them with their true stamps.
    fn built(tag: &str) -> (PathBuf, Vec<ZoneEntry>, Vec<OsString>, Vec<u8>) {
        let root = std::env::temp_dir().join(format!("zmgr-index-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let dir = root.join("zones");
        std::fs::create_dir_all(&dir).unwrap();
        let folder = TrustedDir::open(&dir).unwrap();
        let mut entries = Vec::new();
        let mut names: Vec<OsString> = Vec::new();
        let mut stamps = Vec::new();
        for text in ENTRIES {
            let name = text.split('"').nth(1).unwrap();
            let file = format!("{name}.kdl");
            std::fs::write(dir.join(&file), text).unwrap();
            stamps.push(folder.stamp_of(OsStr::new(&file)).unwrap());
            entries.push(decoded(&dir.join(&file), text));
            names.push(file.into());
        }
        names.push("broken.kdl".into());
        let bytes = encode(
            Some(stamp(99)),
            &names,
            entries
                .iter()
                .zip(&names)
                .zip(&stamps)
                .map(|((e, n), s)| (n.as_os_str(), *s, e)),
        );
        (root, entries, names, bytes)
    }

    #[test]
    fn a_record_gives_back_the_entry_as_the_file_decodes_and_its_text_while_unchanged() {
        let (root, entries, names, bytes) = built("roundtrip");
        let dir = root.join("zones");
        let folder = TrustedDir::open(&dir).unwrap();
        let index = Index::parse(bytes).expect("parses");
        assert_eq!(index.dir(), Some(stamp(99)));
        let mut listed = index.names();
        listed.sort();
        let mut want = names.clone();
        want.sort();
        assert_eq!(listed, want);
        for (e, n) in entries.iter().zip(&names) {
            let s = folder.stamp_of(n).unwrap();
            let got = index.entry(n, &s).expect("recorded");
            assert_eq!(fields(&got), fields(e));
            let file = source_of(&root, &got).unwrap();
            assert_eq!(file.path(), dir.join(n));
            assert_eq!(file.text(), e.file.as_ref().unwrap().text());
            // Another stamp is another file: not known.
            assert!(index.entry(n, &stamp(0)).is_none());
        }
        assert!(index.entry(OsStr::new("broken.kdl"), &stamp(0)).is_none());
        // Changed after it was known (same size): its text is not the old one's spans' text.
        let n = &names[0];
        let got = index.entry(n, &folder.stamp_of(n).unwrap()).unwrap();
        let text = ENTRIES[0].replace("10.0.0.5", "10.0.0.6");
        std::fs::write(dir.join(n), text).unwrap();
        assert_eq!(source_of(&root, &got).unwrap().text(), "");
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn a_damaged_index_is_not_used_whatever_byte_changed_or_was_cut() {
        let (dir, _, _, bytes) = built("damaged");
        std::fs::remove_dir_all(&dir).unwrap();
        for i in 0..bytes.len() {
            let mut b = bytes.clone();
            b[i] ^= 0x20;
            assert!(Index::parse(b).is_none(), "byte {i} flipped");
            assert!(Index::parse(bytes[..i].to_vec()).is_none(), "cut at {i}");
        }
        assert!(Index::parse(bytes).is_some());
    }

    #[test]
    fn an_entry_a_line_cannot_hold_is_left_out_not_written_broken() {
        let mut e = decoded(Path::new("/r/zones/bare.kdl"), ENTRIES[2]);
        e.zonepath = PathBuf::from("/zones/a\tb");
        let names = [OsString::from("bare.kdl")];
        let bytes = encode(None, &names, [(OsStr::new("bare.kdl"), stamp(0), &e)]);
        let index = Index::parse(bytes).unwrap();
        assert_eq!(index.names(), names);
        assert!(index.entry(OsStr::new("bare.kdl"), &stamp(0)).is_none());
    }

    #[test]
    fn an_empty_pool_or_a_name_with_a_line_break_is_not_recorded_as_something_else() {
        let text = "zone \"p\" {\n    brand \"ipkg\"\n    zonepath \"/zones/p\"\n    state \"installed\"\n    net \"p_0\" address=\"10.0.0.9/24\" pool=\"\"\n}\n";
        let e = decoded(Path::new("/r/zones/p.kdl"), text);
        let names = [OsString::from("p.kdl"), OsString::from("a\nb.kdl")];
        let bytes = encode(
            Some(stamp(9)),
            &names,
            [(OsStr::new("p.kdl"), stamp(0), &e)],
        );
        let index = Index::parse(bytes).unwrap();
        assert!(index.entry(OsStr::new("p.kdl"), &stamp(0)).is_none());
        // The list is not whole, so it is not offered in place of listing the folder.
        assert_eq!(index.dir(), None);
    }

    #[test]
    fn names_that_would_leave_the_zones_folder_are_a_damaged_index() {
        for name in ["../config.kdl", ".hidden.kdl", "a/b.kdl", "x.txt"] {
            let mut body = MAGIC.to_vec();
            body.extend_from_slice(format!("dir\t-\nname\t{name}\n").as_bytes());
            let sum = checksum(&body);
            body.extend_from_slice(format!("end\t{sum:016x}\n").as_bytes());
            assert!(Index::parse(body).is_none(), "{name}");
        }
    }
}
