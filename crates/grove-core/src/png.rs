//! PNG files that say their resolution: a `pHYs` chunk (PNG specification, ISO/IEC
//! 15948, §11.3.5.3) with the pixels per metre of the intended print size, so that a
//! plot exported at 300 dpi is placed at its true size by Word, PowerPoint or a
//! publisher. Browsers' canvases write PNGs without one.

use crate::base64;
use std::fmt;

/// The eight bytes every PNG file starts with.
const SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', b'\r', b'\n', 0x1a, b'\n'];

/// Why a resolution could not be set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PngError {
    /// Not a PNG file (or a `data:` URL of one), or a damaged one.
    NotPng,
    /// The resolution is not a positive number of dots per inch that fits the chunk.
    Resolution,
}

impl fmt::Display for PngError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PngError::NotPng => f.write_str("the image is not a PNG file"),
            PngError::Resolution => f.write_str("the resolution is not a usable number"),
        }
    }
}

impl std::error::Error for PngError {}

/// `png` with its resolution set to `dots_per_inch` in both directions: a `pHYs` chunk
/// (unit: metre) right after `IHDR`, any earlier `pHYs` removed.
pub fn with_resolution(png: &[u8], dots_per_inch: f64) -> Result<Vec<u8>, PngError> {
    let per_metre = (dots_per_inch / 0.0254).round();
    if !(per_metre >= 1.0 && per_metre <= f64::from(u32::MAX)) {
        return Err(PngError::Resolution);
    }
    let per_metre = per_metre as u32;
    let chunks = chunks(png).ok_or(PngError::NotPng)?;
    if chunks.first().map(|c| c.kind) != Some(*b"IHDR") {
        return Err(PngError::NotPng);
    }
    let mut out = Vec::with_capacity(png.len() + 21);
    out.extend_from_slice(&SIGNATURE);
    for (i, c) in chunks.iter().enumerate() {
        if c.kind == *b"pHYs" {
            continue;
        }
        out.extend_from_slice(c.bytes);
        if i == 0 {
            let mut data = [0u8; 9];
            data[..4].copy_from_slice(&per_metre.to_be_bytes());
            data[4..8].copy_from_slice(&per_metre.to_be_bytes());
            data[8] = 1; // the unit is the metre
            write_chunk(&mut out, *b"pHYs", &data);
        }
    }
    Ok(out)
}

/// The same for a `data:image/png;base64,` URL, as a canvas gives it.
pub fn data_url_with_resolution(url: &str, dots_per_inch: f64) -> Result<String, PngError> {
    const PREFIX: &str = "data:image/png;base64,";
    let data = url.strip_prefix(PREFIX).ok_or(PngError::NotPng)?;
    let png = base64::decode(base64::STANDARD, data).ok_or(PngError::NotPng)?;
    let png = with_resolution(&png, dots_per_inch)?;
    let mut out = String::with_capacity(PREFIX.len() + png.len() * 4 / 3 + 4);
    out.push_str(PREFIX);
    base64::encode(base64::STANDARD, &png, &mut out);
    Ok(out)
}

/// One chunk of a file: its type and its bytes (length, type, data and CRC).
struct Chunk<'a> {
    kind: [u8; 4],
    bytes: &'a [u8],
}

/// The chunks of a PNG file, each with a correct CRC, up to and including `IEND`.
fn chunks(png: &[u8]) -> Option<Vec<Chunk<'_>>> {
    let mut rest = png.strip_prefix(&SIGNATURE)?;
    let mut out = Vec::new();
    loop {
        let length = u32::from_be_bytes(rest.get(..4)?.try_into().ok()?) as usize;
        let total = length.checked_add(12)?;
        let bytes = rest.get(..total)?;
        let kind: [u8; 4] = bytes[4..8].try_into().ok()?;
        let crc = u32::from_be_bytes(bytes[total - 4..].try_into().ok()?);
        if crc != crc32(&bytes[4..total - 4]) {
            return None;
        }
        out.push(Chunk { kind, bytes });
        rest = &rest[total..];
        if kind == *b"IEND" {
            return Some(out);
        }
    }
}

fn write_chunk(out: &mut Vec<u8>, kind: [u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    let start = out.len();
    out.extend_from_slice(&kind);
    out.extend_from_slice(data);
    let crc = crc32(&out[start..]);
    out.extend_from_slice(&crc.to_be_bytes());
}

/// CRC-32 of ISO 3309 / ITU-T V.42 (reflected polynomial 0xEDB88320), as PNG uses it.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = u32::MAX;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

#[cfg(test)]
mod tests {
    use super::crc32;

    #[test]
    fn crc32_check_value() {
        // The standard check value of CRC-32: "123456789" → 0xCBF43926.
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(crc32(b"IEND"), 0xAE42_6082, "the CRC every PNG ends with");
    }
}
