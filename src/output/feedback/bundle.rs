//! Statement bundles: `feedback/NAME.zip`, one per department (a large
//! department in parts of at most [`PART_EMPLOYEES`] employees), holding
//! `ID.md` and `ID.html` of each of its employees in employee id order.
//!
//! The zip is written here rather than by the `zip` crate so that entries
//! can be compressed on every core and the archive streamed to disk and
//! hashed as it grows. It is a plain zip (no zip64, no extra fields):
//! entries deflated at a fixed level, UTF-8 names, every time stamp the
//! period's first day, Unix mode 0644, so the bytes depend only on the
//! statements.

use crate::error::{Error, Result};
use crate::output::atomic::Staging;
use crate::output::manifest::{FileHash, Streamed};
use std::collections::{BTreeMap, BTreeSet};

/// Employees per bundle at most: two entries each stays far below zip's
/// 65,535 entries without zip64.
pub const PART_EMPLOYEES: usize = 10_000;
/// A bundle is closed after the employee that takes it past this size, so
/// its offsets stay below zip's 4 GiB (a statement has at most 4 MiB).
const PART_BYTES: u64 = 1 << 30;
/// Deflate level of every entry: the fastest (docs/performance.md).
const LEVEL: u32 = 1;

/// One file inside a bundle, compressed.
pub struct Entry {
    pub name: String,
    crc: u32,
    size: u32,
    data: Vec<u8>,
}

impl Entry {
    /// Deflates `bytes` as the entry `name`.
    pub fn new(name: String, bytes: &[u8]) -> Result<Entry> {
        let size = u32::try_from(bytes.len())
            .map_err(|_| Error::Usage(format!("statement {name} is larger than 4 GiB")))?;
        // crc32fast: several times faster here than flate2's Crc.
        let crc = crc32fast::hash(bytes);
        let data = DEFLATER
            .with_borrow_mut(|d| deflate(d, bytes))
            .map_err(|e| Error::Usage(format!("cannot compress statement {name}: {e}")))?;
        Ok(Entry {
            name,
            crc,
            size,
            data,
        })
    }
}

thread_local! {
    /// Each worker's deflater, reset for every entry: a new one costs more
    /// than deflating a statement (it allocates and clears its tables).
    static DEFLATER: std::cell::RefCell<flate2::Compress> =
        std::cell::RefCell::new(flate2::Compress::new(flate2::Compression::new(LEVEL), false));
    /// The last style sheet this worker deflated, and its deflate blocks.
    static STYLE: std::cell::RefCell<(Vec<u8>, Vec<u8>)> =
        const { std::cell::RefCell::new((Vec::new(), Vec::new())) };
}

/// A style sheet shorter than this is deflated with the rest.
const MIN_STYLE: usize = 1024;
/// Nor is a style sheet after more text than this (stored, see [`stored`]).
const MAX_HEAD: usize = 4096;

/// Where the first `<style>…</style>` of an HTML text is, when it is long
/// and near the start.
fn style_sheet(bytes: &[u8]) -> Option<std::ops::Range<usize>> {
    let start = memchr::memmem::find(&bytes[..bytes.len().min(MAX_HEAD)], b"<style")?;
    let end = start + memchr::memmem::find(&bytes[start..], b"</style>")? + b"</style>".len();
    (end - start >= MIN_STYLE).then_some(start..end)
}

