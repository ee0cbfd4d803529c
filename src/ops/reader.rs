//! The lenient reader: request bytes → value tree.
//!
//! Built on quick-xml's pull reader. It looks for `data_block` wherever it is, reads the
//! one container inside it and stops there, so a body that never closes
//! `</OPS_envelope>` (one Go client) still decodes. References follow the real server's
//! regex decoder: the five predefined entities and character references are decoded,
//! and anything else that starts with `&` stays literal text.

use std::borrow::Cow;

use quick_xml::events::{BytesRef, BytesStart, Event};
use quick_xml::reader::{Config, Reader};

use super::error::{LimitKind, OpsError, OpsErrorKind};
use super::{Limits, Map, Text, Value};

/// Reads the value held by the envelope's `data_block`.
pub fn read(body: &[u8], limits: &Limits) -> Result<Value, OpsError> {
    if body.len() > limits.max_bytes {
        return Err(err(
            OpsErrorKind::Limit(LimitKind::Bytes(limits.max_bytes)),
            limits.max_bytes as u64,
        ));
    }
    let text =
        std::str::from_utf8(body).map_err(|e| err(OpsErrorKind::Utf8, e.valid_up_to() as u64))?;
    let mut reader = Reader::from_str(text);
    configure(reader.config_mut());
    Decoder {
        limits,
        stack: Vec::new(),
        in_data_block: false,
        items: 0,
        depth: 0,
    }
    .run(&mut reader)
}

/// Every quick-xml flag the reader relies on, in one place.
fn configure(cfg: &mut Config) {
    // Seed 004 sends `<item key="auth_info">$^o&)@7q</item>`: a lone `&` is text.
    cfg.allow_dangling_amp = true;
    // A mismatched end tag would put items in the wrong container: refuse it.
    cfg.check_end_names = true;
    cfg.allow_unmatched_ends = false;
    // `<item key="x"/>` and `<dt_assoc/>` arrive as Empty events and are handled here.
    cfg.expand_empty_elements = false;
    // Scalars are kept byte for byte (auth codes may start or end with spaces).
    cfg.trim_text(false);
    // Comments carry nothing for us; do not spend time validating them.
    cfg.check_comments = false;
}

fn err(kind: OpsErrorKind, pos: u64) -> OpsError {
    OpsError { kind, pos }
}

/// What is open while reading inside `data_block`. Text borrows from the body until
/// a second piece (a reference, CDATA) has to be joined to it.
enum Frame<'b> {
    Assoc(Map),
    /// Items with their parsed keys, placed by key when the array closes.
    Array {
        items: Vec<(usize, Value)>,
        next: usize,
    },
    /// `dt_scalar` / `dt_scalarref`.
    Scalar(Cow<'b, str>),
    Item {
        key: ItemKey,
        text: Cow<'b, str>,
        child: Option<Value>,
    },
}

enum ItemKey {
    Assoc(Text),
    Array(usize),
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Container {
    Assoc,
    Array,
    Scalar,
}

fn container_of(name: &str) -> Option<Container> {
    if name.eq_ignore_ascii_case("dt_assoc") {
        Some(Container::Assoc)
    } else if name.eq_ignore_ascii_case("dt_array") {
        Some(Container::Array)
    } else if name.eq_ignore_ascii_case("dt_scalar") || name.eq_ignore_ascii_case("dt_scalarref") {
        Some(Container::Scalar)
    } else {
        None
    }
}

struct Decoder<'l, 'b> {
    limits: &'l Limits,
    stack: Vec<Frame<'b>>,
    in_data_block: bool,
    items: usize,
    depth: usize,
}

impl<'b> Decoder<'_, 'b> {
    fn run(mut self, reader: &mut Reader<&'b [u8]>) -> Result<Value, OpsError> {
        loop {
            let pos = reader.buffer_position();
            let event = reader
                .read_event()
                .map_err(|e| err(OpsErrorKind::Syntax(e.to_string()), reader.error_position()))?;
            let done = match event {
                Event::Start(e) => self.start(&e, false, pos)?,
                Event::Empty(e) => self.start(&e, true, pos)?,
                Event::End(e) => {
                    if self.stack.is_empty() {
                        if self.in_data_block
                            && e.name().as_ref().eq_ignore_ascii_case("data_block")
                        {
                            return Err(err(
                                OpsErrorKind::Structure("data_block holds no dt_assoc".into()),
                                pos,
                            ));
                        }
                        None
                    } else {
                        self.end(pos)?
                    }
                }
                Event::Text(t) => {
                    self.text(t.into_inner());
                    None
                }
                Event::CData(c) => {
                    self.text(c.into_inner());
                    None
                }
                Event::GeneralRef(r) => {
                    self.reference(&r);
                    None
                }
                Event::Eof => {
                    let kind = if self.in_data_block {
                        OpsErrorKind::Syntax("unexpected end of body inside data_block".into())
                    } else {
                        OpsErrorKind::NoDataBlock
                    };
                    return Err(err(kind, pos));
                }
                Event::Decl(_) | Event::PI(_) | Event::Comment(_) | Event::DocType(_) => None,
            };
            if let Some(v) = done {
                return Ok(v);
            }
        }
    }

