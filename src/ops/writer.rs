//! The exact writer: items → the real server's reply bytes (protocol.md §4).
//!
//! Written by hand into one buffer rather than through quick-xml's writer: the layout
//! (a two-space `</header>`, one-space indents, no trailing newline) is fixed byte for
//! byte. [`ItemWriter`] streams items, so a handler can write a 10,000-row reply
//! straight from its database rows; value trees go through the same writer.

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

/// Indent of the items of the top-level `dt_assoc`.
const TOP_INDENT: usize = 4;

/// Writes a whole reply envelope whose `data_block` holds `top`, in `top`'s order.
pub fn write_envelope(top: &Map) -> Vec<u8> {
    let mut w = ItemWriter::envelope(64 * top.len() + size_hint(top));
    for (k, v) in top {
        w.value(k, v);
    }
    w.finish()
}

/// Writes one value as the items of a container at `indent`: for tests and tools that
/// want a fragment.
pub fn write_value(out: &mut String, key: &str, v: &Value, indent: usize) {
    let mut w = ItemWriter::at(indent, std::mem::take(out));
    w.value(key, v);
    *out = w.out;
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

/// The items of a `dt_assoc` written ahead of time (see [`ItemWriter::fragment`]), to
/// be placed under a key by [`ItemWriter::embed`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fragment {
    indent: usize,
    /// Shared: a cached status reply is lent out, not copied, on every hit.
    text: std::sync::Arc<String>,
}

impl Fragment {
    /// Its size in bytes.
    pub fn len(&self) -> usize {
        self.text.len()
    }

    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }
}

/// A streaming writer of items in the reply layout. Containers are opened with
/// [`map`](Self::map)/[`list`](Self::list) (inside a `dt_assoc`, by key) or
/// [`push_map`](Self::push_map) (inside a `dt_array`, keyed by position) and closed
/// with [`end`](Self::end); [`finish`](Self::finish) closes what is still open.
#[derive(Debug)]
pub struct ItemWriter {
    out: String,
    indent: usize,
    /// One entry per open container: `Some(next position)` for a `dt_array`, `None`
    /// for a `dt_assoc`.
    open: Vec<Option<usize>>,
    /// Whether `finish` wraps the envelope around the items.
    envelope: bool,
}

impl ItemWriter {
    /// A writer of a whole envelope: items go into the top-level `dt_assoc`.
    /// `capacity` is a guess of the items' size.
    pub fn envelope(capacity: usize) -> ItemWriter {
        let mut out = String::with_capacity(HEAD.len() + TAIL.len() + capacity);
        out.push_str(HEAD);
        ItemWriter {
            out,
            indent: TOP_INDENT,
            open: Vec::new(),
            envelope: true,
        }
    }

    /// A writer of the items of a `dt_assoc` that will be embedded under a top-level
    /// key (`attributes`) of an envelope.
    pub fn fragment(capacity: usize) -> ItemWriter {
        ItemWriter::at(TOP_INDENT + 2, String::with_capacity(capacity))
    }

    fn at(indent: usize, out: String) -> ItemWriter {
        ItemWriter {
            out,
            indent,
            open: Vec::new(),
            envelope: false,
        }
    }

    /// Ends a [`fragment`](Self::fragment) writer.
    pub fn into_fragment(mut self) -> Fragment {
        self.close_all();
        Fragment {
            indent: self.indent,
            text: std::sync::Arc::new(self.out),
        }
    }

    /// Closes what is open and returns the bytes.
    pub fn finish(mut self) -> Vec<u8> {
        self.close_all();
        if self.envelope {
            self.out.push_str(TAIL);
        }
        self.out.into_bytes()
    }

    /// `<item key="key">value</item>` in the open `dt_assoc`.
    pub fn scalar(&mut self, key: &str, value: &str) {
        self.start_item(Some(key));
        escape_into(&mut self.out, value);
        self.out.push_str("</item>\n");
    }

    /// A number as a scalar, without an intermediate string.
    pub fn int(&mut self, key: &str, n: i64) {
        self.start_item(Some(key));
        push_int(&mut self.out, n);
        self.out.push_str("</item>\n");
    }

    /// A number, or the empty scalar for `None`.
    pub fn opt_int(&mut self, key: &str, n: Option<i64>) {
        self.start_item(Some(key));
        if let Some(n) = n {
            push_int(&mut self.out, n);
        }
        self.out.push_str("</item>\n");
    }

    /// Opens a `dt_assoc` under `key`.
    pub fn map(&mut self, key: &str) {
        self.open_container(Some(key), None);
    }

    /// Opens a `dt_array` under `key`.
    pub fn list(&mut self, key: &str) {
        self.open_container(Some(key), Some(0));
    }

    /// Opens a `dt_assoc` as the next element of the open `dt_array`.
    pub fn push_map(&mut self) {
        self.open_container(None, None);
    }

    /// Closes the innermost open container (nothing when none is open).
    pub fn end(&mut self) {
        let Some(kind) = self.open.pop() else {
            return;
        };
        self.indent -= 2;
        pad(&mut self.out, self.indent + 1);
        self.out.push_str(if kind.is_some() {
            "</dt_array>\n"
        } else {
            "</dt_assoc>\n"
        });
        pad(&mut self.out, self.indent);
        self.out.push_str("</item>\n");
    }

    /// A value tree under `key`.
    pub fn value(&mut self, key: &str, v: &Value) {
        self.value_at(Some(key), v);
    }

    /// The items of a map, in its order, into the open `dt_assoc`.
    pub fn items(&mut self, m: &Map) {
        for (k, v) in m {
            self.value_at(Some(k), v);
        }
    }

