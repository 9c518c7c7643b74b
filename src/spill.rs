//! Bytes held until they can be written, in memory up to a bound and in
//! an anonymous temporary file past it: what a writer of a line given in
//! pieces ([`crate::Piece`]) holds of the members that come after the one
//! it streams, so that a line of any length is written in bounded memory.

use std::fs::File;
use std::io::{self, Read, Seek, Write};

/// The bytes a [`Spill`] holds in memory before it moves them to a file.
pub(crate) const SPILL_BYTES: usize = 1 << 20;

/// An append-only run of bytes, copied out whole once: the last bytes
/// appended (fewer than the bound) stay in memory, and each time an append
/// would reach the bound they and it move to the end of an anonymous
/// temporary file, made at the first move and reused after.
#[derive(Debug)]
pub(crate) struct Spill {
    bound: usize,
    memory: Vec<u8>,
    file: Option<File>,
    /// The bytes held in the file, before those in memory.
    in_file: u64,
}

impl Default for Spill {
    fn default() -> Spill {
        Spill::with_bound(SPILL_BYTES)
    }
}

impl Spill {
    /// A spill that moves its bytes to a file each time `bound` of them are
    /// held in memory.
    pub fn with_bound(bound: usize) -> Spill {
        Spill {
            bound,
            memory: Vec::new(),
            file: None,
            in_file: 0,
        }
    }

    /// Drops the bytes held; the file, if made, stays for the next ones.
    pub fn clear(&mut self) {
        self.memory.clear();
        self.in_file = 0;
    }

    /// Appends `bytes`.
    ///
    /// # Errors
    /// Making or writing the temporary file.
    pub fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
        let bound = self.bound.max(1);
        if self.memory.len() + bytes.len() < bound {
            self.memory.extend_from_slice(bytes);
            return Ok(());
        }
        // The memory never holds more than the bound: the bytes held and
        // these move to the file, without passing through the memory.
        let file = match &mut self.file {
            Some(file) => file,
            None => self.file.insert(tempfile::tempfile()?),
        };
        if self.in_file == 0 {
            // The file's bytes from an earlier run are written over.
            file.rewind()?;
        }
        file.write_all(&self.memory)?;
        file.write_all(bytes)?;
        self.in_file += (self.memory.len() + bytes.len()) as u64;
        self.memory.clear();
        Ok(())
    }

    /// Writes the bytes held to `out`, in the order appended, and drops
    /// them.
    ///
    /// # Errors
    /// Reading the temporary file or writing `out`.
    pub fn copy_to(&mut self, out: &mut dyn Write) -> io::Result<()> {
        if self.in_file > 0 {
            if let Some(file) = &mut self.file {
                file.rewind()?;
                let mut left = self.in_file;
                let mut chunk = vec![0; 64 << 10];
                while left > 0 {
                    let want = chunk.len().min(usize::try_from(left).unwrap_or(usize::MAX));
                    let n = file.read(&mut chunk[..want])?;
                    if n == 0 {
                        return Err(io::Error::new(
                            io::ErrorKind::UnexpectedEof,
                            "a temporary file ended before the bytes written to it",
                        ));
                    }
                    out.write_all(&chunk[..n])?;
                    left -= n as u64;
                }
            }
        }
        out.write_all(&self.memory)?;
        self.clear();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// What is copied out is what was appended, whatever the bound, and
        /// a spill cleared or copied out holds the next bytes alone.
        #[test]
        fn bytes_come_back_in_order(
            runs in prop::collection::vec(
                prop::collection::vec(prop::collection::vec(any::<u8>(), 0..20), 0..12),
                1..4,
            ),
            bound in 0usize..50,
            cleared in any::<bool>(),
        ) {
            let mut spill = Spill::with_bound(bound);
            spill.write(b"dropped").unwrap();
            if cleared {
                spill.clear();
            } else {
                spill.copy_to(&mut Vec::new()).unwrap();
            }
            for appends in runs {
                for a in &appends {
                    spill.write(a).unwrap();
                }
                let mut out = Vec::new();
                spill.copy_to(&mut out).unwrap();
                prop_assert_eq!(out, appends.concat());
            }
        }
    }

    #[test]
    fn bytes_past_the_bound_move_to_a_file() {
        let mut spill = Spill::with_bound(4);
        spill.write(b"abc").unwrap();
        assert!(spill.file.is_none());
        spill.write(b"defgh").unwrap();
        assert_eq!((spill.in_file, spill.memory.len()), (8, 0));
        spill.write(b"ij").unwrap();
        let mut out = Vec::new();
        spill.copy_to(&mut out).unwrap();
        assert_eq!(out, b"abcdefghij");
    }
}
