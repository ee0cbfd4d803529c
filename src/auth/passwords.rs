//! Argon2id password hashing with bounded memory.
//!
//! One Argon2 run with the default parameters fills 19 MiB. The review saw 128
//! concurrent logins of made-up users take opsd to 2.67 GiB, which the allocator kept.
//! Here every hash and every check borrows one of a few memory buffers, made once and
//! reused: at most [`slots`] runs at a time, so the memory is bounded by that number,
//! whatever arrives. Callers beyond [`MAX_WAITING`] are refused at once as busy rather
//! than queued without end.

use std::sync::{Condvar, LazyLock, Mutex, PoisonError};

use argon2::password_hash::{Output, ParamsString, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};

/// Callers that may wait for a buffer; more are refused with [`PasswordError::Busy`].
pub const MAX_WAITING: usize = 64;

/// A stored hash may ask for at most this many times the default memory (opsd makes
/// every hash itself with the defaults; anything larger is refused, not run).
const MAX_COST_FACTOR: usize = 4;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    #[error("could not hash the password")]
    Failed,
    #[error("too many password checks at once; try again shortly")]
    Busy,
}

/// Runs at once: one per core, at least two.
fn slots() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get().clamp(2, 8))
}

struct Pool {
    state: Mutex<PoolState>,
    ready: Condvar,
}

struct PoolState {
    /// Runs that may start now.
    available: usize,
    waiting: usize,
    /// Buffers of the default size, kept for the next run.
    buffers: Vec<Vec<Block>>,
}

static POOL: LazyLock<Pool> = LazyLock::new(|| Pool {
    state: Mutex::new(PoolState {
        available: slots(),
        waiting: 0,
        buffers: Vec::new(),
    }),
    ready: Condvar::new(),
});

/// The default parameters' block count: the size of the kept buffers.
fn default_blocks() -> usize {
    Params::default().block_count()
}

/// Runs `f` with a buffer of `blocks` Argon2 blocks, waiting for a free run.
fn with_memory<T>(blocks: usize, f: impl FnOnce(&mut [Block]) -> T) -> Result<T, PasswordError> {
    if blocks > default_blocks() * MAX_COST_FACTOR {
        return Err(PasswordError::Failed);
    }
    let pool = &*POOL;
    let mut buffer = {
        let mut st = pool.state.lock().unwrap_or_else(PoisonError::into_inner);
        while st.available == 0 {
            if st.waiting >= MAX_WAITING {
                return Err(PasswordError::Busy);
            }
            st.waiting += 1;
            st = pool.ready.wait(st).unwrap_or_else(PoisonError::into_inner);
            st.waiting -= 1;
        }
        st.available -= 1;
        st.buffers.pop().unwrap_or_default()
    };
    if buffer.len() < blocks {
        buffer.resize(blocks, Block::default());
    }
    let out = f(&mut buffer[..blocks]);
    let mut st = pool.state.lock().unwrap_or_else(PoisonError::into_inner);
    st.available += 1;
    // Only default-sized buffers are kept: an odd one is given back to the allocator.
    if buffer.len() == default_blocks() {
        st.buffers.push(buffer);
    }
    drop(st);
    pool.ready.notify_one();
    Ok(out)
}

/// Hashes a password for storage (Argon2id, random salt, PHC string).
pub fn hash_password(password: &str) -> Result<String, PasswordError> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|_| PasswordError::Failed)?;
    let salt_text = SaltString::encode_b64(&salt).map_err(|_| PasswordError::Failed)?;
    let params = Params::default();
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
    with_memory(params.block_count(), |blocks| {
        argon.hash_password_into_with_memory(password.as_bytes(), &salt, &mut out, blocks)
    })?
    .map_err(|_| PasswordError::Failed)?;
    let hash = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params).map_err(|_| PasswordError::Failed)?,
        salt: Some(salt_text.as_salt()),
        hash: Some(Output::new(&out).map_err(|_| PasswordError::Failed)?),
    };
    Ok(hash.to_string())
}

