//! The trace's container: zstd frames of whole lines, then a seek table.
//!
//! Every frame is compressed on its own (by whichever worker built its
//! lines), so the bytes depend only on the lines and the level, never on
//! the thread count. The last frame is a skippable frame holding the seek
//! table of the zstd seekable format (`contrib/seekable_format` in the
//! zstd sources): per frame its compressed and decompressed size. Any zstd
//! decoder reads the file as one stream (`zstd -d`, `zstdcat`) and skips
//! the table; `merit explain` uses it to decompress only the frame that
//! holds the employee asked for.

use crate::error::{Error, Result};
use std::io::{BufRead, Read, Seek, SeekFrom};
use std::path::Path;

/// zstd level of every frame. Level 1 is the fastest of the positive
/// levels, and on trace JSON it also gave the smallest files of levels 1–3
/// (about a tenth of the text; docs/performance.md).
pub const LEVEL: i32 = 1;

/// A frame is cut after the line that takes its text to this size.
pub const FRAME_TEXT: usize = 16 << 20;

const SKIPPABLE_MAGIC: u32 = 0x184D_2A5E;
const SEEKABLE_MAGIC: u32 = 0x8F92_EAB1;
/// Number of frames (4), descriptor (1), magic (4).
const FOOTER: usize = 9;

/// One compressed frame and the size of its text.
pub struct Frame {
    pub bytes: Vec<u8>,
    pub text_len: u32,
}

/// Compresses `text` (whole lines) into one frame.
pub fn frame(text: &str) -> Result<Frame> {
    let text_len = u32::try_from(text.len()).map_err(|_| {
        Error::Usage(format!(
            "a trace record of {} bytes is too large for one zstd frame (4 GiB)",
            text.len()
        ))
    })?;
    let bytes = zstd::bulk::compress(text.as_bytes(), LEVEL)
        .map_err(|e| Error::Usage(format!("cannot compress the trace: {e}")))?;
    Ok(Frame { bytes, text_len })
}

/// The skippable frame holding the seek table of `frames` (compressed
/// size, text size), in the order they were written.
pub fn seek_table(frames: &[(u32, u32)]) -> Vec<u8> {
    let body = frames.len() * 8 + FOOTER;
    let mut out = Vec::with_capacity(8 + body);
    out.extend_from_slice(&SKIPPABLE_MAGIC.to_le_bytes());
    out.extend_from_slice(&(body as u32).to_le_bytes());
    for (compressed, text) in frames {
        out.extend_from_slice(&compressed.to_le_bytes());
        out.extend_from_slice(&text.to_le_bytes());
    }
    out.extend_from_slice(&(frames.len() as u32).to_le_bytes());
    // No per-frame checksums: the manifest's sha256 covers the file.
    out.push(0);
    out.extend_from_slice(&SEEKABLE_MAGIC.to_le_bytes());
    out
}

/// Where a frame lies in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameAt {
    pub offset: u64,
    pub compressed: u32,
    pub text: u32,
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// The frames listed by the seek table at the end of `file`, or `None`
/// when there is none or it does not add up to the file's size.
pub fn read_seek_table(file: &mut std::fs::File) -> Option<Vec<FrameAt>> {
    let len = file.metadata().ok()?.len();
    let mut footer = [0u8; FOOTER];
    file.seek(SeekFrom::Start(len.checked_sub(FOOTER as u64)?))
        .ok()?;
    file.read_exact(&mut footer).ok()?;
    if u32_at(&footer, 5)? != SEEKABLE_MAGIC || footer[4] & 0x80 != 0 {
        return None;
    }
    let n = u32_at(&footer, 0)? as u64;
    let table_len = 8 + n.checked_mul(8)? + FOOTER as u64;
    let start = len.checked_sub(table_len)?;
    let mut table = vec![0u8; usize::try_from(table_len).ok()?];
    file.seek(SeekFrom::Start(start)).ok()?;
    file.read_exact(&mut table).ok()?;
    if u32_at(&table, 0)? != SKIPPABLE_MAGIC || u64::from(u32_at(&table, 4)?) != table_len - 8 {
        return None;
    }
    let mut frames = Vec::with_capacity(n as usize);
    let mut offset = 0u64;
    for i in 0..n as usize {
        let compressed = u32_at(&table, 8 + 8 * i)?;
        let text = u32_at(&table, 12 + 8 * i)?;
        frames.push(FrameAt {
            offset,
            compressed,
            text,
        });
        offset += u64::from(compressed);
    }
    (offset == start).then_some(frames)
}

/// The text of one frame.
pub fn read_frame(file: &mut std::fs::File, at: FrameAt) -> std::io::Result<Vec<u8>> {
    let mut bytes = vec![0u8; at.compressed as usize];
    file.seek(SeekFrom::Start(at.offset))?;
    file.read_exact(&mut bytes)?;
    zstd::stream::decode_all(bytes.as_slice())
}

/// The lines of a trace file, decompressed as they are read: the zstd
/// container, or the plain `trace.jsonl` of runs made before it.
pub fn lines(path: &Path) -> Result<Box<dyn BufRead>> {
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    if path.extension().is_some_and(|e| e == "zst") {
        let decoder = zstd::stream::read::Decoder::new(file).map_err(|e| Error::io(path, e))?;
        Ok(Box::new(std::io::BufReader::with_capacity(
            1 << 20,
            decoder,
        )))
    } else {
        Ok(Box::new(std::io::BufReader::with_capacity(1 << 20, file)))
    }
}

/// The whole text of a trace file (for tests and small runs).
pub fn read_text(path: &Path) -> Result<String> {
    let mut text = String::new();
    lines(path)?
        .read_to_string(&mut text)
        .map_err(|e| Error::io(path, e))?;
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_and_table_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.jsonl.zst");
        let texts = ["{\"a\":1}\n", "{\"b\":2}\n{\"c\":3}\n"];
        let mut bytes = Vec::new();
        let mut table = Vec::new();
        for t in texts {
            let f = frame(t).unwrap();
            table.push((f.bytes.len() as u32, f.text_len));
            bytes.extend_from_slice(&f.bytes);
        }
        bytes.extend_from_slice(&seek_table(&table));
        std::fs::write(&path, &bytes).unwrap();
        // One stream for any zstd decoder, the table skipped.
        assert_eq!(read_text(&path).unwrap(), texts.concat());
        let mut file = std::fs::File::open(&path).unwrap();
        let frames = read_seek_table(&mut file).unwrap();
        assert_eq!(frames.len(), 2);
        assert_eq!(frames[1].offset, u64::from(table[0].0));
        assert_eq!(
            read_frame(&mut file, frames[1]).unwrap(),
            texts[1].as_bytes()
        );
        // A file cut short has no table.
        std::fs::write(&path, &bytes[..bytes.len() - 1]).unwrap();
        let mut file = std::fs::File::open(&path).unwrap();
        assert_eq!(read_seek_table(&mut file), None);
    }

    #[test]
    fn a_frame_depends_only_on_its_text() {
        let text = "{\"record\":\"employee\",\"employee_id\":\"E1\"}\n".repeat(1000);
        assert_eq!(frame(&text).unwrap().bytes, frame(&text).unwrap().bytes);
    }
}
