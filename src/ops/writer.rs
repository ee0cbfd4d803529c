//! The exact writer: value tree → the real server's reply bytes (protocol.md §4).
//!
//! Written by hand into one buffer rather than through quick-xml's writer: the layout
//! (a two-space `</header>`, one-space indents, no trailing newline) is fixed byte for
//! byte, and a direct writer keeps a 10,000-row status reply to one allocation.

use super::{Map, Value};

const HEAD: &str = "<?xml version='1.0' encoding=\"UTF-8\" standalone=\"no\" ?>\n\
<!DOCTYPE OPS_envelope SYSTEM \"ops.dtd\">\n\
<OPS_envelope>\n \
<header>\n  \
<version>0.9</version>\n  \
</header>\n \
<body>\n  \
<data_block>\n   \
<dt_assoc>\n";

const TAIL: &str = "   </dt_assoc>\n  </data_block>\n </body>\n</OPS_envelope>";

/// Writes a whole reply envelope whose `data_block` holds `top`, in `top`'s order.
pub fn write_envelope(top: &Map) -> Vec<u8> {
    let mut out = String::with_capacity(HEAD.len() + TAIL.len() + 64 * top.len() + size_hint(top));
    out.push_str(HEAD);
    for (k, v) in top {
        write_item(&mut out, k, v, 4);
    }
    out.push_str(TAIL);
    out.into_bytes()
}

/// Writes one value as the items of a container at `indent`: for tests and tools that
/// want a fragment.
pub fn write_value(out: &mut String, key: &str, v: &Value, indent: usize) {
    write_item(out, key, v, indent);
}

fn size_hint(m: &Map) -> usize {
    m.values()
        .map(|v| match v {
            Value::Scalar(s) => s.len(),
            Value::Map(m) => 48 * m.len() + size_hint(m),
            Value::List(l) => 64 * l.len(),
        })
        .sum()
}

fn pad(out: &mut String, n: usize) {
    out.extend(std::iter::repeat_n(' ', n));
}

fn write_item(out: &mut String, key: &str, v: &Value, indent: usize) {
    pad(out, indent);
    out.push_str("<item key=\"");
    escape_into(out, key);
    out.push_str("\">");
    match v {
        Value::Scalar(s) => escape_into(out, s),
        Value::Map(m) => {
            out.push('\n');
            pad(out, indent + 1);
            out.push_str("<dt_assoc>\n");
            for (k, v) in m {
                write_item(out, k, v, indent + 2);
            }
            pad(out, indent + 1);
            out.push_str("</dt_assoc>\n");
            pad(out, indent);
        }
        Value::List(l) => {
            out.push('\n');
            pad(out, indent + 1);
            out.push_str("<dt_array>\n");
            // One key buffer for the whole list: a 10,000-row status reply would
            // otherwise allocate 10,000 small strings.
            let mut key = String::with_capacity(8);
            for (i, v) in l.iter().enumerate() {
                key.clear();
                push_usize(&mut key, i);
                write_item(out, &key, v, indent + 2);
            }
            pad(out, indent + 1);
            out.push_str("</dt_array>\n");
            pad(out, indent);
        }
    }
    out.push_str("</item>\n");
}

fn push_usize(s: &mut String, n: usize) {
    use std::fmt::Write;
    // Writing into a String cannot fail.
    let _ = write!(s, "{n}");
}

/// Escapes the five XML specials and drops the control characters XML 1.0 cannot carry.
fn escape_into(out: &mut String, s: &str) {
    let clean = |c: char| {
        !matches!(c, '&' | '<' | '>' | '\'' | '"') && (c >= ' ' || matches!(c, '\t' | '\n' | '\r'))
    };
    if s.chars().all(clean) {
        out.push_str(s);
        return;
    }
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\'' => out.push_str("&apos;"),
            '"' => out.push_str("&quot;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if c < ' ' => {}
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_drops_controls() {
        let mut s = String::new();
        escape_into(&mut s, "a&b<c>d'e\"f\u{1}g\u{b}h\ti\nj");
        assert_eq!(s, "a&amp;b&lt;c&gt;d&apos;e&quot;fgh\ti\nj");
    }

    #[test]
    fn nested_layout() {
        let mut inner = Map::new();
        inner.insert("k".into(), Value::List(vec!["x".into()]));
        let mut s = String::new();
        write_value(&mut s, "attributes", &Value::Map(inner), 4);
        let want = "    <item key=\"attributes\">\n     <dt_assoc>\n      <item key=\"k\">\n       <dt_array>\n        <item key=\"0\">x</item>\n       </dt_array>\n      </item>\n     </dt_assoc>\n    </item>\n";
        assert_eq!(s, want);
    }
}
