//! Escaping of corpus strings for HTML and for terminals.

use std::fmt::Write as _;

/// `s` as HTML text or attribute value (in double quotes): `& < > " '`
/// become character references, so a token `<script>` is shown, never
/// run. Control characters other than tab and line feed become U+FFFD,
/// since HTML has no way to show them.
pub fn html(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' => out.push(c),
            c if c.is_control() => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
}

/// `s` escaped by [`html`], as a new string.
pub fn html_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    html(&mut out, s);
    out
}

/// JSON text made safe inside `<script type="application/json">`: `<`,
/// `>` and `&` become `\u` escapes (the same JSON value), so no corpus
/// string can close the element or open a comment.
pub fn json_in_script(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        match c {
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

/// `s` for a terminal: control characters (ESC, carriage return, ...)
/// become U+FFFD, so that a corpus cannot move the cursor or recolour the
/// screen. Tab and line feed are kept.
pub fn terminal(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '\t' | '\n' => out.push(c),
            c if c.is_control() => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_becomes_text() {
        assert_eq!(
            html_string(r#""><img src=x onerror=alert(1)>"#),
            "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"
        );
        assert_eq!(html_string("a'b&c\u{1b}"), "a&#39;b&amp;c\u{FFFD}");
    }

    #[test]
    fn json_cannot_close_the_script() {
        let j = serde_json::to_string("</script><!--&").unwrap();
        let safe = json_in_script(&j);
        assert!(!safe.contains('<') && !safe.contains('>'));
        let back: String = serde_json::from_str(&safe).unwrap();
        assert_eq!(back, "</script><!--&");
    }

    #[test]
    fn terminal_controls_are_replaced() {
        let mut s = String::new();
        terminal(&mut s, "a\u{1b}[31mb\r\tc");
        assert_eq!(s, "a\u{FFFD}[31mb\u{FFFD}\tc");
    }
}