    /// A [`Fragment`] as the `dt_assoc` under `key`.
    pub fn embed(&mut self, key: &str, f: &Fragment) {
        self.map(key);
        // A fragment is written for one depth; elsewhere its layout would be off.
        debug_assert_eq!(f.indent, self.indent, "fragment written for another depth");
        self.out.push_str(&f.text);
        self.end();
    }

    fn value_at(&mut self, key: Option<&str>, v: &Value) {
        match v {
            Value::Scalar(s) => {
                self.start_item(key);
                escape_into(&mut self.out, s);
                self.out.push_str("</item>\n");
            }
            Value::Map(m) => {
                self.open_container(key, None);
                self.items(m);
                self.end();
            }
            Value::List(l) => {
                self.open_container(key, Some(0));
                for v in l {
                    self.value_at(None, v);
                }
                self.end();
            }
        }
    }

    /// `<item key="…">` at the current indent: `key`, or the next position of the
    /// open `dt_array` when `key` is `None`.
    fn start_item(&mut self, key: Option<&str>) {
        pad(&mut self.out, self.indent);
        self.out.push_str("<item key=\"");
        match key {
            Some(k) => escape_into(&mut self.out, k),
            None => {
                let n = match self.open.last_mut() {
                    Some(Some(next)) => {
                        *next += 1;
                        *next - 1
                    }
                    // An unkeyed item outside a dt_array is a caller's mistake; it
                    // still gets a key, so the output stays well-formed.
                    Some(None) | None => 0,
                };
                push_int(&mut self.out, n as i64);
            }
        }
        self.out.push_str("\">");
    }

    fn open_container(&mut self, key: Option<&str>, kind: Option<usize>) {
        self.start_item(key);
        self.out.push('\n');
        pad(&mut self.out, self.indent + 1);
        self.out.push_str(if kind.is_some() {
            "<dt_array>\n"
        } else {
            "<dt_assoc>\n"
        });
        self.open.push(kind);
        self.indent += 2;
    }

    fn close_all(&mut self) {
        while !self.open.is_empty() {
            self.end();
        }
    }
}

fn pad(out: &mut String, n: usize) {
    const SPACES: &str = "                                                                ";
    let mut n = n;
    while n > SPACES.len() {
        out.push_str(SPACES);
        n -= SPACES.len();
    }
    out.push_str(&SPACES[..n]);
}

fn push_int(s: &mut String, n: i64) {
    use std::fmt::Write;
    // Writing into a String cannot fail.
    let _ = write!(s, "{n}");
}

/// Escapes the five XML specials and drops the control characters XML 1.0 cannot carry.
fn escape_into(out: &mut String, s: &str) {
    let clean = |b: u8| {
        !matches!(b, b'&' | b'<' | b'>' | b'\'' | b'"')
            && (b >= b' ' || matches!(b, b'\t' | b'\n' | b'\r'))
    };
    // Bytewise: every special is ASCII, and a byte of a multi-byte character is never
    // below 0x80, so the test cannot be fooled by one. U+FFFE and U+FFFF (EF BF BE,
    // EF BF BF) are not XML characters either: a reply holding one would not parse.
    if s.bytes().all(clean) && !s.as_bytes().contains(&0xEF) {
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
            '\u{FFFE}' | '\u{FFFF}' => {}
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
        let mut s = String::new();
        escape_into(&mut s, "héllo→<");
        assert_eq!(s, "héllo→&lt;");
        // Issue 15.12: the two non-characters XML forbids are dropped too.
        let mut s = String::new();
        escape_into(&mut s, "a\u{FFFE}b\u{FFFF}c\u{FFFD}");
        assert_eq!(s, "abc\u{FFFD}");
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

    /// Streaming and the tree give the same bytes, fragments included.
    #[test]
    fn streaming_equals_tree() {
        let row = |name: &str, id: Option<i64>| {
            let mut m = Map::new();
            m.insert("name".into(), name.into());
            m.insert(
                "id".into(),
                Value::from(id.map(|i| i.to_string()).unwrap_or_default()),
            );
            Value::Map(m)
        };
        let mut attrs = Map::new();
        attrs.insert("id".into(), Value::from(-7));
        attrs.insert(
            "rows".into(),
            Value::List(vec![row("a&b", Some(1)), row("c", None)]),
        );
        attrs.insert("empty".into(), Value::List(Vec::new()));
        let mut top = Map::new();
        top.insert("protocol".into(), "XCP".into());
        top.insert("attributes".into(), Value::Map(attrs));
        let tree = write_envelope(&top);

        let mut f = ItemWriter::fragment(0);
        f.int("id", -7);
        f.list("rows");
        for (name, id) in [("a&b", Some(1)), ("c", None)] {
            f.push_map();
            f.scalar("name", name);
            f.opt_int("id", id);
            f.end();
        }
        f.end();
        f.list("empty");
        let fragment = f.into_fragment();
        let mut w = ItemWriter::envelope(0);
        w.scalar("protocol", "XCP");
        w.embed("attributes", &fragment);
        assert_eq!(
            String::from_utf8_lossy(&w.finish()),
            String::from_utf8_lossy(&tree)
        );
    }

    #[test]
    fn deep_indents_are_padded() {
        let mut s = String::new();
        let mut v = Value::Scalar("x".into());
        for _ in 0..40 {
            v = Value::List(vec![v]);
        }
        write_value(&mut s, "k", &v, 4);
        assert!(s.contains(&format!("{}<item key=\"0\">x</item>", " ".repeat(84))));
    }
}
