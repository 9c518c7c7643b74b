//! The part of MessagePack a DocBin needs: an encoder of maps, arrays,
//! strings, binaries, unsigned integers and booleans, written as
//! msgpack-python (`srsly.msgpack_dumps`, `use_bin_type=True`) writes them,
//! smallest form first; and a decoder of every MessagePack type that never
//! panics, never recurses and allocates nothing, for inputs that may be
//! anything.

use std::io::{self, Write};

/// Writes a map header for `n` pairs.
pub(crate) fn write_map(out: &mut dyn Write, n: usize) -> io::Result<()> {
    match n {
        0..=15 => out.write_all(&[0x80 | n as u8]),
        16..=0xffff => {
            out.write_all(&[0xde])?;
            out.write_all(&(n as u16).to_be_bytes())
        }
        _ => {
            out.write_all(&[0xdf])?;
            out.write_all(&len32(n)?.to_be_bytes())
        }
    }
}

/// Writes an array header for `n` items.
pub(crate) fn write_array(out: &mut dyn Write, n: usize) -> io::Result<()> {
    match n {
        0..=15 => out.write_all(&[0x90 | n as u8]),
        16..=0xffff => {
            out.write_all(&[0xdc])?;
            out.write_all(&(n as u16).to_be_bytes())
        }
        _ => {
            out.write_all(&[0xdd])?;
            out.write_all(&len32(n)?.to_be_bytes())
        }
    }
}

/// Writes a string.
pub(crate) fn write_str(out: &mut dyn Write, s: &str) -> io::Result<()> {
    let n = s.len();
    match n {
        0..=31 => out.write_all(&[0xa0 | n as u8])?,
        32..=0xff => out.write_all(&[0xd9, n as u8])?,
        0x100..=0xffff => {
            out.write_all(&[0xda])?;
            out.write_all(&(n as u16).to_be_bytes())?;
        }
        _ => {
            out.write_all(&[0xdb])?;
            out.write_all(&len32(n)?.to_be_bytes())?;
        }
    }
    out.write_all(s.as_bytes())
}

/// Writes the header of a binary of `n` bytes; the bytes follow.
pub(crate) fn write_bin_header(out: &mut dyn Write, n: usize) -> io::Result<()> {
    match n {
        0..=0xff => out.write_all(&[0xc4, n as u8]),
        0x100..=0xffff => {
            out.write_all(&[0xc5])?;
            out.write_all(&(n as u16).to_be_bytes())
        }
        _ => {
            out.write_all(&[0xc6])?;
            out.write_all(&len32(n)?.to_be_bytes())
        }
    }
}

/// Writes an unsigned integer.
pub(crate) fn write_uint(out: &mut dyn Write, v: u64) -> io::Result<()> {
    match v {
        0..=0x7f => out.write_all(&[v as u8]),
        0x80..=0xff => out.write_all(&[0xcc, v as u8]),
        0x100..=0xffff => {
            out.write_all(&[0xcd])?;
            out.write_all(&(v as u16).to_be_bytes())
        }
        0x1_0000..=0xffff_ffff => {
            out.write_all(&[0xce])?;
            out.write_all(&(v as u32).to_be_bytes())
        }
        _ => {
            out.write_all(&[0xcf])?;
            out.write_all(&v.to_be_bytes())
        }
    }
}

/// Writes a boolean.
pub(crate) fn write_bool(out: &mut dyn Write, v: bool) -> io::Result<()> {
    out.write_all(&[if v { 0xc3 } else { 0xc2 }])
}

/// `n` as a 32-bit length, the largest MessagePack has.
fn len32(n: usize) -> io::Result<u32> {
    u32::try_from(n).map_err(|_| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{n} items or bytes do not fit in one MessagePack value (at most 4294967295)"),
        )
    })
}

