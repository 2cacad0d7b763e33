//! The IAM face's settings and per-node caches: the token key set, the revocation list and
//! the users' enabled state. Each cache has a bound written on it; nothing here outlives it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::auth::tokens::{self, Claims, Invalid};
use crate::core::catalog::{EndpointRow, ServiceRow};
use crate::core::directory::application_credentials::InForce;
use crate::core::directory::{LoginLimits, TokenKey};
use crate::core::{ids, Directory, Entity, Error};

/// How long the key set is used without reading the database again: a key added by
/// `roster keys rotate` becomes the primary on every node within this time. A token naming a
/// key this node does not know makes it reload at once (at most once per `KEY_RELOAD_GAP`).
pub const KEYS_TTL: Duration = Duration::from_secs(5);
const KEY_RELOAD_GAP: Duration = Duration::from_millis(500);

/// How long the revocation list is trusted: a token revoked on one node is refused by every
/// node within this time (at once by the node that revoked it), as long as the nodes'
/// clocks agree within `REVOCATIONS_OVERLAP`; within `REVOCATIONS_FULL` in any case.
pub const REVOCATIONS_TTL: Duration = Duration::from_secs(2);
/// Each refresh reads only the revocations made since the last one, less this overlap
/// (clock differences between nodes, a slow commit).
const REVOCATIONS_OVERLAP_MS: i64 = 60_000;
/// The whole list is read again this often.
pub const REVOCATIONS_FULL: Duration = Duration::from_secs(300);

/// How long a user's enabled/locked state is trusted: a token of a user who is then
/// disabled, locked, deleted or given a new password stops working on every node within
/// this time.
pub const USER_TTL: Duration = Duration::from_secs(5);

const MAX_USERS_CACHED: usize = 10_000;

/// How long the stored service catalog a token carries is trusted: a change made through
/// another node shows in new tokens within this time, through this node at once
/// (`IamState::forget_catalog`).
pub const CATALOG_TTL: Duration = Duration::from_secs(5);

/// The enabled services with their enabled endpoints (`Directory::catalog`).
pub type Catalog = Arc<Vec<(ServiceRow, Vec<EndpointRow>)>>;

/// Settings of the IAM face (config file, flags).
#[derive(Debug, Clone)]
pub struct IamSettings {
    /// Lifetime of a new token.
    pub token_ttl: Duration,
    /// `https://iam.example.com` when behind a reverse proxy: links and the catalog use it
    /// instead of the request's Host.
    pub public_url: Option<String>,
    pub login_limits: LoginLimits,
    /// Addresses of reverse proxies whose `X-Forwarded-For` is believed: a login through
    /// one of them is counted against the client address the proxy names.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Most entries an unpaged Keystone list returns (Keystone's `list_limit`); `None`: all.
    pub list_limit: Option<i64>,
}

impl IamSettings {
    /// `token_ttl` in milliseconds, as claims count time.
    pub fn token_ttl_ms(&self) -> i64 {
        self.token_ttl.as_millis() as i64
    }
}

pub const DEFAULT_TOKEN_TTL: Duration = Duration::from_secs(24 * 3600);

impl Default for IamSettings {
    fn default() -> Self {
        IamSettings {
            token_ttl: DEFAULT_TOKEN_TTL,
            public_url: None,
            login_limits: LoginLimits::default(),
            trusted_proxies: Vec::new(),
            list_limit: None,
        }
    }
}

/// What a token or key check needs to know of a user, cached for `USER_TTL`.
#[derive(Debug, Clone)]
pub struct UserState {
    /// Not disabled, not locked, not expired.
    pub active: bool,
    pub is_root: bool,
    /// Unix ms of the user's last password change: tokens issued before it are refused, as
    /// Keystone revokes a user's tokens when the password changes.
    pub password_changed_at: i64,
    /// Unix ms of the last change that made the user inactive or active again (disable,
    /// lock, expiry; `User::tokens_valid_after`): tokens issued before it are refused.
    pub tokens_valid_after: i64,
    /// The user's domain is enabled (a disabled domain's users are refused).
    pub domain_enabled: bool,
    /// Unix ms of the domain's last disable: tokens issued before it are refused.
    pub domain_tokens_valid_after: i64,
    /// The user is the operator (system role `admin`): it administers every account.
    pub operator: bool,
    /// The user holds some system role (it may take a system-scoped token).
    pub system: bool,
}

