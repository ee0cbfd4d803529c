//! The Mail Administration Console of seed 001: admin login, Company settings with
//! the Domain Push section (company_id, Allowed companies, Notification Email),
//! Company domains with Push Domain and its confirmation, a domain's page with
//! its brand state, its users and Add user, and a user's page (its settings,
//! roles, mail; edit, delete, delete a message). Pushes run through the same
//! code as the Email JSON API, users through its methods (`api::run`).

use minijinja::context;

use crate::app::App;
use crate::hosted_mail::{self, Admin};
use crate::mail::plausible_address;
use crate::rules::mail_push::MailPushRefused;
use crate::store::MailCompany;

use super::session::{self, Realm};
use super::{Page, PageRequest, not_found, render, store_failure};

pub const REALM: Realm = Realm {
    name: "mac",
    base: "/mac",
    accounts: "mail_admin",
};

const TITLE: &str = "Mail Administration Console";

/// Answers any request under `/mac`.
pub fn handle(app: &App, req: &PageRequest) -> Page {
    let entered = session::enter(
        app,
        REALM,
        TITLE,
        "/mac/company",
        req,
        |user| Ok(app.store.mail_admin(user)?.map(|(id, _, hash)| (id, hash))),
        |_| Ok(true),
        |s| match app.store.mail_admin_by_id(s.subject_id)? {
            Some((username, company_id)) => Ok(app.store.mail_company(company_id)?.map(|c| {
                (
                    Admin {
                        id: s.subject_id,
                        username,
                        company_id,
                        mailbox: None,
                        grants: hosted_mail::company_grant(),
                        via_token: false,
                        token_chained: false,
                    },
                    c,
                )
            })),
            None => Ok(None),
        },
    );
    let (s, (admin, company)) = match entered {
        Ok(x) => x,
        Err(page) => return page,
    };
    let c = Console {
        app,
        req,
        csrf: &s.csrf,
        admin: &admin,
        company: &company,
    };
    match (req.post, req.path.trim_end_matches('/')) {
        (false, "/mac/company") => c.company_page(200, None),
        (true, "/mac/company") => c.update_company(),
        (false, "/mac/domains") => c.domains(),
        (true, "/mac/domains/push") => c.push(),
        (false, rest) => {
            if let Some(name) = rest
                .strip_prefix("/mac/domains/")
                .filter(|n| !n.contains('/'))
            {
                c.domain(name)
            } else if let Some(address) = rest
                .strip_prefix("/mac/users/")
                .filter(|a| !a.contains('/'))
            {
                c.user(&decode(address), 200, None)
            } else {
                not_found()
            }
        }
        (true, rest) => {
            let tail = |prefix: &str, suffix: &str| {
                rest.strip_prefix(prefix)
                    .and_then(|r| r.strip_suffix(suffix))
                    .filter(|n| !n.contains('/'))
                    .map(str::to_string)
            };
            if let Some(name) = tail("/mac/domains/", "/brand") {
                c.new_brand(&name)
            } else if let Some(name) = tail("/mac/domains/", "/users") {
                c.add_user(&name)
            } else if let Some(address) = tail("/mac/users/", "/delete") {
                c.delete_user(&decode(&address))
            } else if let Some(address) = rest
                .strip_prefix("/mac/users/")
                .filter(|a| !a.contains('/'))
            {
                c.change_user(&decode(address))
            } else if let Some((address, id)) = rest
                .strip_prefix("/mac/users/")
                .and_then(|r| r.strip_suffix("/delete-message"))
                .and_then(|r| r.split_once("/messages/"))
            {
                c.delete_message(&decode(address), id)
            } else {
                not_found()
            }
        }
    }
}

struct Console<'a> {
    app: &'a App,
    req: &'a PageRequest,
    csrf: &'a str,
    admin: &'a Admin,
    company: &'a MailCompany,
}