/// `bytes` as one raw deflate stream. Every HTML statement of a run
/// carries the same style sheet (a quarter of its bytes), so it is
/// deflated once per worker and its blocks reused: the text before it is
/// stored, the sheet's blocks end on a byte boundary (a sync flush) and the
/// text after it is deflated apart, which joins them into one valid
/// stream. Any other text: the bytes `flate2::write::DeflateEncoder` gives.
fn deflate(d: &mut flate2::Compress, bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    use flate2::FlushCompress::{Finish, Sync};
    let mut out = Vec::with_capacity(bytes.len() / 2 + 64);
    let Some(sheet) = style_sheet(bytes) else {
        part(d, bytes, Finish, &mut out)?;
        return Ok(out);
    };
    stored(&bytes[..sheet.start], &mut out);
    let sheet_text = &bytes[sheet.clone()];
    STYLE.with_borrow_mut(|(text, blocks)| {
        if text[..] != *sheet_text {
            // A new buffer: the blocks must not depend on an earlier sheet.
            let mut fresh = Vec::new();
            part(d, sheet_text, Sync, &mut fresh)?;
            *text = sheet_text.to_vec();
            *blocks = fresh;
        }
        out.extend_from_slice(blocks);
        std::io::Result::Ok(())
    })?;
    part(d, &bytes[sheet.end..], Finish, &mut out)?;
    Ok(out)
}

/// Appends `bytes` as stored (uncompressed) deflate blocks, none final. The
/// text before a style sheet is short (the head up to the title); storing
/// it spares a reset of the deflater, which costs more than deflating it.
fn stored(bytes: &[u8], out: &mut Vec<u8>) {
    for chunk in bytes.chunks(usize::from(u16::MAX)) {
        // BFINAL 0, BTYPE 00, padded to the byte; LEN and its complement.
        let len = chunk.len() as u16;
        out.push(0);
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(chunk);
    }
}

/// Appends `bytes` deflated by a reset `d` to `out`: all the input first,
/// then `end` (the end of the stream, or a sync flush) as a separate step.
fn part(
    d: &mut flate2::Compress,
    bytes: &[u8],
    end: flate2::FlushCompress,
    out: &mut Vec<u8>,
) -> std::io::Result<()> {
    use flate2::{FlushCompress, Status};
    d.reset();
    let mut flush = FlushCompress::None;
    loop {
        let read = d.total_in() as usize;
        // Room for all the rest, so a sync flush ends in one call (never a
        // second marker) whatever the buffer held before: level 1 writes a
        // byte in at most 9 bits, plus a few bytes a block.
        let rest = bytes.len() - read;
        out.reserve(rest + rest / 4 + 128);
        let status = d
            .compress_vec(&bytes[read..], out, flush)
            .map_err(std::io::Error::other)?;
        let room = out.len() < out.capacity();
        match (status, flush) {
            (Status::StreamEnd, _) => return Ok(()),
            (_, FlushCompress::Sync) if room => return Ok(()),
            (_, FlushCompress::None) if d.total_in() as usize == bytes.len() => flush = end,
            _ => {}
        }
    }
}

/// A central directory record kept until the bundle is closed.
struct Central {
    name: String,
    crc: u32,
    compressed: u32,
    size: u32,
    offset: u32,
}

/// A bundle being written.
pub struct Bundle {
    file: Streamed,
    dos_date: u16,
    entries: Vec<Central>,
    offset: u64,
    employees: usize,
}

/// The MS-DOS date of `day` (zip's time stamp; from 1980 on).
pub fn dos_date(day: chrono::NaiveDate) -> u16 {
    use chrono::Datelike;
    let year = day.year().clamp(1980, 2107) as u16;
    ((year - 1980) << 9) | ((day.month() as u16) << 5) | day.day() as u16
}

const VERSION: u16 = 20;
/// Bit 11: names are UTF-8.
const FLAGS: u16 = 1 << 11;
const DEFLATED: u16 = 8;

impl Bundle {
    pub fn create(staging: &Staging, rel: &str, dos_date: u16) -> Result<Bundle> {
        Ok(Bundle {
            file: Streamed::create(staging, rel)?,
            dos_date,
            entries: Vec::new(),
            offset: 0,
            employees: 0,
        })
    }

    /// Whether the bundle is full: the next employee goes into a new part.
    pub fn full(&self) -> bool {
        self.employees >= PART_EMPLOYEES || self.offset >= PART_BYTES
    }

