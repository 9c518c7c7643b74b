//! The large buffers of the fused route, kept by each thread between
//! conversions.

use super::emit::SLACK;
use super::scan::Block;

/// Bytes read from the input at a time: more than the 64 KiB `BufReader`
/// the CLI wraps around a file, so that reads bypass its buffer, and little
/// enough that a block, its masks and the output block stay in the L2 cache
/// (256 KiB blocks were slower). In tests, few bytes, so that lines cross
/// reads and outgrow the block.
const BLOCK: usize = if cfg!(test) { 61 } else { 1 << 17 };
/// Bytes of output gathered before they are handed to the writer (more than
/// the CLI's 64 KiB `BufWriter`, which then passes them straight through).
/// In tests, none: the buffer grows only to what a line may need, so that a
/// copy past that bound is caught.
const OUT_BLOCK: usize = if cfg!(test) { 1 } else { 1 << 17 };

/// The large buffers of the fused route. Each thread keeps its own between
/// conversions, so that converting many chunks (`--threads`) or files
/// neither allocates nor faults in fresh pages for each.
#[derive(Debug, Default)]
pub(super) struct Buffers {
    /// The block of input bytes read.
    pub(super) block: Vec<u8>,
    /// The masks of the block.
    pub(super) blocks: Vec<Block>,
    /// A cleaned line, with room after it like a block's.
    pub(super) clean: Vec<u8>,
    /// The masks of the cleaned line.
    pub(super) clean_blocks: Vec<Block>,
    /// The output block.
    pub(super) out: Vec<u8>,
}

thread_local! {
    static BUFFERS: std::cell::Cell<Option<Box<Buffers>>> = const { std::cell::Cell::new(None) };
}

impl Buffers {
    /// This thread's buffers, or new ones.
    pub(super) fn take() -> Box<Buffers> {
        let mut buffers = BUFFERS.with(std::cell::Cell::take).unwrap_or_default();
        if buffers.block.len() < BLOCK + SLACK {
            buffers.block.resize(BLOCK + SLACK, 0);
        }
        if buffers.out.len() < OUT_BLOCK {
            buffers.out.resize(OUT_BLOCK, 0);
        }
        buffers
    }

    /// Keeps the buffers for the next conversion on this thread, unless a
    /// very long line made them large.
    pub(super) fn give_back(self: Box<Buffers>) {
        if self.block.len() + self.out.len() <= 16 * (BLOCK + OUT_BLOCK) {
            BUFFERS.with(|b| b.set(Some(self)));
        }
    }
}