    /// Handles an opening tag; `empty` for `<x/>`. Returns the root value if this
    /// element was an empty root container.
    fn start(
        &mut self,
        e: &BytesStart<'_>,
        empty: bool,
        pos: u64,
    ) -> Result<Option<Value>, OpsError> {
        let name = e.name();
        let name = name.as_ref();
        if !self.in_data_block {
            if name.eq_ignore_ascii_case("data_block") {
                if empty {
                    return Err(err(
                        OpsErrorKind::Structure("data_block is empty".into()),
                        pos,
                    ));
                }
                self.in_data_block = true;
            }
            return Ok(None);
        }
        let structure = |msg: String| err(OpsErrorKind::Structure(msg), pos);
        match self.stack.last() {
            None | Some(Frame::Item { .. }) => {
                let Some(kind) = container_of(name) else {
                    return Err(structure(format!(
                        "expected dt_assoc, dt_array or dt_scalar, found {}",
                        name
                    )));
                };
                if let Some(Frame::Item { child: Some(_), .. }) = self.stack.last() {
                    return Err(structure("item holds more than one value".into()));
                }
                if kind != Container::Scalar {
                    self.depth += 1;
                    if self.depth > self.limits.max_depth {
                        return Err(err(
                            OpsErrorKind::Limit(LimitKind::Depth(self.limits.max_depth)),
                            pos,
                        ));
                    }
                }
                self.stack.push(match kind {
                    Container::Assoc => Frame::Assoc(Map::new()),
                    Container::Array => Frame::Array {
                        items: Vec::new(),
                        next: 0,
                    },
                    Container::Scalar => Frame::Scalar(Cow::Borrowed("")),
                });
                if empty { self.end(pos) } else { Ok(None) }
            }
            Some(Frame::Assoc(_)) | Some(Frame::Array { .. }) => {
                if !name.eq_ignore_ascii_case("item") {
                    return Err(structure(format!("expected item, found {}", name)));
                }
                self.items += 1;
                if self.items > self.limits.max_items {
                    return Err(err(
                        OpsErrorKind::Limit(LimitKind::Items(self.limits.max_items)),
                        pos,
                    ));
                }
                let raw_key = key_attr(e).map_err(&structure)?;
                let key = match self.stack.last() {
                    Some(Frame::Array { next, .. }) => match raw_key {
                        None => ItemKey::Array(*next),
                        Some(k) => match k.trim().parse::<usize>() {
                            // A key past the item limit would make us allocate the gap.
                            Ok(i) if i < self.limits.max_items => ItemKey::Array(i),
                            Ok(_) => {
                                return Err(err(
                                    OpsErrorKind::Limit(LimitKind::Items(self.limits.max_items)),
                                    pos,
                                ));
                            }
                            Err(_) => {
                                return Err(structure(format!(
                                    "dt_array item key '{k}' is not a number"
                                )));
                            }
                        },
                    },
                    _ => match raw_key {
                        Some(k) => ItemKey::Assoc(k),
                        None => return Err(structure("dt_assoc item without a key".into())),
                    },
                };
                self.stack.push(Frame::Item {
                    key,
                    text: Cow::Borrowed(""),
                    child: None,
                });
                if empty { self.end(pos) } else { Ok(None) }
            }
            Some(Frame::Scalar(_)) => {
                Err(structure(format!("dt_scalar holds an element ({})", name)))
            }
        }
    }

