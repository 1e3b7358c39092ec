//! Positions: policyc's spans are byte offsets; the protocol counts lines and, within a line, code
//! units of the negotiated encoding (UTF-16 unless the client offers UTF-8).

use lsp_types::{Position, Range};
use policyc::ast::Span;

/// How the client counts columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// Bytes of UTF-8 (`positionEncoding: "utf-8"`).
    Utf8,
    /// Code units of UTF-16, the protocol's default: `≥` is one, `𝄞` two.
    Utf16,
}

/// The start of every line of a text, to turn byte offsets into positions and back. A line ends
/// at LF, CR or CRLF, as in the protocol and the grammar.
#[derive(Debug, Clone)]
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    /// The index of `text`'s lines.
    pub fn new(text: &str) -> LineIndex {
        let bytes = text.as_bytes();
        let mut starts = vec![0];
        for (i, &b) in bytes.iter().enumerate() {
            if b == b'\n' || (b == b'\r' && bytes.get(i + 1) != Some(&b'\n')) {
                starts.push(i + 1);
            }
        }
        LineIndex { starts }
    }

    /// The position of byte `offset` of `text` (clamped to the text, and back to the start of a
    /// character if it falls inside one).
    pub fn position(&self, text: &str, offset: usize, enc: Encoding) -> Position {
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.starts.partition_point(|&s| s <= offset) - 1;
        let start = self.starts[line];
        let column = match enc {
            Encoding::Utf8 => offset - start,
            Encoding::Utf16 => text[start..offset].encode_utf16().count(),
        };
        Position::new(to_u32(line), to_u32(column))
    }

    /// The range of a span of `text`.
    pub fn range(&self, text: &str, span: Span, enc: Encoding) -> Range {
        Range::new(
            self.position(text, span.start, enc),
            self.position(text, span.end, enc),
        )
    }

    /// The byte offset of a position in `text`. A line past the end is the end of the text; a
    /// column past the end of its line is the end of the line; a column inside a character is
    /// that character's start.
    pub fn offset(&self, text: &str, pos: Position, enc: Encoding) -> usize {
        let line = pos.line as usize;
        let Some(&start) = self.starts.get(line) else {
            return text.len();
        };
        let end = self.starts.get(line + 1).copied().unwrap_or(text.len());
        let content = text[start..end].trim_end_matches(['\n', '\r']);
        let want = pos.character as usize;
        let mut units = 0;
        for (i, c) in content.char_indices() {
            let width = match enc {
                Encoding::Utf8 => c.len_utf8(),
                Encoding::Utf16 => c.len_utf16(),
            };
            if units + width > want {
                return start + i;
            }
            units += width;
        }
        start + content.len()
    }

    /// The position just past the end of `text`.
    pub fn end(&self, text: &str, enc: Encoding) -> Position {
        self.position(text, text.len(), enc)
    }
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf16_columns_count_code_units() {
        let text = "a ≥ b\n𝄞x ®y\r\nlast";
        let idx = LineIndex::new(text);
        let b = text.find('b').unwrap_or(0);
        assert_eq!(idx.position(text, b, Encoding::Utf16), Position::new(0, 4));
        assert_eq!(idx.position(text, b, Encoding::Utf8), Position::new(0, 6));
        let y = text.find('y').unwrap_or(0);
        // 𝄞 is two UTF-16 units, ® one: "𝄞x ®" is 5 units, 8 bytes.
        assert_eq!(idx.position(text, y, Encoding::Utf16), Position::new(1, 5));
        assert_eq!(idx.position(text, y, Encoding::Utf8), Position::new(1, 8));
        let last = text.find("last").unwrap_or(0);
        assert_eq!(
            idx.position(text, last, Encoding::Utf16),
            Position::new(2, 0)
        );
        for enc in [Encoding::Utf8, Encoding::Utf16] {
            for off in [0, b, y, last, text.len()] {
                assert_eq!(idx.offset(text, idx.position(text, off, enc), enc), off);
            }
        }
    }

    #[test]
    fn positions_outside_the_text_are_clamped() {
        let text = "ab≥\ncd";
        let idx = LineIndex::new(text);
        assert_eq!(
            idx.offset(text, Position::new(0, 99), Encoding::Utf16),
            "ab≥".len()
        );
        assert_eq!(
            idx.offset(text, Position::new(9, 0), Encoding::Utf16),
            text.len()
        );
        // Inside the three bytes of `≥`: its start.
        assert_eq!(idx.position(text, 3, Encoding::Utf8), Position::new(0, 2));
        assert_eq!(idx.end(text, Encoding::Utf16), Position::new(1, 2));
        // A lone CR ends a line too.
        let text = "a\rb";
        let idx = LineIndex::new(text);
        assert_eq!(idx.position(text, 2, Encoding::Utf16), Position::new(1, 0));
    }
}
