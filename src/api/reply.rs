//! `Reply`: what a handler returns. Written here as the top-level `dt_assoc`, in one
//! of the fixed key orders, through the OPS writer.

use crate::ops::{Fragment, ItemWriter, Map, Value};

use super::error::ApiError;

/// Where the status items stand relative to `attributes`. The real server's order is
/// random (a Perl hash); ours is fixed, and equal to the documented example where one
/// exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// protocol, object, response_text, action, response_code, attributes, is_success
    /// (the SIMPLE_TRANSFER example).
    CodeAttrsSuccess,
    /// protocol, object, response_text, action, attributes, response_code, is_success
    /// (the SIMPLE_TRANSFER_STATUS example).
    AttrsCodeSuccess,
    /// protocol, object, response_text, action, response_code, is_success, attributes:
    /// status first, for clients that take the first response_code they meet.
    CodeSuccessAttrs,
}

/// The `attributes` of a reply: a value tree, or items a handler wrote ahead of time
/// (a 10,000-row status straight from its rows, without a tree in between).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attributes {
    Tree(Map),
    Written(Fragment),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub object: String,
    pub code: u16,
    pub text: String,
    pub success: bool,
    /// Error replies carry none (a .NET client reads the wrong is_success from it).
    pub attributes: Option<Attributes>,
    pub layout: Layout,
    /// Top-level items besides the standard ones (e.g. POLL's `transaction_id`).
    pub extra: Vec<(String, Value)>,
    /// The real reply of this action has no `object` item (NAME_SUGGEST).
    pub without_object: bool,
}

impl Reply {
    pub fn ok(code: (u16, &str), attributes: Map, layout: Layout) -> Reply {
        Reply::ok_with(code, Attributes::Tree(attributes), layout)
    }

    /// Success with a fixed code and text, status items first.
    pub fn done(f: super::codes::Fixed, attributes: Map) -> Reply {
        Reply::ok((f.code, f.text), attributes, Layout::CodeSuccessAttrs)
    }

    /// Success with a fixed code and text and no attributes (the real replies of
    /// NAMESERVER CREATE, MODIFY and DELETE, DELETE COOKIE, MODIFY carry none).
    pub fn done_bare(f: super::codes::Fixed) -> Reply {
        Reply::ok_without_attributes(f.code, f.text, Layout::CodeSuccessAttrs)
    }

    /// Success with attributes in either form.
    pub fn ok_with(code: (u16, &str), attributes: Attributes, layout: Layout) -> Reply {
        Reply {
            object: String::new(),
            code: code.0,
            text: code.1.to_string(),
            success: true,
            attributes: Some(attributes),
            layout,
            extra: Vec::new(),
            without_object: false,
        }
    }

    /// Success with nothing to return.
    pub fn ok_without_attributes(code: u16, text: &str, layout: Layout) -> Reply {
        Reply {
            object: String::new(),
            code,
            text: text.to_string(),
            success: true,
            attributes: None,
            layout,
            extra: Vec::new(),
            without_object: false,
        }
    }

    pub fn error(e: &ApiError) -> Reply {
        let (code, text) = e.reply();
        Reply {
            object: String::new(),
            code,
            text,
            success: false,
            attributes: None,
            layout: Layout::CodeSuccessAttrs,
            extra: Vec::new(),
            without_object: false,
        }
    }

    /// Sets the object echoed back: the request's, upper-cased.
    pub fn with_object(mut self, object: &str) -> Reply {
        self.object = object.to_ascii_uppercase();
        self
    }

    /// Adds the top-level `transaction_id` the real server gives some refusals
    /// (`2011-05-06 16:58:54 14789 101`: the time, a request number, the server).
    pub fn with_transaction_id(mut self, now: i64) -> Reply {
        let mut n = [0u8; 2];
        let serial = match getrandom::fill(&mut n) {
            Ok(()) => 10_000 + u32::from(u16::from_le_bytes(n)) % 90_000,
            Err(_) => 10_000,
        };
        self.extra.push((
            "transaction_id".into(),
            Value::from(format!(
                "{} {serial} 101",
                crate::clock::unix_timestamp_text(now)
            )),
        ));
        self
    }

    /// Writes no `object` item, as the real server does for some actions.
    pub fn without_object(mut self) -> Reply {
        self.without_object = true;
        self
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let capacity = match &self.attributes {
            Some(Attributes::Written(f)) => f.len(),
            Some(Attributes::Tree(_)) | None => 1024,
        };
        let mut w = ItemWriter::envelope(512 + capacity);
        w.scalar("protocol", "XCP");
        if !self.without_object {
            w.scalar("object", &self.object);
        }
        w.scalar("response_text", &self.text);
        w.scalar("action", "REPLY");
        let code = |w: &mut ItemWriter| w.int("response_code", i64::from(self.code));
        let success =
            |w: &mut ItemWriter| w.scalar("is_success", if self.success { "1" } else { "0" });
        let attributes = |w: &mut ItemWriter| match &self.attributes {
            Some(Attributes::Tree(m)) => {
                w.map("attributes");
                w.items(m);
                w.end();
            }
            Some(Attributes::Written(f)) => w.embed("attributes", f),
            None => {}
        };
        match self.layout {
            Layout::CodeAttrsSuccess => {
                code(&mut w);
                attributes(&mut w);
                success(&mut w);
            }
            Layout::AttrsCodeSuccess => {
                attributes(&mut w);
                code(&mut w);
                success(&mut w);
            }
            Layout::CodeSuccessAttrs => {
                code(&mut w);
                success(&mut w);
                attributes(&mut w);
            }
        }
        for (k, v) in &self.extra {
            w.value(k, v);
        }
        w.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_reply_has_no_attributes_and_status_first() {
        let bytes = Reply::error(&ApiError::AuthFailed).to_bytes();
        let text = String::from_utf8(bytes).unwrap_or_default();
        assert!(text.contains("<item key=\"response_code\">401</item>"));
        assert!(!text.contains("attributes"));
        let code = text.find("response_code").unwrap_or(usize::MAX);
        let success = text.find("is_success").unwrap_or(0);
        assert!(code < success);
    }
}
