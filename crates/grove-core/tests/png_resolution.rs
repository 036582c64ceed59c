//! `grove_core::png`: a PNG given a resolution reads back, with an independent decoder
//! (the `png` crate), with that resolution and the same pixels.

use grove_core::base64;
use grove_core::png::{PngError, data_url_with_resolution, with_resolution};

/// A 3×2 RGBA image written by the `png` crate, with a resolution or without.
fn image(dims: Option<png::PixelDimensions>) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, 3, 2);
        encoder.set_color(png::ColorType::Rgba);
        encoder.set_depth(png::BitDepth::Eight);
        encoder.set_pixel_dims(dims);
        let mut writer = encoder.write_header().expect("header");
        let pixels: Vec<u8> = (0..24).map(|i| (i * 10) as u8).collect();
        writer.write_image_data(&pixels).expect("pixels");
    }
    out
}

/// The resolution (x and y pixels per unit, and whether the unit is the metre), the
/// pixels, and how many `pHYs` chunks the file has.
fn read(bytes: &[u8]) -> (Option<(u32, u32, bool)>, Vec<u8>, usize) {
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let mut reader = decoder.read_info().expect("a PNG");
    let mut pixels = vec![0; reader.output_buffer_size()];
    reader.next_frame(&mut pixels).expect("pixels");
    let phys = bytes.windows(4).filter(|w| *w == b"pHYs").count();
    let dims = reader
        .info()
        .pixel_dims
        .map(|d| (d.xppu, d.yppu, matches!(d.unit, png::Unit::Meter)));
    (dims, pixels, phys)
}

#[test]
fn a_png_reads_back_at_its_resolution_with_the_same_pixels() {
    let plain = image(None);
    let (dims, pixels, phys) = read(&plain);
    assert_eq!((dims, phys), (None, 0));
    let at_300 = with_resolution(&plain, 300.0).expect("a PNG");
    let (dims, same, phys) = read(&at_300);
    assert_eq!(
        dims,
        Some((11811, 11811, true)),
        "300 dpi is 11,811 pixels per metre"
    );
    assert_eq!(same, pixels);
    assert_eq!(phys, 1);
    // A file that says 72 dpi says 300 afterwards, once.
    let at_72 = image(Some(png::PixelDimensions {
        xppu: 2835,
        yppu: 2835,
        unit: png::Unit::Meter,
    }));
    let (dims, _, phys) = read(&with_resolution(&at_72, 300.0).expect("a PNG"));
    assert_eq!((dims.map(|d| d.0), phys), (Some(11811), 1));
}

#[test]
fn a_data_url_gets_its_resolution_and_anything_else_is_refused() {
    let mut url = String::from("data:image/png;base64,");
    base64::encode(base64::STANDARD, &image(None), &mut url);
    let out = data_url_with_resolution(&url, 300.0).expect("a PNG data URL");
    let bytes =
        base64::decode(base64::STANDARD, &out["data:image/png;base64,".len()..]).expect("base64");
    assert_eq!(read(&bytes).0.map(|d| d.0), Some(11811));

    let mut damaged = image(None);
    let last = damaged.len() - 20;
    damaged[last] ^= 0xff;
    assert_eq!(
        with_resolution(&damaged, 300.0),
        Err(PngError::NotPng),
        "a bad CRC"
    );
    assert_eq!(with_resolution(b"GIF89a", 300.0), Err(PngError::NotPng));
    assert_eq!(
        with_resolution(&image(None)[..30], 300.0),
        Err(PngError::NotPng),
        "cut short"
    );
    assert_eq!(
        data_url_with_resolution("data:image/gif;base64,AAAA", 300.0),
        Err(PngError::NotPng)
    );
    for dpi in [0.0, -3.0, f64::NAN, f64::INFINITY, 1e12] {
        assert_eq!(
            with_resolution(&image(None), dpi),
            Err(PngError::Resolution),
            "{dpi}"
        );
    }
}