/// Checks a password against a stored hash; a malformed hash never matches, and
/// neither does any password while the check cannot run (see [`check_password`]).
pub fn verify_password(password: &str, stored: &str) -> bool {
    check_password(password, stored).unwrap_or(false)
}

/// Checks a password against a stored hash; a malformed hash never matches. `Err`
/// only when the check could not run (too many at once).
pub fn check_password(password: &str, stored: &str) -> Result<bool, PasswordError> {
    let Ok(hash) = PasswordHash::new(stored) else {
        return Ok(false);
    };
    let (Ok(algorithm), Ok(params)) =
        (Algorithm::try_from(hash.algorithm), Params::try_from(&hash))
    else {
        return Ok(false);
    };
    let version = match hash.version.map(Version::try_from) {
        None => Version::V0x13,
        Some(Ok(v)) => v,
        Some(Err(_)) => return Ok(false),
    };
    let (Some(salt), Some(expected)) = (hash.salt, hash.hash) else {
        return Ok(false);
    };
    let mut salt_buf = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_buf) else {
        return Ok(false);
    };
    let argon = Argon2::new(algorithm, version, params.clone());
    let mut out = vec![0u8; expected.len()];
    let ran = match with_memory(params.block_count(), |blocks| {
        argon.hash_password_into_with_memory(password.as_bytes(), salt, &mut out, blocks)
    }) {
        Ok(r) => r,
        Err(PasswordError::Failed) => return Ok(false),
        Err(e) => return Err(e),
    };
    // Output's equality is constant-time.
    Ok(ran.is_ok() && Output::new(&out).is_ok_and(|o| o == expected))
}

/// Compared against when an account is unknown, so that a wrong user name costs the
/// same Argon2 work as a wrong password.
static DUMMY_HASH: LazyLock<String> =
    LazyLock::new(|| hash_password("not a password").unwrap_or_default());

/// Checks a password against the hash of an account that may not exist (`None`);
/// both cases take the same time, so the answer does not tell which names exist.
pub fn verify_account_password(
    password: &str,
    stored: Option<&str>,
) -> Result<bool, PasswordError> {
    match stored {
        Some(hash) => check_password(password, hash),
        None => check_password(password, &DUMMY_HASH).map(|_| false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_read_as_argon2_did() {
        let h = hash_password("p&ss<wd>").unwrap_or_default();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert_eq!(check_password("p&ss<wd>", &h), Ok(true));
        assert_eq!(check_password("p&ss<wd", &h), Ok(false));
        assert_eq!(check_password("x", "not a hash"), Ok(false));
        assert!(verify_password("p&ss<wd>", &h));
        // A hash made by the argon2 crate's own hasher verifies too.
        use argon2::password_hash::PasswordHasher;
        let salt = SaltString::encode_b64(b"0123456789abcdef").unwrap_or_else(|e| panic!("{e}"));
        let theirs = Argon2::default()
            .hash_password(b"hunter2", &salt)
            .map(|h| h.to_string())
            .unwrap_or_default();
        assert_eq!(check_password("hunter2", &theirs), Ok(true));
    }

    #[test]
    fn unknown_accounts_never_match() {
        let hash = hash_password("right").unwrap_or_default();
        assert_eq!(verify_account_password("right", Some(&hash)), Ok(true));
        assert_eq!(verify_account_password("wrong", Some(&hash)), Ok(false));
        assert_eq!(verify_account_password("not a password", None), Ok(false));
    }

    /// Many checks at once never run more than `slots()` Argon2 fills, so the
    /// buffers kept stay at that number.
    #[test]
    fn concurrent_checks_share_a_few_buffers() {
        let hash = hash_password("right").unwrap_or_default();
        std::thread::scope(|s| {
            for _ in 0..24 {
                s.spawn(|| {
                    let _ = check_password("wrong", &hash);
                });
            }
        });
        let st = POOL.state.lock().unwrap_or_else(PoisonError::into_inner);
        assert!(st.buffers.len() <= slots(), "{} buffers", st.buffers.len());
        assert!(st.available <= slots());
    }
}
