//! A sandbox in this process for replaying cases (`opsd parity compare`): a fresh
//! SQLite database in a directory of its own, seeded to a case's scenario, its
//! clock at the case's moment, reached through the OPS API and the operator API
//! without sockets. The project's parity test replays over real sockets instead;
//! both use the same scenario, steps and comparison.

use std::path::PathBuf;
use std::sync::Arc;

use super::replay::{KEY, Sandbox, USER};
use crate::api::{Api, OpsRequest};
use crate::app::App;

/// One fresh sandbox; its directory goes with it.
#[derive(Debug)]
pub struct Local {
    api: Api,
    dir: PathBuf,
}

static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

impl Local {
    /// A sandbox holding `scenario` (TOML).
    pub fn start(scenario: &str) -> Result<Local, String> {
        let scenario = crate::sandbox::Scenario::parse(scenario).map_err(|e| e.to_string())?;
        let dir = std::env::temp_dir().join(format!(
            "opsd-parity-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        crate::files::private_dir(&dir).map_err(|e| e.to_string())?;
        let db = dir.join("parity.db");
        let store = crate::store::Store::open(&db).map_err(|e| e.to_string())?;
        let start = scenario
            .clock_start
            .and_then(|t| time::OffsetDateTime::from_unix_timestamp(t).ok())
            .or_else(|| crate::clock::parse_timestamp("2014-07-03 18:34:34"))
            .ok_or("no start time")?;
        let clock = Arc::new(crate::clock::FakeClock::new(start));
        let mut config = crate::config::Config::new(([127, 0, 0, 1], 0).into(), db);
        config.workers = false;
        config.journal = false;
        let app = crate::app::build(store, clock, config, &scenario).map_err(|e| e.to_string())?;
        Ok(Local {
            api: Api::new(Arc::new(app)),
            dir,
        })
    }

    fn app(&self) -> &App {
        &self.api.app
    }
}

impl Drop for Local {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl Sandbox for Local {
    fn ops(&mut self, body: &[u8], anonymous: bool) -> Result<Vec<u8>, String> {
        let signature = String::from_utf8_lossy(&crate::auth::signature(body, KEY)).into_owned();
        let outcome = self.api.handle(&OpsRequest {
            username: (!anonymous).then_some(USER),
            signature: Some(&signature),
            peer: std::net::IpAddr::from([127, 0, 0, 1]),
            body,
        });
        Ok(outcome.body)
    }

    fn operator(&mut self, method: &str, path: &str, body: &str) -> Result<String, String> {
        if path == "clock/advance" {
            let by = crate::clock::parse_duration(body).ok_or("not a duration")?;
            return crate::jobs::advance_clock(self.app(), by)
                .map(|(now, ran)| format!("now {now}\nran {ran} tasks\n"))
                .map_err(|e| e.to_string());
        }
        let answer = crate::operator::handle(
            self.app(),
            &crate::operator::Request {
                method,
                path,
                query: &[],
                body: body.as_bytes(),
            },
        );
        if answer.status == 200 {
            Ok(answer.body.to_string())
        } else {
            Err(format!(
                "{method} /admin/{path}: {} {}",
                answer.status, answer.body
            ))
        }
    }
}