    /// Adds one employee's entries.
    pub fn add(&mut self, entries: &[Entry]) -> Result<()> {
        for e in entries {
            let mut head = Vec::with_capacity(30 + e.name.len());
            let compressed = e.data.len() as u32;
            put(&mut head, &[0x0403_4b50]);
            put16(&mut head, &[VERSION, FLAGS, DEFLATED, 0, self.dos_date]);
            put(&mut head, &[e.crc, compressed, e.size]);
            put16(&mut head, &[e.name.len() as u16, 0]);
            head.extend_from_slice(e.name.as_bytes());
            self.entries.push(Central {
                name: e.name.clone(),
                crc: e.crc,
                compressed,
                size: e.size,
                offset: self.offset as u32,
            });
            self.file.push_bytes(&head)?;
            self.file.push_bytes(&e.data)?;
            self.offset += (head.len() + e.data.len()) as u64;
        }
        self.employees += 1;
        Ok(())
    }

    /// Writes the central directory; the bundle's manifest entry.
    pub fn finish(mut self) -> Result<FileHash> {
        let mut dir = Vec::new();
        for c in &self.entries {
            put(&mut dir, &[0x0201_4b50]);
            // Made by Unix (3), so the external attributes hold the mode.
            put16(&mut dir, &[(3 << 8) | VERSION, VERSION, FLAGS, DEFLATED]);
            put16(&mut dir, &[0, self.dos_date]);
            put(&mut dir, &[c.crc, c.compressed, c.size]);
            put16(&mut dir, &[c.name.len() as u16, 0, 0, 0, 0]);
            put(&mut dir, &[0o100_644 << 16, c.offset]);
            dir.extend_from_slice(c.name.as_bytes());
        }
        let n = self.entries.len() as u16;
        let mut end = Vec::with_capacity(22);
        put(&mut end, &[0x0605_4b50]);
        put16(&mut end, &[0, 0, n, n]);
        put(&mut end, &[dir.len() as u32, self.offset as u32]);
        put16(&mut end, &[0]);
        self.file.push_bytes(&dir)?;
        self.file.push_bytes(&end)?;
        self.file.finish(self.employees)
    }
}

fn put(out: &mut Vec<u8>, values: &[u32]) {
    for v in values {
        out.extend_from_slice(&v.to_le_bytes());
    }
}

fn put16(out: &mut Vec<u8>, values: &[u16]) {
    for v in values {
        out.extend_from_slice(&v.to_le_bytes());
    }
}

/// Windows refuses these as file names, whatever the extension.
const RESERVED: [&str; 22] = [
    "con", "prn", "aux", "nul", "com1", "com2", "com3", "com4", "com5", "com6", "com7", "com8",
    "com9", "lpt1", "lpt2", "lpt3", "lpt4", "lpt5", "lpt6", "lpt7", "lpt8", "lpt9",
];
/// Longer names are cut and made unique by a hash of the department id.
const MAX_NAME: usize = 120;

/// `id` as a file name: ASCII letters, digits, `-`, `_` and `.` (not
/// first) as they are, every other byte as `%XX`, upper-case letters too
/// when `fold` (for ids that differ from another only in case).
fn encode(id: &str, fold: bool) -> String {
    let mut out = String::with_capacity(id.len());
    for (i, b) in id.bytes().enumerate() {
        let plain = b.is_ascii_lowercase()
            || b.is_ascii_digit()
            || b == b'-'
            || b == b'_'
            || (b == b'.' && i > 0)
            || (b.is_ascii_uppercase() && !fold);
        if plain {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    if RESERVED.contains(&out.to_ascii_lowercase().as_str()) {
        out = format!("%{:02X}{}", out.as_bytes()[0], &out[1..]);
    }
    if out.is_empty() {
        // `~` is always encoded, so this name is no department's.
        return "~".into();
    }
    if out.len() > MAX_NAME {
        // Cut before an escape that would be split.
        let mut cut = MAX_NAME;
        while out.as_bytes()[cut - 1] == b'%' || out.as_bytes()[cut - 2] == b'%' {
            cut -= 1;
        }
        let hash = &crate::output::manifest::sha256(id.as_bytes())[..16];
        out = format!("{}~{hash}", &out[..cut]);
    }
    out
}

/// The bundle name of each department (without `.zip`): unique, and
/// unique too on a file system that ignores case.
pub fn names<'a>(departments: impl IntoIterator<Item = &'a str>) -> BTreeMap<&'a str, String> {
    let all: BTreeSet<&str> = departments.into_iter().collect();
    let mut by_folded: BTreeMap<String, usize> = BTreeMap::new();
    for d in &all {
        *by_folded
            .entry(encode(d, false).to_ascii_lowercase())
            .or_default() += 1;
    }
    all.into_iter()
        .map(|d| {
            let clash = by_folded[&encode(d, false).to_ascii_lowercase()] > 1;
            (d, encode(d, clash))
        })
        .collect()
}