/// One MessagePack value as the decoder meets it: scalars whole, arrays
/// and maps as their headers (their items follow).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Item<'a> {
    Nil,
    Bool(bool),
    /// A non-negative integer.
    Uint(u64),
    /// A negative integer.
    Int(i64),
    Float(f64),
    /// A string's bytes, not yet checked to be UTF-8.
    Str(&'a [u8]),
    Bin(&'a [u8]),
    /// An array of this many items.
    Array(u32),
    /// A map of this many key-value pairs.
    Map(u32),
    /// An extension type and its data.
    Ext(i8, &'a [u8]),
}

impl Item<'_> {
    /// What the item is, for messages.
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Item::Nil => "nil",
            Item::Bool(_) => "a boolean",
            Item::Uint(_) | Item::Int(_) => "an integer",
            Item::Float(_) => "a float",
            Item::Str(_) => "a string",
            Item::Bin(_) => "binary data",
            Item::Array(_) => "an array",
            Item::Map(_) => "a map",
            Item::Ext(..) => "an extension value",
        }
    }
}

/// Reads MessagePack values from a buffer, one item at a time.
pub(crate) struct Decoder<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Decoder<'a> {
    /// A decoder at the start of `buf`.
    pub(crate) fn new(buf: &'a [u8]) -> Decoder<'a> {
        Decoder { buf, pos: 0 }
    }

    /// The offset of the next item.
    pub(crate) fn pos(&self) -> usize {
        self.pos
    }

    /// True when every byte has been read.
    pub(crate) fn at_end(&self) -> bool {
        self.pos == self.buf.len()
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        match self.pos.checked_add(n) {
            Some(end) if end <= self.buf.len() => {
                let bytes = &self.buf[self.pos..end];
                self.pos = end;
                Ok(bytes)
            }
            _ => Err(format!(
                "the MessagePack data ends inside a value (at byte {}, {} more bytes needed)",
                self.pos,
                n.saturating_sub(self.buf.len() - self.pos)
            )),
        }
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], String> {
        let bytes = self.take(N)?;
        let mut a = [0u8; N];
        a.copy_from_slice(bytes);
        Ok(a)
    }

    fn u8(&mut self) -> Result<u8, String> {
        Ok(self.array::<1>()?[0])
    }

    fn u16(&mut self) -> Result<u16, String> {
        Ok(u16::from_be_bytes(self.array()?))
    }

    fn u32(&mut self) -> Result<u32, String> {
        Ok(u32::from_be_bytes(self.array()?))
    }

    fn u64(&mut self) -> Result<u64, String> {
        Ok(u64::from_be_bytes(self.array()?))
    }

    fn bytes_of(&mut self, n: usize) -> Result<&'a [u8], String> {
        self.take(n)
    }

    fn ext(&mut self, n: usize) -> Result<Item<'a>, String> {
        let t = self.u8()? as i8;
        Ok(Item::Ext(t, self.take(n)?))
    }

    /// Reads the next item.
    pub(crate) fn next(&mut self) -> Result<Item<'a>, String> {
        let at = self.pos;
        let b = self.u8()?;
        Ok(match b {
            0x00..=0x7f => Item::Uint(u64::from(b)),
            0x80..=0x8f => Item::Map(u32::from(b & 0x0f)),
            0x90..=0x9f => Item::Array(u32::from(b & 0x0f)),
            0xa0..=0xbf => Item::Str(self.bytes_of(usize::from(b & 0x1f))?),
            0xc0 => Item::Nil,
            0xc1 => return Err(format!("byte 0xc1 at {at} is not MessagePack")),
            0xc2 => Item::Bool(false),
            0xc3 => Item::Bool(true),
            0xc4 => {
                let n = self.u8()?;
                Item::Bin(self.bytes_of(usize::from(n))?)
            }
            0xc5 => {
                let n = self.u16()?;
                Item::Bin(self.bytes_of(usize::from(n))?)
            }
            0xc6 => {
                let n = self.u32()?;
                Item::Bin(self.bytes_of(n as usize)?)
            }
            0xc7 => {
                let n = self.u8()?;
                self.ext(usize::from(n))?
            }
            0xc8 => {
                let n = self.u16()?;
                self.ext(usize::from(n))?
            }
            0xc9 => {
                let n = self.u32()?;
                self.ext(n as usize)?
            }
            0xca => Item::Float(f64::from(f32::from_bits(self.u32()?))),
            0xcb => Item::Float(f64::from_bits(self.u64()?)),
            0xcc => Item::Uint(u64::from(self.u8()?)),
            0xcd => Item::Uint(u64::from(self.u16()?)),
            0xce => Item::Uint(u64::from(self.u32()?)),
            0xcf => Item::Uint(self.u64()?),
            0xd0 => int(i64::from(self.u8()? as i8)),
            0xd1 => int(i64::from(self.u16()? as i16)),
            0xd2 => int(i64::from(self.u32()? as i32)),
            0xd3 => int(self.u64()? as i64),
            0xd4 => self.ext(1)?,
            0xd5 => self.ext(2)?,
            0xd6 => self.ext(4)?,
            0xd7 => self.ext(8)?,
            0xd8 => self.ext(16)?,
            0xd9 => {
                let n = self.u8()?;
                Item::Str(self.bytes_of(usize::from(n))?)
            }
            0xda => {
                let n = self.u16()?;
                Item::Str(self.bytes_of(usize::from(n))?)
            }
            0xdb => {
                let n = self.u32()?;
                Item::Str(self.bytes_of(n as usize)?)
            }
            0xdc => Item::Array(u32::from(self.u16()?)),
            0xdd => Item::Array(self.u32()?),
            0xde => Item::Map(u32::from(self.u16()?)),
            0xdf => Item::Map(self.u32()?),
            0xe0..=0xff => Item::Int(i64::from(b as i8)),
        })
    }

    /// Skips the rest of a value whose first item was `first`: the items of
    /// an array or map, however deeply nested, counted without recursion.
    pub(crate) fn skip_rest(&mut self, first: Item<'a>) -> Result<(), String> {
        let mut pending = items_inside(first);
        while pending > 0 {
            let item = self.next()?;
            pending = pending - 1 + items_inside(item);
        }
        Ok(())
    }

    /// Skips the next value whole.
    pub(crate) fn skip(&mut self) -> Result<(), String> {
        let first = self.next()?;
        self.skip_rest(first)
    }
}