    /// Closes the innermost frame. Returns the root value once it closes.
    fn end(&mut self, pos: u64) -> Result<Option<Value>, OpsError> {
        let Some(frame) = self.stack.pop() else {
            return Ok(None);
        };
        let value = match frame {
            Frame::Item { key, text, child } => {
                let value = match child {
                    Some(v) if text.trim().is_empty() => v,
                    Some(_) => {
                        return Err(err(
                            OpsErrorKind::Structure("item mixes text with a container".into()),
                            pos,
                        ));
                    }
                    None => Value::Scalar(Text::new(text)),
                };
                match (self.stack.last_mut(), key) {
                    (Some(Frame::Assoc(map)), ItemKey::Assoc(k)) => {
                        map.insert(k, value);
                    }
                    (Some(Frame::Array { items, next }), ItemKey::Array(i)) => {
                        items.push((i, value));
                        *next = i + 1;
                    }
                    _ => {
                        return Err(err(
                            OpsErrorKind::Structure("item outside a container".into()),
                            pos,
                        ));
                    }
                }
                return Ok(None);
            }
            Frame::Assoc(map) => {
                self.depth -= 1;
                Value::Map(map)
            }
            Frame::Array { items, .. } => {
                self.depth -= 1;
                Value::List(place_by_key(items).map_err(|kind| err(kind, pos))?)
            }
            Frame::Scalar(s) => Value::Scalar(Text::new(s)),
        };
        match self.stack.last_mut() {
            None => Ok(Some(value)),
            Some(Frame::Item { child, .. }) => {
                *child = Some(value);
                Ok(None)
            }
            Some(_) => Err(err(
                OpsErrorKind::Structure("container outside an item".into()),
                pos,
            )),
        }
    }

    fn text(&mut self, t: Cow<'b, str>) {
        match self.stack.last_mut() {
            Some(Frame::Item { text, .. }) | Some(Frame::Scalar(text)) => {
                if text.is_empty() {
                    *text = t;
                } else {
                    text.to_mut().push_str(&t);
                }
            }
            // Whitespace (or stray text) between items carries nothing.
            _ => {}
        }
    }

    fn reference(&mut self, r: &BytesRef<'_>) {
        if let Some(Frame::Item { text, .. }) | Some(Frame::Scalar(text)) = self.stack.last_mut() {
            push_reference(text.to_mut(), r);
        }
    }
}

/// Orders array items by their keys in one pass. Keys 0..n in order (nearly every
/// request) cost nothing; sparse keys leave empty values in the gaps, as the real
/// server's Perl arrays do; a repeated key keeps the last value.
///
/// The gaps are paid for by the items themselves: an array may hold at most as many
/// empty places as items, so that what it allocates follows the bytes received and
/// never a key's value (`<item key="199999"/>` alone would otherwise be 200,000
/// values, and every array of a 1 KB body could repeat it).
fn place_by_key(items: Vec<(usize, Value)>) -> Result<Vec<Value>, OpsErrorKind> {
    if items.iter().enumerate().all(|(i, (k, _))| i == *k) {
        return Ok(items.into_iter().map(|(_, v)| v).collect());
    }
    let last = items.iter().map(|(k, _)| *k).max().unwrap_or(0);
    let len = last.saturating_add(1);
    if len > items.len().saturating_mul(2) {
        return Err(OpsErrorKind::Structure(format!(
            "dt_array item key {last} leaves more empty places than the array has items"
        )));
    }
    let mut out = vec![Value::Scalar(Text::default()); len];
    for (k, v) in items {
        out[k] = v;
    }
    Ok(out)
}

fn key_attr(e: &BytesStart<'_>) -> Result<Option<Text>, String> {
    for attr in e.attributes().with_checks(false) {
        let attr = attr.map_err(|e| format!("bad attribute: {e}"))?;
        if attr.key.as_ref() == "key" {
            return Ok(Some(Text::new(unescape_lenient(&attr.value))));
        }
    }
    Ok(None)
}

/// Appends what `&name;` stands for, or the literal text when it stands for nothing we
/// expand (never user-defined entities).
fn push_reference(out: &mut String, name: &str) {
    match resolve(name) {
        Some(c) => out.push(c),
        None => {
            out.push('&');
            out.push_str(name);
            out.push(';');
        }
    }
}

fn resolve(name: &str) -> Option<char> {
    match name {
        "amp" => Some('&'),
        "lt" => Some('<'),
        "gt" => Some('>'),
        "apos" => Some('\''),
        "quot" => Some('"'),
        _ => {
            let num = name.strip_prefix('#')?;
            let code = match num.strip_prefix(['x', 'X']) {
                Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                None => num.parse::<u32>().ok()?,
            };
            char::from_u32(code).filter(|c| *c != '\0')
        }
    }
}