#[derive(Default)]
struct Keys {
    keys: Vec<TokenKey>,
    loaded: Option<Instant>,
}

#[derive(Default)]
struct Revocations {
    /// token id -> expires_at (Unix ms)
    ids: HashMap<String, i64>,
    loaded: Option<Instant>,
    full: Option<Instant>,
    /// Unix ms of the last refresh's start.
    since: i64,
}

pub struct IamState {
    pub settings: IamSettings,
    keys: tokio::sync::Mutex<Keys>,
    revoked: tokio::sync::Mutex<Revocations>,
    users: Mutex<HashMap<String, (Option<UserState>, Instant)>>,
    /// One entry: the stored catalog, read once for concurrent misses (moka's
    /// `try_get_with`), for at most `CATALOG_TTL`.
    catalog: moka::future::Cache<(), Catalog>,
}

impl Default for IamState {
    fn default() -> Self {
        IamState::new(IamSettings::default())
    }
}

impl IamState {
    pub fn new(settings: IamSettings) -> Self {
        IamState {
            settings,
            keys: Default::default(),
            revoked: Default::default(),
            users: Default::default(),
            catalog: moka::future::Cache::builder()
                .max_capacity(1)
                .time_to_live(CATALOG_TTL)
                .build(),
        }
    }

    /// The stored catalog every scoped token carries (beside the faces Roster serves): a
    /// read per `CATALOG_TTL` at most, not one per token issued or validated.
    pub async fn catalog(&self, dir: &Directory) -> Result<Catalog, Error> {
        self.catalog
            .try_get_with((), async { dir.catalog().await.map(Arc::new) })
            .await
            .map_err(|e| match &*e {
                Error::Unavailable(d) => Error::Unavailable(d.clone()),
                e => Error::Internal(e.to_string()),
            })
    }

    /// Drops the cached catalog after a change through this node.
    pub fn forget_catalog(&self) {
        self.catalog.invalidate_all();
    }

    /// The key set, the primary first, reloaded when older than `KEYS_TTL` (or when `force`
    /// and the last load is older than `KEY_RELOAD_GAP`).
    async fn keys(&self, dir: &Directory, force: bool) -> Result<Vec<TokenKey>, Error> {
        let mut k = self.keys.lock().await;
        let stale = match k.loaded {
            None => true,
            Some(at) => at.elapsed() >= KEYS_TTL || (force && at.elapsed() >= KEY_RELOAD_GAP),
        };
        if stale {
            k.keys = dir.token_keys().await?;
            k.loaded = Some(Instant::now());
        }
        Ok(k.keys.clone())
    }

    /// Seals new claims with the primary key.
    pub async fn issue(&self, dir: &Directory, claims: &Claims) -> Result<String, Error> {
        let keys = self.keys(dir, false).await?;
        let primary = keys
            .first()
            .ok_or_else(|| Error::Internal("no token key".into()))?;
        Ok(tokens::seal(claims, primary))
    }

    /// Opens a token and checks it: not expired, not revoked, its user still enabled and its
    /// password not changed since, and, for a token made with an application credential,
    /// the credential still in force (`Directory::application_credential_in_force`);
    /// returns the claims, the user's state and what the application credential delegates.
    pub async fn check(
        &self,
        dir: &Directory,
        token: &str,
    ) -> Result<(Claims, UserState, Option<Arc<InForce>>), Error> {
        let (claims, user) = self.check_token(dir, token).await?;
        let app = match &claims.application_credential {
            Some(id) => Some(Arc::new(
                dir.application_credential_in_force(&claims.account_id, &claims.user_id, id)
                    .await?,
            )),
            None => None,
        };
        Ok((claims, user, app))
    }

