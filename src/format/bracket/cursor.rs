//! Where a [`Reader`](super::Reader) is in its input.

use super::LineStart;

/// Where a reader is in its input: where the next line starts, whether the
/// next sentence begins a document, and whether the input is read to its
/// end. Both routes from bracket text keep it, the general one (a line at a
/// time into a [`Sentence`](crate::Sentence)) and the fused one (blocks of
/// lines straight to CoNLL), since they hand lines to each other: the
/// fused route moves it past each line it writes, and passes the lines it
/// cannot write to the general one, which moves it too.
#[derive(Clone, Copy, Debug)]
pub(super) struct LineCursor {
    /// Where the next line starts.
    next_line: LineStart,
    /// Whether the next sentence found begins a document.
    document_start: bool,
    /// Whether the input has been read to its end.
    at_end: bool,
}

impl LineCursor {
    /// A cursor at the start of a document, before its first line.
    pub(super) fn new() -> LineCursor {
        LineCursor {
            next_line: LineStart {
                number: 1,
                byte: 0,
                unit: 0,
            },
            document_start: true,
            at_end: false,
        }
    }

    /// Moves the cursor to `next_line`, a line of a larger input; the next
    /// sentence begins a document only when `document_start` is set.
    pub(super) fn move_to(&mut self, next_line: LineStart, document_start: bool) {
        self.next_line = next_line;
        self.document_start = document_start;
    }

    /// Where the next line starts.
    #[inline(always)]
    pub(super) fn next_line(&self) -> LineStart {
        self.next_line
    }

    /// True before the first byte of the input, where a byte-order mark
    /// may be.
    #[inline(always)]
    pub(super) fn at_input_start(&self) -> bool {
        self.next_line.byte == 0
    }

    /// Moves past a line of `bytes` bytes (its line end included) whose
    /// text is `units` long in the offset unit (its line end included).
    #[inline(always)]
    pub(super) fn pass_line(&mut self, bytes: u64, units: u64) {
        self.next_line.number += 1;
        self.next_line.byte += bytes;
        self.next_line.unit += units;
    }

    /// Moves the offset in the offset unit `units` further. With
    /// [`LineCursor::pass_line`]`(bytes, 0)` before it, this passes a line
    /// whose length in the unit is known only once its text is decoded;
    /// should decoding fail, the line number and byte offset have moved
    /// and the unit offset has not.
    pub(super) fn pass_units(&mut self, units: u64) {
        self.next_line.unit += units;
    }

    /// Whether the next sentence found begins a document; it is the last
    /// to, so later calls return false.
    #[inline]
    pub(super) fn take_document_start(&mut self) -> bool {
        std::mem::take(&mut self.document_start)
    }

    /// True once the input has been read to its end.
    #[inline]
    pub(super) fn is_at_end(&self) -> bool {
        self.at_end
    }

    /// Records that the input has been read to its end.
    pub(super) fn set_at_end(&mut self) {
        self.at_end = true;
    }
}
