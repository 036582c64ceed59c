//! Base64 (RFC 4648): the standard alphabet for `data:` URLs (§4), the URL-safe one
//! without padding for share links (§5).

/// The standard alphabet, with `=` padding.
pub const STANDARD: Alphabet = Alphabet {
    symbols: b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
    pad: true,
};

/// The URL- and filename-safe alphabet, without padding.
pub const URL_SAFE: Alphabet = Alphabet {
    symbols: b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
    pad: false,
};

/// One of the two alphabets.
#[derive(Debug, Clone, Copy)]
pub struct Alphabet {
    symbols: &'static [u8; 64],
    pad: bool,
}

/// Appends `bytes` encoded to `out`.
pub fn encode(alphabet: Alphabet, bytes: &[u8], out: &mut String) {
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..=chunk.len() {
            out.push(char::from(
                alphabet.symbols[((n >> (18 - 6 * i)) & 63) as usize],
            ));
        }
        if alphabet.pad {
            for _ in chunk.len()..3 {
                out.push('=');
            }
        }
    }
}

/// The bytes of encoded text (padding optional), or `None` for anything else.
pub fn decode(alphabet: Alphabet, text: &str) -> Option<Vec<u8>> {
    let text = text.trim_end_matches('=');
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in text.bytes() {
        let v = alphabet.symbols.iter().position(|&a| a == c)? as u32;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    // Leftover bits must be the zero padding of the last byte, fewer than a whole symbol.
    (bits < 6 && acc == 0).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn rfc_4648_test_vectors() {
        for (plain, standard, url) in [
            ("", "", ""),
            ("f", "Zg==", "Zg"),
            ("fo", "Zm8=", "Zm8"),
            ("foo", "Zm9v", "Zm9v"),
            ("foob", "Zm9vYg==", "Zm9vYg"),
            ("fooba", "Zm9vYmE=", "Zm9vYmE"),
            ("foobar", "Zm9vYmFy", "Zm9vYmFy"),
        ] {
            for (alphabet, coded) in [(STANDARD, standard), (URL_SAFE, url)] {
                let mut s = String::new();
                encode(alphabet, plain.as_bytes(), &mut s);
                assert_eq!(s, coded);
                assert_eq!(decode(alphabet, coded).as_deref(), Some(plain.as_bytes()));
            }
        }
        assert_eq!(decode(URL_SAFE, "_-8"), Some(vec![0xff, 0xef]));
        assert_eq!(decode(STANDARD, "/+8="), Some(vec![0xff, 0xef]));
        assert_eq!(
            decode(URL_SAFE, "Zm9v+"),
            None,
            "'+' is the standard alphabet's"
        );
        assert_eq!(decode(URL_SAFE, "Zh"), None, "stray bits");
    }

    proptest! {
        #[test]
        fn round_trips(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            for alphabet in [STANDARD, URL_SAFE] {
                let mut s = String::new();
                encode(alphabet, &bytes, &mut s);
                prop_assert_eq!(decode(alphabet, &s), Some(bytes.clone()));
            }
        }
    }
}