/// The same decoding for attribute values, which quick-xml hands over raw.
fn unescape_lenient(raw: &str) -> Cow<'_, str> {
    if !raw.contains('&') {
        return Cow::Borrowed(raw);
    }
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        match after.find(';') {
            Some(semi) if !after[..semi].contains(['&', '<', ' ']) => {
                push_reference(&mut out, &after[..semi]);
                rest = &after[semi + 1..];
            }
            _ => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn envelope(inner: &str) -> String {
        format!(
            "<OPS_envelope><header><version>0.9</version></header><body><data_block>{inner}</data_block></body></OPS_envelope>"
        )
    }

    fn ok(body: &str) -> Value {
        match read(body.as_bytes(), &Limits::default()) {
            Ok(v) => v,
            Err(e) => panic!("{body}: {e}"),
        }
    }

    fn fails(body: &str) -> OpsError {
        match read(body.as_bytes(), &Limits::default()) {
            Ok(v) => panic!("{body}: expected an error, got {v:?}"),
            Err(e) => e,
        }
    }

    fn scalar(s: &str) -> Value {
        Value::Scalar(s.into())
    }

    fn map(pairs: &[(&str, Value)]) -> Value {
        Value::Map(
            pairs
                .iter()
                .map(|(k, v)| ((*k).into(), v.clone()))
                .collect(),
        )
    }

    macro_rules! decodes {
        ($name:ident, $inner:expr => $want:expr) => {
            #[test]
            fn $name() {
                assert_eq!(ok(&envelope($inner)), $want);
            }
        };
    }

    decodes!(plain_item, r#"<dt_assoc><item key="a">b</item></dt_assoc>"# => map(&[("a", scalar("b"))]));
    decodes!(self_closing_item, r#"<dt_assoc><item key="a"/></dt_assoc>"# => map(&[("a", scalar(""))]));
    decodes!(empty_item, r#"<dt_assoc><item key="a"></item></dt_assoc>"# => map(&[("a", scalar(""))]));
    decodes!(empty_assoc, r#"<dt_assoc><item key="a"><dt_assoc/></item></dt_assoc>"# => map(&[("a", map(&[]))]));
    decodes!(dangling_amp, r#"<dt_assoc><item key="a">$^o&)@7q</item></dt_assoc>"# => map(&[("a", scalar("$^o&)@7q"))]));
    decodes!(unknown_entity_literal, r#"<dt_assoc><item key="a">x&foo;y&#xZZ;</item></dt_assoc>"# => map(&[("a", scalar("x&foo;y&#xZZ;"))]));
    decodes!(predefined_and_char_refs, r#"<dt_assoc><item key="a">&amp;&lt;&gt;&apos;&quot;&#233;&#xE9;</item></dt_assoc>"# => map(&[("a", scalar("&<>'\"éé"))]));
    decodes!(double_escaped_stays_once, r#"<dt_assoc><item key="a">P%40ss&amp;amp;word;</item></dt_assoc>"# => map(&[("a", scalar("P%40ss&amp;word;"))]));
    decodes!(raw_gt_and_quote, r#"<dt_assoc><item key="a">Mj%zA>1r U$K"y</item></dt_assoc>"# => map(&[("a", scalar("Mj%zA>1r U$K\"y"))]));
    decodes!(scalar_kept_verbatim, "<dt_assoc><item key=\"a\"> x\r\n</item></dt_assoc>" => map(&[("a", scalar(" x\r\n"))]));
    decodes!(dt_scalar, r#"<dt_assoc><item key="a"><dt_scalar>7</dt_scalar></item><item key="b"><dt_scalarref>8</dt_scalarref></item></dt_assoc>"# => map(&[("a", scalar("7")), ("b", scalar("8"))]));
    decodes!(sparse_array, r#"<dt_array><item key="2">c</item><item key="0">a</item></dt_array>"# => Value::List(vec![scalar("a"), scalar(""), scalar("c")]));
    decodes!(array_by_key_not_position, r#"<dt_array><item key="1">b</item><item key="0">a</item></dt_array>"# => Value::List(vec![scalar("a"), scalar("b")]));
    decodes!(class_attribute_ignored, r#"<dt_assoc><item class="x" key="a">b</item></dt_assoc>"# => map(&[("a", scalar("b"))]));
    decodes!(cdata, r#"<dt_assoc><item key="a"><![CDATA[<&>]]></item></dt_assoc>"# => map(&[("a", scalar("<&>"))]));
    decodes!(key_with_reference, r#"<dt_assoc><item key="a&amp;b&c">v</item></dt_assoc>"# => map(&[("a&b&c", scalar("v"))]));
    decodes!(repeated_key_last_wins, r#"<dt_assoc><item key="a">1</item><item key="a">2</item></dt_assoc>"# => map(&[("a", scalar("2"))]));

    #[test]
    fn unclosed_envelope_is_fine() {
        let v = ok(
            r#"<OPS_envelope><body><data_block><dt_assoc><item key="a">b</item></dt_assoc></data_block>"#,
        );
        assert_eq!(v, map(&[("a", scalar("b"))]));
    }

    #[test]
    fn declaration_doctype_and_crlf() {
        let body = "<?xml version=\"1.0\" encoding='UTF-8' standalone=\"no\"?>\r\n<!DOCTYPE OPS_envelope SYSTEM 'ops.dtd'>\r\n<OPS_envelope>\r\n <header><version>0.9</version><msg_id>1</msg_id></header>\r\n <body><data_block><dt_assoc>\r\n  <item key=\"a\">b</item>\r\n</dt_assoc></data_block></body></OPS_envelope>\r\n";
        assert_eq!(ok(body), map(&[("a", scalar("b"))]));
    }

    #[test]
    fn internal_entities_are_not_expanded() {
        let body = r#"<!DOCTYPE x [<!ENTITY e "boom">]><OPS_envelope><body><data_block><dt_assoc><item key="a">&e;</item></dt_assoc></data_block></body></OPS_envelope>"#;
        assert_eq!(ok(body), map(&[("a", scalar("&e;"))]));
    }

    macro_rules! rejects {
        ($name:ident, $body:expr => $kind:pat, $pos:expr) => {
            #[test]
            fn $name() {
                let e = fails($body);
                assert!(matches!(e.kind, $kind), "{e:?}");
                assert_eq!(e.pos, $pos, "{e:?}");
            }
        };
    }

    rejects!(no_data_block, "<OPS_envelope></OPS_envelope>" => OpsErrorKind::NoDataBlock, 29);
    rejects!(empty_body, "" => OpsErrorKind::NoDataBlock, 0);
    rejects!(mismatched_end, "<data_block><dt_assoc><item key=\"a\">b</itm></dt_assoc></data_block>" => OpsErrorKind::Syntax(_), 37);
    rejects!(item_without_key, "<data_block><dt_assoc><item>b</item></dt_assoc></data_block>" => OpsErrorKind::Structure(_), 22);
    rejects!(wrong_child, "<data_block><dt_assoc><foo/></dt_assoc></data_block>" => OpsErrorKind::Structure(_), 22);
    rejects!(bad_array_key, "<data_block><dt_array><item key=\"x\">b</item></dt_array></data_block>" => OpsErrorKind::Structure(_), 22);
    rejects!(truncated, "<data_block><dt_assoc><item key=\"a\">b" => OpsErrorKind::Syntax(_) | OpsErrorKind::Structure(_), 37);
    rejects!(two_values, "<data_block><dt_assoc><item key=\"a\"><dt_assoc/><dt_array/></item></dt_assoc></data_block>" => OpsErrorKind::Structure(_), 47);
    rejects!(sparse_key_far_past_the_items, "<data_block><dt_assoc><item key=\"a\"><dt_array><item key=\"30000\"/></dt_array></item></dt_assoc></data_block>" => OpsErrorKind::Structure(_), 65);

    #[test]
    fn invalid_utf8_has_position() {
        let e = read(b"<a>\xff</a>", &Limits::default()).err();
        assert_eq!(
            e,
            Some(OpsError {
                kind: OpsErrorKind::Utf8,
                pos: 3
            })
        );
    }

    #[test]
    fn limits() {
        let limits = Limits {
            max_bytes: 1000,
            max_depth: 3,
            max_items: 5,
        };
        let deep = envelope(&"<dt_array><item key=\"0\">".repeat(4));
        let e = read(deep.as_bytes(), &limits).err().map(|e| e.kind);
        assert_eq!(e, Some(OpsErrorKind::Limit(LimitKind::Depth(3))));
        let many = envelope(&format!(
            "<dt_array>{}</dt_array>",
            "<item>a</item>".repeat(6)
        ));
        let e = read(many.as_bytes(), &limits).err().map(|e| e.kind);
        assert_eq!(e, Some(OpsErrorKind::Limit(LimitKind::Items(5))));
        let far = envelope("<dt_array><item key=\"99\">a</item></dt_array>");
        let e = read(far.as_bytes(), &limits).err().map(|e| e.kind);
        assert_eq!(e, Some(OpsErrorKind::Limit(LimitKind::Items(5))));
        let big = " ".repeat(1001);
        let e = read(big.as_bytes(), &limits).err().map(|e| e.kind);
        assert_eq!(e, Some(OpsErrorKind::Limit(LimitKind::Bytes(1000))));
    }
}