impl Console<'_> {
    fn page(&self, status: u16, template: &str, ctx: minijinja::Value) -> Page {
        let base =
            context! { me => self.admin.username, csrf => self.csrf, company => self.company };
        render(status, template, context! { ..base, ..ctx })
    }

    fn company_page(&self, status: u16, error: Option<&str>) -> Page {
        let allowed = self
            .company
            .push_allowed
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(", ");
        let flash = self
            .req
            .query
            .get("updated")
            .map(|_| "Domain Push settings updated.");
        self.page(
            status,
            "mac_company.html",
            context! { allowed, error, flash },
        )
    }

    fn update_company(&self) -> Page {
        let raw = self.req.form.get("allowed_companies").unwrap_or("");
        let mut ids = Vec::new();
        for part in raw
            .split([',', ' ', ';', '\n'])
            .map(str::trim)
            .filter(|p| !p.is_empty())
        {
            let Some(id) = part.parse::<i64>().ok().filter(|id| *id > 0) else {
                return self.company_page(400, Some(&format!("'{part}' is not a company_id.")));
            };
            match self.app.store.mail_company(id) {
                Ok(Some(_)) => ids.push(id),
                Ok(None) => {
                    return self.company_page(400, Some(&format!("There is no company {id}.")));
                }
                Err(e) => return store_failure("mail administration", &e),
            }
        }
        let notify = self.req.form.get("notify").unwrap_or("").trim();
        if !notify.is_empty() && !plausible_address(notify) {
            return self.company_page(400, Some(&format!("'{notify}' is not an email address.")));
        }
        let notify = (!notify.is_empty()).then_some(notify);
        match self
            .app
            .store
            .set_mail_push_settings(self.company.id, Some(&ids), Some(notify))
        {
            Ok(()) => Page::redirect("/mac/company?updated=1"),
            Err(e) => store_failure("mail administration", &e),
        }
    }

    fn domains(&self) -> Page {
        match self.app.store.mail_domains_of(self.company.id) {
            Ok(domains) => {
                let flash = self.req.query.get("pushed").map(|d| {
                    format!("{d} was pushed; it is in the gaining company's domain list now.")
                });
                self.page(200, "mac_domains.html", context! { domains, flash })
            }
            Err(e) => store_failure("mail administration", &e),
        }
    }

    /// Push Domain: without `confirm` it asks first (the confirmation pop-up of the
    /// seed, as a page); with it, it pushes.
    fn push(&self) -> Page {
        let name = self
            .req
            .form
            .get("domain")
            .unwrap_or("")
            .trim()
            .to_lowercase();
        let refuse = |text: String| {
            let domains = self
                .app
                .store
                .mail_domains_of(self.company.id)
                .unwrap_or_default();
            self.page(400, "mac_domains.html", context! { domains, error => text })
        };
        let domain = match self.app.store.mail_domain(&name) {
            Ok(Some(d)) if d.company_id == self.company.id => d,
            Ok(_) => return refuse(format!("{name} is not one of your domains.")),
            Err(e) => return store_failure("mail administration", &e),
        };
        let raw = self.req.form.get("new_company").unwrap_or("").trim();
        let Some(gaining_id) = raw.parse::<i64>().ok().filter(|id| *id > 0) else {
            return refuse("Enter the gaining company's company_id.".into());
        };
        let gaining = match self.app.store.mail_company(gaining_id) {
            Ok(Some(g)) => g,
            Ok(None) => return refuse(format!("There is no company {gaining_id}.")),
            Err(e) => return store_failure("mail administration", &e),
        };
        if self.req.form.get("confirm") != Some("1") {
            return self.page(200, "mac_confirm.html", context! { domain, gaining });
        }
        match hosted_mail::push(self.app, self.admin, &name, gaining_id, self.req.peer) {
            Ok(Ok(_)) => {
                let qs: String = form_urlencoded::Serializer::new(String::new())
                    .append_pair("pushed", &name)
                    .finish();
                Page::redirect(&format!("/mac/domains?{qs}"))
            }
            Ok(Err(r)) => refuse(match r {
                MailPushRefused::NotAllowed => format!(
                    "Company {gaining_id} has not added your company_id ({}) to its Allowed companies.",
                    self.company.id
                ),
                MailPushRefused::OtherCluster => {
                    format!(
                        "Company {gaining_id} is on another email cluster; pushes stay on one cluster."
                    )
                }
                MailPushRefused::SameCompany => "The domain is already in your company.".into(),
                MailPushRefused::GainingUnknown => format!("There is no company {gaining_id}."),
                MailPushRefused::DomainNotFound => format!("{name} is not one of your domains."),
            }),
            Err(e) => store_failure("mail administration", &e),
        }
    }

    /// An Email API method as this administrator (the same rules and checks).
    fn call(
        &self,
        method: &str,
        req: serde_json::Value,
    ) -> Result<serde_json::Map<String, serde_json::Value>, String> {
        let serde_json::Value::Object(req) = req else {
            return Err("not a request".into());
        };
        hosted_mail::api::run(self.app, self.admin, method, &req, self.req.peer)
            .map_err(|(_, text)| text)
    }

    fn domain(&self, name: &str) -> Page {
        self.domain_page(name, 200, None)
    }

    fn domain_page(&self, name: &str, status: u16, error: Option<&str>) -> Page {
        match self.app.store.mail_domain(name) {
            Ok(Some(domain)) if domain.company_id == self.company.id => {
                let flash = self
                    .req
                    .query
                    .get("branded")
                    .map(|_| "Brand created and assigned.")
                    .or_else(|| self.req.query.get("deleted").map(|_| "User deleted."));
                let users = self
                    .call(
                        "search_users",
                        serde_json::json!({"criteria": {"domain": name}}),
                    )
                    .map(|r| r.get("users").cloned().unwrap_or_default())
                    .unwrap_or_default();
                self.page(
                    status,
                    "mac_domain.html",
                    context! { domain, flash, users, error },
                )
            }
            Ok(_) => not_found(),
            Err(e) => store_failure("mail administration", &e),
        }
    }

    /// Add user: a mailbox made as change_user with `create_only` makes it.
    fn add_user(&self, domain: &str) -> Page {
        let local = self
            .req
            .form
            .get("local")
            .unwrap_or("")
            .trim()
            .to_lowercase();
        let address = format!("{local}@{domain}");
        let mut attributes =
            serde_json::json!({"password": self.req.form.get("password").unwrap_or("")});
        let name = self.req.form.get("name").unwrap_or("").trim();
        if !name.is_empty() {
            attributes["name"] = serde_json::json!(name);
        }
        match self.call(
            "change_user",
            serde_json::json!({"user": address, "attributes": attributes, "create_only": true}),
        ) {
            Ok(_) => Page::redirect(&format!("/mac/users/{}?added=1", urlencode(&address))),
            Err(e) => self.domain_page(domain, 400, Some(&e)),
        }
    }

    fn user(&self, address: &str, status: u16, error: Option<&str>) -> Page {
        let user = match self.call("get_user", serde_json::json!({"user": address})) {
            Ok(u) => u,
            Err(_) => return not_found(),
        };
        let folders = self
            .call("get_user_folders", serde_json::json!({"user": address}))
            .ok()
            .and_then(|f| f.get("folders").cloned())
            .unwrap_or_default();
        let mut messages = Vec::new();
        for f in folders
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|f| f.as_str())
        {
            if let Ok(m) = self.call(
                "get_user_messages",
                serde_json::json!({"user": address, "folder": f}),
            ) {
                for msg in m
                    .get("messages")
                    .and_then(|l| l.as_array())
                    .into_iter()
                    .flatten()
                {
                    messages.push(serde_json::json!({"folder": f, "id": msg["id"], "subject": msg["headers"]["Subject"], "from": msg["headers"]["From"]}));
                }
            }
        }
        let deleted = self
            .call("get_deleted_messages", serde_json::json!({"user": address}))
            .ok()
            .and_then(|d| d.get("count").cloned())
            .unwrap_or_default();
        let flash = if self.req.query.get("added").is_some() {
            Some("User added.")
        } else if self.req.query.get("saved").is_some() {
            Some("Changes saved.")
        } else if self.req.query.get("message-deleted").is_some() {
            Some("Message deleted; it can be restored for 14 days.")
        } else {
            None
        };
        let domain = address.rsplit_once('@').map(|(_, d)| d).unwrap_or_default();
        let roles: Vec<String> = user
            .get("metadata")
            .and_then(|m| m.get("roles"))
            .and_then(|r| r.as_object())
            .into_iter()
            .flatten()
            .map(|(role, objects)| {
                let list: Vec<&str> = objects
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|o| o.as_str())
                    .collect();
                format!("{role} ({})", list.join(", "))
            })
            .collect();
        let href = format!("/mac/users/{}", urlencode(address));
        self.page(
            status,
            "mac_user.html",
            context! { address, href, domain, user, roles, messages, deleted, flash, error },
        )
    }

    /// The user's form: name, title, phone, fax and (when given) a new password.
    fn change_user(&self, address: &str) -> Page {
        let mut attributes = serde_json::Map::new();
        for k in ["name", "title", "phone", "fax"] {
            if let Some(v) = self.req.form.get(k) {
                attributes.insert(k.into(), serde_json::json!(v.trim()));
            }
        }
        if let Some(p) = self.req.form.get("password").filter(|p| !p.is_empty()) {
            attributes.insert("password".into(), serde_json::json!(p));
        }
        match self.call(
            "change_user",
            serde_json::json!({"user": address, "attributes": attributes}),
        ) {
            Ok(_) => Page::redirect(&format!("/mac/users/{}?saved=1", urlencode(address))),
            Err(e) => self.user(address, 400, Some(&e)),
        }
    }

    fn delete_user(&self, address: &str) -> Page {
        let domain = address
            .rsplit_once('@')
            .map(|(_, d)| d.to_string())
            .unwrap_or_default();
        match self.call("delete_user", serde_json::json!({"user": address})) {
            Ok(_) => Page::redirect(&format!("/mac/domains/{domain}?deleted=1")),
            Err(e) => self.user(address, 400, Some(&e)),
        }
    }

    /// Deletes one message (what a mail client does; the Email API restores).
    fn delete_message(&self, address: &str, id: &str) -> Page {
        let found = crate::rules::mail_users::split_address(address)
            .map(|(l, d)| self.app.store.mail_user(self.company.id, &d, &l));
        let user = match found {
            Some(Ok(Some(u))) => u,
            Some(Err(e)) => return store_failure("mail administration", &e),
            _ => return not_found(),
        };
        let Ok(id) = id.parse::<i64>() else {
            return not_found();
        };
        let now = self.app.now();
        let audit = hosted_mail::audit(
            self.admin,
            "delete_message",
            &user.address(),
            self.req.peer,
            now,
        );
        match self.app.store.set_mail_item_deleted(
            crate::store::MailItem::Message,
            user.id,
            id,
            (Some(now), now),
            &audit,
        ) {
            Ok(true) => Page::redirect(&format!(
                "/mac/users/{}?message-deleted=1",
                urlencode(address)
            )),
            Ok(false) => not_found(),
            Err(e) => store_failure("mail administration", &e),
        }
    }

    fn new_brand(&self, name: &str) -> Page {
        let domain = match self.app.store.mail_domain(name) {
            Ok(Some(d)) if d.company_id == self.company.id => d,
            Ok(_) => return not_found(),
            Err(e) => return store_failure("mail administration", &e),
        };
        let brand = self.req.form.get("brand_name").unwrap_or("").trim();
        if brand.is_empty() || brand.len() > 100 {
            return self.page(
                400,
                "mac_domain.html",
                context! { domain, error => "Enter a brand name (at most 100 characters)." },
            );
        }
        match self.app.store.brand_mail_domain(
            &domain.name,
            self.company.id,
            brand,
            &domain.effective_settings,
        ) {
            Ok(_) => Page::redirect(&format!("/mac/domains/{}?branded=1", domain.name)),
            Err(e) => store_failure("mail administration", &e),
        }
    }
}

/// A path segment decoded (`%40` is `@`; the console's links encode every
/// other byte too).
fn decode(segment: &str) -> String {
    form_urlencoded::parse(format!("v={}", segment.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

fn urlencode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}
