//! SW_REGISTER `reg_type=whois_privacy`: WHOIS privacy bought for a domain the
//! caller already holds. Deprecated in OpenSRS's documentation (MODIFY
//! `data=whois_privacy_state` does the same) but still listed, so still answered:
//! the domain's privacy is enabled with MODIFY's event and note.

use crate::api::codes;
use crate::api::fields::Fields;
use crate::api::target::Named;
use crate::api::{ApiError, Ctx, Reply};
use crate::domain::DomainName;
use crate::ops::{Map, Value};
use crate::store::DomainChange;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrivacyOrder {
    pub domain: String,
}

impl PrivacyOrder {
    pub fn parse(f: &Fields<'_>) -> Result<Self, ApiError> {
        let domain = DomainName::parse(f.req_str("domain")?)
            .map_err(|e| f.invalid("domain", &e.to_string()))?
            .name
            .to_string();
        Ok(PrivacyOrder { domain })
    }

    pub fn apply(self, ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
        let d = Named::Domain(self.domain).resolve(ctx)?;
        if d.whois_privacy {
            return Err(ApiError::invalid(
                "reg_type",
                format!("WHOIS privacy is already enabled for {}", d.name),
            ));
        }
        let audit = ctx.audit("sw_register", &d.name, "whois_privacy".into());
        crate::rules::domain_change::apply(
            ctx.app,
            ctx.reseller.id,
            &[(d.id, d.name.clone())],
            &DomainChange::WhoisPrivacy(true),
            &audit,
        )?;
        let mut attrs = Map::with_capacity(2);
        attrs.insert("id".into(), Value::from(d.id));
        attrs.insert("whois_privacy_state".into(), Value::from("enabled"));
        Ok(Reply::done(codes::WHOIS_PRIVACY_ENABLED, attrs))
    }
}
