//! `Reply`: what a handler returns. Turned into the top-level `dt_assoc` here, in one
//! of the fixed key orders, and into bytes by the OPS writer.

use crate::ops::{self, Map, Value};

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

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub object: String,
    pub code: u16,
    pub text: String,
    pub success: bool,
    /// Error replies carry none (a .NET client reads the wrong is_success from it).
    pub attributes: Option<Map>,
    pub layout: Layout,
    /// Top-level items besides the standard ones (e.g. POLL's `transaction_id`).
    pub extra: Vec<(String, Value)>,
}

impl Reply {
    pub fn ok(code: (u16, &str), attributes: Map, layout: Layout) -> Reply {
        Reply {
            object: String::new(),
            code: code.0,
            text: code.1.to_string(),
            success: true,
            attributes: Some(attributes),
            layout,
            extra: Vec::new(),
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
        }
    }

    /// Sets the object echoed back: the request's, upper-cased.
    pub fn with_object(mut self, object: &str) -> Reply {
        self.object = object.to_ascii_uppercase();
        self
    }

    pub fn to_map(&self) -> Map {
        let mut m = Map::with_capacity(8 + self.extra.len());
        m.insert("protocol".into(), "XCP".into());
        m.insert("object".into(), self.object.as_str().into());
        m.insert("response_text".into(), self.text.as_str().into());
        m.insert("action".into(), "REPLY".into());
        let code = Value::Scalar(self.code.to_string());
        let success = Value::Scalar(if self.success { "1" } else { "0" }.into());
        let attrs = self.attributes.clone().map(Value::Map);
        let order: [(&str, Option<Value>); 3] = match self.layout {
            Layout::CodeAttrsSuccess => [
                ("response_code", Some(code)),
                ("attributes", attrs),
                ("is_success", Some(success)),
            ],
            Layout::AttrsCodeSuccess => [
                ("attributes", attrs),
                ("response_code", Some(code)),
                ("is_success", Some(success)),
            ],
            Layout::CodeSuccessAttrs => [
                ("response_code", Some(code)),
                ("is_success", Some(success)),
                ("attributes", attrs),
            ],
        };
        for (k, v) in order {
            if let Some(v) = v {
                m.insert(k.into(), v);
            }
        }
        for (k, v) in &self.extra {
            m.insert(k.clone(), v.clone());
        }
        m
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        ops::write_envelope(&self.to_map())
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