/// The path of part `part` (from 1) of a department's bundle.
pub fn path(name: &str, part: usize) -> String {
    match part {
        1 => format!("feedback/{name}.zip"),
        n => format!("feedback/{name}~{n}.zip"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_safe_and_unique() {
        let depts = [
            "growth",
            "Growth",
            "GROWTH",
            "../etc",
            "a/b",
            "销售部",
            "con",
            ".hidden",
            "x y",
            "",
        ];
        let n = names(depts);
        assert_eq!(n["growth"], "growth");
        assert_eq!(n["Growth"], "%47rowth");
        assert_eq!(n["GROWTH"], "%47%52%4F%57%54%48");
        assert_eq!(n["../etc"], "%2E.%2Fetc");
        assert_eq!(n["a/b"], "a%2Fb");
        assert_eq!(n["销售部"], "%E9%94%80%E5%94%AE%E9%83%A8");
        assert_eq!(n["con"], "%63on");
        assert_eq!(n[".hidden"], "%2Ehidden");
        assert_eq!(n["x y"], "x%20y");
        assert_eq!(n[""], "~");
        let folded: BTreeSet<String> = n.values().map(|v| v.to_ascii_lowercase()).collect();
        assert_eq!(folded.len(), depts.len());
        let long = "部".repeat(100);
        let name = &names([long.as_str()])[long.as_str()];
        assert!(name.len() <= MAX_NAME + 17 && name.contains('~'), "{name}");
    }

    /// Text that deflates to more than half its size.
    fn noise() -> String {
        (0..40_000u32)
            .map(|i| char::from(b'!' + (i.wrapping_mul(2_654_435_761) >> 25) as u8 % 90))
            .collect()
    }

    #[test]
    fn a_reused_deflater_gives_a_new_encoders_bytes() {
        use std::io::Write;
        let texts = [
            "<p>Hello 世界</p>\n".repeat(500),
            "# E1\n".into(),
            String::new(),
            "x".repeat(70_000),
            noise(),
        ];
        for text in texts.iter().chain(&texts) {
            let mut enc =
                flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::new(LEVEL));
            enc.write_all(text.as_bytes()).unwrap();
            let fresh = enc.finish().unwrap();
            let reused = Entry::new("a".into(), text.as_bytes()).unwrap();
            assert_eq!(reused.data, fresh);
        }
    }

    fn inflated(data: &[u8]) -> Vec<u8> {
        use std::io::Read;
        let mut text = Vec::new();
        flate2::read::DeflateDecoder::new(data)
            .read_to_end(&mut text)
            .unwrap();
        text
    }

    #[test]
    fn a_style_sheet_is_deflated_once_and_the_stream_reads_back() {
        let sheet = |colour: &str| {
            format!(
                "<style>\n  p {{ color: {colour}; }}\n{}</style>",
                &noise()[..3000]
            )
        };
        let page = |sheet: &str, who: &str| {
            format!(
                "<html><head><title>{who}</title>\n{sheet}\n</head><body>{}</body></html>\n",
                "<p>Hello 世界</p>\n".repeat(50) + who
            )
        };
        let (red, blue) = (sheet("red"), sheet("blue"));
        let mut blocks = Vec::new();
        let mut d = flate2::Compress::new(flate2::Compression::new(LEVEL), false);
        part(
            &mut d,
            red.as_bytes(),
            flate2::FlushCompress::Sync,
            &mut blocks,
        )
        .unwrap();
        let texts = [
            page(&red, "E1"),
            page(&red, "E2"),
            page(&blue, "E3"),
            page(&red, "E4"),
            red.clone() + "tail",
            page(&red[..900], "short"),
            "x".repeat(MAX_HEAD) + red.as_str(),
        ];
        for (i, text) in texts.iter().enumerate() {
            let e = Entry::new("a.html".into(), text.as_bytes()).unwrap();
            assert_eq!(inflated(&e.data), text.as_bytes(), "text {i}");
            let shared = e.data.windows(blocks.len()).any(|w| w == blocks);
            let near_start = text.find(red.as_str()).is_some_and(|at| at < MAX_HEAD);
            assert_eq!(shared, near_start, "text {i}");
        }
        // The sheet's blocks are in each stream, not deflated again.
        let e1 = Entry::new("a".into(), texts[0].as_bytes()).unwrap();
        assert!(
            e1.data.len() < blocks.len() + 200,
            "{} {}",
            e1.data.len(),
            blocks.len()
        );
    }

    #[test]
    fn a_style_sheets_blocks_do_not_depend_on_the_workers_history() {
        // Distinct CJK characters deflate to more than they take (9-bit
        // literals); a sheet compressed before leaves its buffer's size.
        let cjk: String = (0..1000u32)
            .map(|i| char::from_u32(0x4e00 + i * 7).unwrap())
            .collect();
        let wide = format!("<style>/* {cjk} */</style>");
        let page = |sheet: &str| format!("<html><head>{sheet}</head><body>x</body></html>");
        let fresh = || {
            let wide = page(&wide);
            std::thread::spawn(move || Entry::new("b".into(), wide.as_bytes()).unwrap().data)
                .join()
                .unwrap()
        };
        let alone = fresh();
        for len in (alone.len() - 120)..(alone.len() + 16) {
            let narrow = format!("<style>{}</style>", "a".repeat(len - 15));
            let narrow = page(&narrow);
            let wide = page(&wide);
            let after = std::thread::spawn(move || {
                Entry::new("a".into(), narrow.as_bytes()).unwrap();
                Entry::new("b".into(), wide.as_bytes()).unwrap().data
            });
            let after = after.join().unwrap();
            assert!(
                after == alone,
                "after a sheet of {len} bytes: {} bytes, alone {}",
                after.len(),
                alone.len()
            );
        }
    }

    #[test]
    fn a_bundle_reads_back_with_the_zip_crate() {
        let dir = tempfile::tempdir().unwrap();
        let claim = crate::output::atomic::Claim::acquire(&dir.path().join("out")).unwrap();
        let staging = Staging::new(claim).unwrap();
        let date = dos_date(chrono::NaiveDate::from_ymd_opt(2026, 7, 1).unwrap());
        let mut b = Bundle::create(&staging, "feedback/x.zip", date).unwrap();
        let text = "<p>Hello 世界</p>\n".repeat(100);
        b.add(&[
            Entry::new("E1.md".into(), b"# E1\n").unwrap(),
            Entry::new("E1.html".into(), text.as_bytes()).unwrap(),
        ])
        .unwrap();
        let hash = b.finish().unwrap();
        let path = staging.path().join("feedback/x.zip");
        let bytes = std::fs::read(&path).unwrap();
        assert_eq!(hash.bytes, bytes.len());
        assert_eq!(hash.sha256, crate::output::manifest::sha256(&bytes));
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        assert_eq!(zip.len(), 2);
        let mut html = String::new();
        std::io::Read::read_to_string(&mut zip.by_name("E1.html").unwrap(), &mut html).unwrap();
        assert_eq!(html, text);
        let md = zip.by_index(0).unwrap();
        assert_eq!(md.name(), "E1.md");
        assert_eq!(md.unix_mode(), Some(0o100_644));
        let t = md.last_modified();
        assert_eq!((t.year(), t.month(), t.day()), (2026, 7, 1));
    }
}