    async fn check_token(
        &self,
        dir: &Directory,
        token: &str,
    ) -> Result<(Claims, UserState), Error> {
        let unauth = |m: &str| Error::Unauthenticated(m.to_string());
        let keys = self.keys(dir, false).await?;
        let claims = match tokens::open(token, &keys) {
            Ok(c) => c,
            Err(Invalid::UnknownKey(_)) => {
                let keys = self.keys(dir, true).await?;
                tokens::open(token, &keys).map_err(|e| unauth(&format!("{e}")))?
            }
            Err(e) => return Err(unauth(&format!("the token is invalid: {e}"))),
        };
        if claims.expires_at <= ids::now_ms() {
            return Err(unauth("the token has expired"));
        }
        if self.is_revoked(dir, &claims.token_id).await? {
            return Err(unauth("the token has been revoked"));
        }
        match self.user(dir, &claims.account_id, &claims.user_id).await? {
            Some(u) if !u.active => Err(unauth("the token's user is disabled or locked")),
            Some(u) if claims.issued_at < u.password_changed_at => Err(unauth(
                "the token was issued before the user's password was changed",
            )),
            Some(u) if claims.issued_at < u.tokens_valid_after => Err(unauth(
                "the token was issued before the user was disabled or locked",
            )),
            Some(u) if !u.domain_enabled => Err(unauth("the token's domain is disabled")),
            Some(u) if claims.issued_at < u.domain_tokens_valid_after => Err(unauth(
                "the token was issued before its domain was disabled",
            )),
            Some(u) => Ok((claims, u)),
            None => Err(unauth("the token's user no longer exists")),
        }
    }

    async fn is_revoked(&self, dir: &Directory, token_id: &str) -> Result<bool, Error> {
        let mut r = self.revoked.lock().await;
        if r.loaded.is_none_or(|at| at.elapsed() >= REVOCATIONS_TTL) {
            let started = ids::now_ms();
            if r.full.is_none_or(|at| at.elapsed() >= REVOCATIONS_FULL) {
                r.ids = dir.revoked_tokens_since(0).await?.into_iter().collect();
                r.full = Some(Instant::now());
            } else {
                let since = r.since - REVOCATIONS_OVERLAP_MS;
                let new = dir.revoked_tokens_since(since).await?;
                r.ids.retain(|_, expires| *expires > started);
                r.ids.extend(new);
            }
            r.since = started;
            r.loaded = Some(Instant::now());
        }
        Ok(r.ids.contains_key(token_id))
    }

    /// Revokes a token everywhere (through the database) and here at once.
    pub async fn revoke(&self, dir: &Directory, claims: &Claims) -> Result<(), Error> {
        dir.revoke_token(&claims.token_id, claims.expires_at)
            .await?;
        self.revoked
            .lock()
            .await
            .ids
            .insert(claims.token_id.clone(), claims.expires_at);
        Ok(())
    }

    /// The user's state, `None` if there is no such user in the account.
    pub async fn user(
        &self,
        dir: &Directory,
        account_id: &str,
        user_id: &str,
    ) -> Result<Option<UserState>, Error> {
        let key = format!("{account_id}/{user_id}");
        if let Some((s, at)) = self.users.lock().expect("cache lock").get(&key) {
            if at.elapsed() < USER_TTL {
                return Ok(s.clone());
            }
        }
        let state = match dir.user(account_id, user_id).await {
            Ok(u) => match dir.standing(account_id, user_id).await {
                Ok(st) => Some(UserState {
                    active: !u.disabled && !u.locked && !u.expired_at(ids::now_ms()),
                    is_root: u.is_root,
                    password_changed_at: u.password_changed_at,
                    tokens_valid_after: u.tokens_valid_after,
                    domain_enabled: st.domain_enabled,
                    domain_tokens_valid_after: st.domain_tokens_valid_after,
                    operator: st.operator,
                    system: st.system,
                }),
                // the account went in between
                Err(Error::NotFound(..)) => None,
                Err(e) => return Err(e),
            },
            Err(Error::NotFound(Entity::User, _)) => None,
            Err(e) => return Err(e),
        };
        let mut users = self.users.lock().expect("cache lock");
        if users.len() >= MAX_USERS_CACHED {
            users.clear();
        }
        users.insert(key, (state.clone(), Instant::now()));
        Ok(state)
    }

    /// Forgets what this node knows of every user (after a change of a domain made here).
    pub fn forget_users(&self) {
        self.users.lock().expect("cache lock").clear();
    }

    /// Forgets what this node knows of a user (after a change made here).
    pub fn forget_user(&self, account_id: &str, user_id: &str) {
        self.users
            .lock()
            .expect("cache lock")
            .remove(&format!("{account_id}/{user_id}"));
    }
}
