//! The Mail Administration Console of seed 001: admin login, Company settings with
//! the Domain Push section (company_id, Allowed companies, Notification Email),
//! Company domains with Push Domain and its confirmation, and a domain's page with
//! its brand state. Pushes run through the same code as the Email JSON API.

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
        (false, rest) => match rest.strip_prefix("/mac/domains/") {
            Some(name) if !name.contains('/') => c.domain(name),
            _ => not_found(),
        },
        (true, rest) => match rest
            .strip_prefix("/mac/domains/")
            .and_then(|r| r.strip_suffix("/brand"))
        {
            Some(name) if !name.contains('/') => c.new_brand(name),
            _ => not_found(),
        },
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

    fn domain(&self, name: &str) -> Page {
        match self.app.store.mail_domain(name) {
            Ok(Some(domain)) if domain.company_id == self.company.id => {
                let flash = self
                    .req
                    .query
                    .get("branded")
                    .map(|_| "Brand created and assigned.");
                self.page(200, "mac_domain.html", context! { domain, flash })
            }
            Ok(_) => not_found(),
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