/// A non-negative integer read from a signed form is a `Uint`, as
/// msgpack-python reads it.
fn int(v: i64) -> Item<'static> {
    match u64::try_from(v) {
        Ok(u) => Item::Uint(u),
        Err(_) => Item::Int(v),
    }
}

/// The items an array or map header announces.
fn items_inside(item: Item<'_>) -> u64 {
    match item {
        Item::Array(n) => u64::from(n),
        Item::Map(n) => 2 * u64::from(n),
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encoded(f: impl Fn(&mut dyn Write) -> io::Result<()>) -> Vec<u8> {
        let mut out = Vec::new();
        f(&mut out).unwrap();
        out
    }

    /// Every size class of every encoded type decodes to what was written,
    /// in the bytes msgpack-python writes
    /// (`srsly.msgpack_dumps(x).hex()`).
    #[test]
    fn round_trips_at_every_size_boundary() {
        let cases: [(u64, &str); 9] = [
            (0, "00"),
            (127, "7f"),
            (128, "cc80"),
            (255, "ccff"),
            (256, "cd0100"),
            (65535, "cdffff"),
            (65536, "ce00010000"),
            (4294967296, "cf0000000100000000"),
            (u64::MAX, "cfffffffffffffffff"),
        ];
        for (v, hex) in cases {
            let bytes = encoded(|o| write_uint(o, v));
            assert_eq!(to_hex(&bytes), hex, "{v}");
            let mut d = Decoder::new(&bytes);
            assert_eq!(d.next().unwrap(), Item::Uint(v));
            assert!(d.at_end());
        }
        for n in [0usize, 31, 32, 255, 256, 65535, 65536] {
            let s = "x".repeat(n);
            let bytes = encoded(|o| write_str(o, &s));
            let header = match n {
                0..=31 => 1,
                32..=255 => 2,
                256..=65535 => 3,
                _ => 5,
            };
            assert_eq!(bytes.len(), n + header, "{n}");
            let mut d = Decoder::new(&bytes);
            assert_eq!(d.next().unwrap(), Item::Str(s.as_bytes()));
            assert!(d.at_end());
            let mut bin = encoded(|o| write_bin_header(o, n));
            bin.extend_from_slice(s.as_bytes());
            let mut d = Decoder::new(&bin);
            assert_eq!(d.next().unwrap(), Item::Bin(s.as_bytes()));
            assert!(d.at_end());
        }
        for n in [0usize, 15, 16, 65535, 65536] {
            let mut d_bytes = encoded(|o| write_array(o, n));
            d_bytes.extend(encoded(|o| write_map(o, n)));
            let mut d = Decoder::new(&d_bytes);
            assert_eq!(d.next().unwrap(), Item::Array(n as u32));
            assert_eq!(d.next().unwrap(), Item::Map(n as u32));
            assert!(d.at_end());
        }
        assert_eq!(encoded(|o| write_array(o, 16)), [0xdc, 0, 16]);
        assert_eq!(encoded(|o| write_map(o, 9)), [0x89]);
        assert_eq!(encoded(|o| write_bool(o, true)), [0xc3]);
        assert_eq!(encoded(|o| write_bin_header(o, 1)), [0xc4, 1]);
    }

    /// The types nerkit never writes decode too, and are skipped whole.
    #[test]
    fn decodes_and_skips_every_type() {
        // {"a": [nil, -1, -200, 1.5 (f64), 0.5 (f32), ext 5 "xy", fixext1],
        //  "b": {"c": [[]]}} then 7
        let bytes = [
            0x82, 0xa1, b'a', 0x97, 0xc0, 0xff, 0xd1, 0xff, 0x38, 0xcb, 0x3f, 0xf8, 0, 0, 0, 0, 0,
            0, 0xca, 0x3f, 0x00, 0x00, 0x00, 0xc7, 2, 5, b'x', b'y', 0xd4, 1, 9, 0xa1, b'b', 0x81,
            0xa1, b'c', 0x91, 0x90, 0x07,
        ];
        let mut d = Decoder::new(&bytes);
        d.skip().unwrap();
        assert_eq!(d.next().unwrap(), Item::Uint(7));
        assert!(d.at_end());
        let mut d = Decoder::new(&bytes[3..]);
        let items: Vec<Item<'_>> = (0..8).map(|_| d.next().unwrap()).collect();
        assert_eq!(
            items,
            [
                Item::Array(7),
                Item::Nil,
                Item::Int(-1),
                Item::Int(-200),
                Item::Float(1.5),
                Item::Float(0.5),
                Item::Ext(5, b"xy"),
                Item::Ext(1, &[9]),
            ]
        );
        // A signed form of a non-negative value reads as unsigned.
        assert_eq!(Decoder::new(&[0xd0, 5]).next().unwrap(), Item::Uint(5));
    }

    /// Truncated data, a huge announced length and deep nesting are errors
    /// or plain loops, never a panic, an allocation or a recursion.
    #[test]
    fn hostile_input() {
        let e = Decoder::new(&[0xc6, 0xff, 0xff, 0xff, 0xff, 1]).next();
        assert!(e.unwrap_err().contains("ends inside a value"));
        assert!(Decoder::new(&[0xdf, 0xff, 0xff, 0xff, 0xff])
            .skip()
            .is_err());
        assert!(Decoder::new(&[0xc1]).next().unwrap_err().contains("0xc1"));
        assert!(Decoder::new(&[]).next().is_err());
        let deep = [vec![0x91u8; 1_000_000], vec![0xc0]].concat();
        let mut d = Decoder::new(&deep);
        d.skip().unwrap();
        assert!(d.at_end());
        for cut in 0..12 {
            let bytes = [0x82, 0xa1, b'a', 0xcd, 1, 2, 0xa1, b'b', 0xc4, 2, 1, 2];
            let r = Decoder::new(&bytes[..cut]).skip();
            assert!(r.is_err(), "{cut}");
        }
    }

    fn to_hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }
}
